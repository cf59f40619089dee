import { SAMPLE_FLOW_NAME } from "../flow";
import { kindInfo } from "../nodeKinds";
import { useEditor } from "../store";

/** The selected method's fields, or the flow's settings when nothing is selected. */
export function Inspector() {
  const selected = useEditor((s) => s.nodes.find((n) => n.selected));
  const edges = useEditor((s) => s.edges);
  // Derived outside the selector: a selector returning a fresh array re-renders forever.
  const listens = selected
    ? edges.filter((e) => e.target === selected.id).map((e) => (e.sourceHandle ? `${e.source}:${e.sourceHandle}` : e.source))
    : [];
  return (
    <aside className="cf-inspector" aria-label="Inspector">
      <h2>Inspector</h2>
      {selected ? (
        <dl aria-label="Selected method">
          <dt>Method</dt>
          <dd>{selected.data.name}</dd>
          <dt>Kind</dt>
          <dd>{kindInfo(selected.data.kind).label}</dd>
          <dt>Listens to</dt>
          <dd>{listens.length > 0 ? listens.join(", ") : "—"}</dd>
          {selected.data.emits && (
            <>
              <dt>Emits</dt>
              <dd>{selected.data.emits.join(", ")}</dd>
            </>
          )}
        </dl>
      ) : (
        <dl aria-label="Flow settings">
          <dt>Flow</dt>
          <dd>{SAMPLE_FLOW_NAME}</dd>
          <dt>Selection</dt>
          <dd>Select a method on the canvas to see its fields.</dd>
        </dl>
      )}
    </aside>
  );
}
