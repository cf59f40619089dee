// The canvas' view of a flow: nodes and edges shaped like React Flow's `Node`/`Edge` (id, type,
// position, data; source/target with handles) without depending on React Flow. Node and edge data
// are type aliases, not interfaces, so they satisfy React Flow's `Record<string, unknown>` bound.
import type { MethodDefinition } from "../schema/method";

export interface GraphPosition {
  x: number;
  y: number;
}

/**
 * Stored node positions: by node id, or for methods by bare name as `x-crewflow.nodes` keeps them (so
 * the parsed `x-crewflow` block can be passed as is). Extra fields (width, collapsed…) are ignored.
 */
export interface GraphLayout {
  nodes?: Record<string, GraphPosition>;
}

/** router > start > listen > plain (a method with no trigger); `start`/`router` flags tell the rest. */
export type MethodKind = "start" | "listen" | "router" | "plain";

/** A method without its trigger fields: those are drawn as edges. */
export type MethodBody = Omit<MethodDefinition, "start" | "listen">;

/** Which condition of a method an edge feeds. `start` is a conditional start's condition. */
export type TriggerSlot = "listen" | "start";

export type MethodNodeData = {
  name: string;
  kind: MethodKind;
  /** `true` for `start: true`, `"condition"` for a conditional start (its edges enter the `start` handle). */
  start: boolean | "condition";
  router: boolean;
  /** Router output labels (`emitLabels`, deduplicated); each has the source handle `emit:<label>`. */
  labels: string[];
  definition: MethodBody;
  /** `start`/`listen` as written when they are not conditions (`false`, `null`, `""`), so the file round-trips. */
  written?: { start?: false | null | ""; listen?: null };
};

export type JoinNodeData = {
  /** Where the join was found (informative; the tree is rebuilt from edges). */
  method: string;
  slot: TriggerSlot;
  /** Child indices from the condition's root: [] is the root, [1, 0] its second child's first child. */
  path: number[];
  /** `invalid`: a value CrewAI loads but crashes on (no and/or list, or not a mapping); see `raw`. */
  op: "and" | "or" | "invalid";
  /** The mapping's other keys (e.g. an `or` ignored because `and` wins), written back verbatim. */
  rest?: Record<string, unknown>;
  /** For `invalid` joins: the value as written (it has no inputs). */
  raw?: unknown;
};

export type EventNodeData = {
  label: string;
  /** Routers that declare the label. Empty: nothing declares it (a typo, or an undeclared router result). */
  producers: string[];
};

interface BaseNode<T extends string, D> {
  id: string;
  type: T;
  position: GraphPosition;
  data: D;
}

/** `method:<name>`. Targets: `listen`, `start`. Sources: `done`, `emit:<label>`. */
export type MethodNode = BaseNode<"method", MethodNodeData>;
/** `join:<method>:<slot>[.<i>…]`. Target `in` (child order in `edge.data.index`), source `out`. */
export type JoinNode = BaseNode<"join", JoinNodeData>;
/** `event:<label>`: a label no method name or single router stands for. Target `in` (producers), source `out`. */
export type EventNode = BaseNode<"event", EventNodeData>;
export type GraphNode = MethodNode | JoinNode | EventNode;

export type TriggerEdgeData = {
  kind: "trigger";
  /** Position among a join's children; absent for edges into a method (several are or-ed in edge order). */
  index?: number;
  /** The event a leaf edge carries (for run highlighting); the source node decides on the way back. */
  event?: string;
};

/** A router's label handle feeding a shared event node (display only; ignored by `graphToDefinition`). */
export type ProduceEdgeData = {
  kind: "produce";
  event: string;
};

export interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
  label?: string;
  data: TriggerEdgeData | ProduceEdgeData;
}

export interface FlowGraph {
  /** Method nodes in the definition's `methods` order (significant: it is the run order), then joins, then events. */
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const DONE_HANDLE = "done";
export const IN_HANDLE = "in";
export const OUT_HANDLE = "out";
