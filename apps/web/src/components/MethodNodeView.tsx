import { Handle, type NodeProps, Position } from "@xyflow/react";
import type { MethodNode } from "../flow";
import { kindInfo } from "../nodeKinds";

/** A flow method on the canvas. Router nodes get one output handle per emitted label. */
export function MethodNodeView({ data, selected }: NodeProps<MethodNode>) {
  const info = kindInfo(data.kind);
  const emits = data.kind === "router" ? (data.emits ?? []) : [];
  return (
    <div
      className={`cf-node cf-node--${data.kind}${selected ? " cf-node--selected" : ""}`}
      role="group"
      aria-label={`${info.label} method ${data.name}`}
    >
      {data.kind !== "start" && <Handle type="target" position={Position.Left} />}
      <span className="cf-node__glyph" aria-hidden="true">
        {info.glyph}
      </span>
      <span className="cf-node__name">{data.name}</span>
      <span className="cf-node__kind">{info.label}</span>
      {emits.length > 0 ? (
        emits.map((label, i) => (
          <Handle
            key={label}
            id={label}
            type="source"
            position={Position.Right}
            style={{ top: `${((i + 1) * 100) / (emits.length + 1)}%` }}
            aria-label={`output ${label}`}
          />
        ))
      ) : (
        <Handle type="source" position={Position.Right} />
      )}
    </div>
  );
}
