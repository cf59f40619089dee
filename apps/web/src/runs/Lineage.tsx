// The fork tree of the open run (runs.lineage), each node opening its run.
import type { LineageNode } from "./api";
import { shortId } from "./format";
import { openRun, useRuns } from "./store";

export function Lineage() {
  const lineage = useRuns((s) => s.lineage);
  const current = useRuns((s) => s.runId);
  return (
    <section aria-label="Lineage" className="run-lineage">
      <h3>Lineage</h3>
      {lineage ? (
        <ul role="tree" aria-label="Fork tree">
          <LineageItem node={lineage.root} current={current} level={1} />
        </ul>
      ) : (
        <p>…</p>
      )}
    </section>
  );
}

function LineageItem({ node, current, level }: { node: LineageNode; current: string | null; level: number }) {
  const name = `Run ${shortId(node.runId)} ${node.status}`;
  const open = () => void openRun(node.runId);
  return (
    <li
      role="treeitem"
      aria-label={name}
      aria-level={level}
      aria-selected={node.runId === current}
      aria-expanded={node.children.length > 0 ? true : undefined}
      tabIndex={node.runId === current ? 0 : -1}
      className={node.runId === current ? "current" : undefined}
      onClick={(e) => {
        e.stopPropagation();
        open();
      }}
      onKeyDown={(e) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        e.stopPropagation();
        open();
      }}
    >
      <span>
        {name}
        <small>
          {" "}
          v{node.version} · {node.origin}
          {node.parentSeq ? ` @ seq ${node.parentSeq}` : ""}
        </small>
      </span>
      {node.children.length > 0 ? (
        <ul role="group">
          {node.children.map((child) => (
            <LineageItem key={child.runId} node={child} current={current} level={level + 1} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
