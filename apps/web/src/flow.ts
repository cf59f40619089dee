import type { Edge, Node } from "@xyflow/react";
import type { NodeKind } from "./nodeKinds";

/** What a canvas node carries: one flow method. */
export type MethodData = {
  name: string;
  kind: NodeKind;
  /** Router only: the labels it can emit; each gets its own output handle. */
  emits?: string[];
};

export type MethodNode = Node<MethodData, "method">;

/** A small sample flow shown until flows are loaded from the server. */
export const SAMPLE_FLOW_NAME = "ResearchReviewFlow";

export const sampleNodes: MethodNode[] = [
  { id: "research_brief", type: "method", position: { x: 0, y: 120 }, data: { name: "research_brief", kind: "start" } },
  {
    id: "route_followup",
    type: "method",
    position: { x: 260, y: 120 },
    data: { name: "route_followup", kind: "router", emits: ["followup", "done"] },
  },
  { id: "write_followup", type: "method", position: { x: 540, y: 40 }, data: { name: "write_followup", kind: "listen" } },
  { id: "publish_summary", type: "method", position: { x: 540, y: 200 }, data: { name: "publish_summary", kind: "listen" } },
];

export const sampleEdges: Edge[] = [
  { id: "research_brief->route_followup", source: "research_brief", target: "route_followup" },
  {
    id: "route_followup:followup->write_followup",
    source: "route_followup",
    sourceHandle: "followup",
    target: "write_followup",
    label: "followup",
  },
  {
    id: "route_followup:done->publish_summary",
    source: "route_followup",
    sourceHandle: "done",
    target: "publish_summary",
    label: "done",
  },
];
