import { NODE_KINDS } from "../nodeKinds";
import { useEditor } from "../store";

/** Every method kind; clicking one adds it to the canvas. */
export function Palette() {
  const addNode = useEditor((s) => s.addNode);
  return (
    <aside className="cf-palette" aria-label="Palette">
      <h2>Palette</h2>
      <ul aria-label="Node kinds">
        {NODE_KINDS.map((k) => (
          <li key={k.kind}>
            <button type="button" title={k.hint} aria-label={`Add ${k.label} node`} onClick={() => addNode(k.kind)}>
              <span className="cf-palette__glyph" aria-hidden="true">
                {k.glyph}
              </span>
              {k.label}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
