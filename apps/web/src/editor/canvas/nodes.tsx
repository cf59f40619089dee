// The canvas' node and edge views. Each is memoised and subscribes only to its own slice (its problem
// count, its run status), so moving one node re-renders that node and nothing else.
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath, Handle, type NodeProps, Position, useUpdateNodeInternals } from "@xyflow/react";
import { memo, useEffect, useRef } from "react";
import { NodeFeedback, useEdgeTraversed, useNodeRunStatus, useNodeStream, useNodeWaiting } from "../../runs";
import type { EventNodeView, JoinNodeView, MethodNodeView } from "../graph";
import { METHOD_IN, METHOD_OUT, METHOD_START } from "../graph";
import { PALETTE } from "../kinds";
import { useFlowEditor } from "../store";

const GLYPHS: Record<string, string> = Object.fromEntries(PALETTE.map((item) => [item.label.toLowerCase(), item.glyph]));

function glyphOf(kind: string): string {
  return GLYPHS[kind] ?? GLYPHS[kind.split(" ")[0] ?? ""] ?? "•";
}

function ProblemBadge({ name }: { name: string }) {
  const count = useFlowEditor((s) => s.problemCounts[name] ?? 0);
  if (count === 0) return null;
  // The contract names it "<n> problems" whatever n is (tests find it so).
  const label = `${count} problems`;
  return (
    <span className="cf-node-problems" aria-label={label} title={label}>
      ⚠ {count}
    </span>
  );
}

function RunStream({ name }: { name: string }) {
  const text = useNodeStream(name);
  const waiting = useNodeWaiting(name);
  // A slow or hung model shows as a wait that counts up, not as a silent node.
  if (!text && waiting > 0)
    return (
      <div className="cf-node-stream cf-node-waiting" role="status">
        waiting for the model… {Math.round(waiting)} s
      </div>
    );
  if (!text) return null;
  return (
    <div className="cf-node-stream" aria-live="polite">
      {text.length > 240 ? `…${text.slice(-240)}` : text}
    </div>
  );
}

/**
 * React Flow measures handles when a node mounts or resizes; a router whose labels were renamed keeps
 * its size, so its handles are re-measured here (else a drag from a renamed label would connect nothing).
 */
function useHandlesChanged(id: string, key: string): void {
  const updateNodeInternals = useUpdateNodeInternals();
  const previous = useRef(key);
  useEffect(() => {
    if (previous.current === key) return;
    previous.current = key;
    updateNodeInternals(id);
  }, [id, key, updateNodeInternals]);
}

export const MethodNodeComponent = memo(function MethodNodeComponent({ id, data, selected }: NodeProps & { data: MethodNodeView }) {
  const status = useNodeRunStatus(data.name);
  useHandlesChanged(id, `${data.labels.join("\u0000")}|${data.startCondition}|${status === "paused"}`);
  const router = data.kind === "router" || data.labels.length > 0;
  return (
    <div
      role="group"
      aria-label={`${data.name} (${data.kind})`}
      className={`cf-node cf-node-method${selected ? " is-selected" : ""}`}
      data-kind={data.kind}
      {...(status ? { "data-status": status } : {})}
    >
      <Handle type="target" position={Position.Left} id={METHOD_IN} className="cf-handle" />
      {data.startCondition && <Handle type="target" position={Position.Top} id={METHOD_START} className="cf-handle cf-handle-start" />}
      <div className="cf-node-head">
        <span className="cf-node-glyph" aria-hidden="true">
          {glyphOf(data.kind)}
        </span>
        <span className="cf-node-name">{data.name}</span>
        <ProblemBadge name={data.name} />
      </div>
      <div className="cf-node-kind">
        {data.kind}
        {status ? ` · ${status}` : ""}
      </div>
      {router && (
        <ul className="cf-node-labels" aria-label="Emit labels">
          {data.labels.map((label) => (
            <li key={label} className="cf-node-label">
              {label}
              <Handle type="source" position={Position.Right} id={`emit:${label}`} className="cf-handle cf-handle-label" />
            </li>
          ))}
        </ul>
      )}
      <RunStream name={data.name} />
      {status === "paused" && (
        <div className="nodrag nopan nowheel">
          <NodeFeedback method={data.name} />
        </div>
      )}
      <Handle type="source" position={router ? Position.Bottom : Position.Right} id={METHOD_OUT} className="cf-handle" />
    </div>
  );
});

export const JoinNodeComponent = memo(function JoinNodeComponent({ id, data, selected }: NodeProps & { data: JoinNodeView }) {
  const word = data.op === "invalid" ? "invalid condition" : `${data.op} join`;
  return (
    <div
      role="group"
      aria-label={`${word} ${id}`}
      className={`cf-node cf-node-join cf-join-${data.op}${data.floating ? " is-floating" : ""}${selected ? " is-selected" : ""}`}
      title={data.floating ? `${word}: connect its output to a method` : word}
    >
      <Handle type="target" position={Position.Left} id="in" className="cf-handle" />
      <span>{data.op === "invalid" ? "!" : data.op.toUpperCase()}</span>
      <Handle type="source" position={Position.Right} id="out" className="cf-handle" />
    </div>
  );
});

export const EventNodeComponent = memo(function EventNodeComponent({ data, selected }: NodeProps & { data: EventNodeView }) {
  return (
    <div role="group" aria-label={`event ${data.label}`} className={`cf-node cf-node-event${selected ? " is-selected" : ""}`}>
      <Handle type="target" position={Position.Left} id="in" className="cf-handle" />
      <span>{data.label}</span>
      <Handle type="source" position={Position.Right} id="out" className="cf-handle" />
    </div>
  );
});

export const FlowEdgeComponent = memo(function FlowEdgeComponent(props: EdgeProps) {
  const { id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, label, markerEnd, selected } = props;
  const traversed = useEdgeTraversed(source, target, typeof label === "string" ? label : undefined);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <g data-traversed={traversed ? "true" : undefined} className={traversed ? "cf-edge is-traversed" : "cf-edge"}>
      <BaseEdge id={id} path={path} {...(markerEnd ? { markerEnd } : {})} className={selected ? "cf-edge-path is-selected" : "cf-edge-path"} />
      {typeof label === "string" && (
        <EdgeLabelRenderer>
          <div className="cf-edge-label nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            {label}
          </div>
        </EdgeLabelRenderer>
      )}
    </g>
  );
});

export const nodeTypes = { method: MethodNodeComponent, join: JoinNodeComponent, event: EventNodeComponent };
export const edgeTypes = { flow: FlowEdgeComponent };
