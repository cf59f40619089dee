// The palette: drag an item onto the canvas (HTML5 drag and drop, dropped at the pointer), or click it
// / press Enter on it to add it at the centre of the view, selected.
import { useReactFlow } from "@xyflow/react";
import { type KeyboardEvent, useCallback } from "react";
import { JOIN_SIZE, NODE_HEIGHT, NODE_WIDTH } from "./autoLayout";
import { isJoinKind, KIND_MIME, PALETTE, type PaletteKind } from "./kinds";
import { useFlowEditor } from "./store";

export function Palette() {
  const addNode = useFlowEditor((s) => s.addNode);
  const readOnly = useFlowEditor((s) => s.readOnly);
  const flow = useReactFlow();

  const addAtCentre = useCallback(
    (kind: PaletteKind) => {
      const pane = document.querySelector(".cf-canvas .react-flow")?.getBoundingClientRect();
      const centre = pane
        ? flow.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 })
        : { x: 0, y: 0 };
      const width = isJoinKind(kind) ? JOIN_SIZE : NODE_WIDTH;
      const height = isJoinKind(kind) ? JOIN_SIZE : NODE_HEIGHT;
      // Land on a free spot near the centre (below, then above) rather than on top of a node.
      const others = useFlowEditor.getState().nodes;
      const overlaps = (x: number, y: number) =>
        others.some((node) => {
          const w = node.measured?.width ?? node.initialWidth ?? NODE_WIDTH;
          const h = node.measured?.height ?? node.initialHeight ?? NODE_HEIGHT;
          return x < node.position.x + w + 20 && node.position.x < x + width + 20 && y < node.position.y + h + 20 && node.position.y < y + height + 20;
        });
      const x = Math.round(centre.x - width / 2);
      let y = Math.round(centre.y - height / 2);
      for (let i = 1; i <= 12 && overlaps(x, y); i++) y = Math.round(centre.y - height / 2) + (i % 2 ? 1 : -1) * Math.ceil(i / 2) * (NODE_HEIGHT + 30);
      addNode(kind, { x, y });
    },
    [addNode, flow],
  );

  return (
    <section className="cf-palette" aria-label="Palette">
      <h2 className="cf-panel-title">Add</h2>
      <ul>
        {PALETTE.map((item) => (
          <li key={item.kind}>
            <div
              role="button"
              tabIndex={0}
              draggable={!readOnly}
              aria-disabled={readOnly || undefined}
              aria-label={`Add ${item.label}`}
              title={item.hint}
              className="cf-palette-item"
              onDragStart={(event) => {
                event.dataTransfer.setData(KIND_MIME, item.kind);
                event.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => !readOnly && addAtCentre(item.kind)}
              onKeyDown={(event: KeyboardEvent) => {
                if ((event.key === "Enter" || event.key === " ") && !readOnly) {
                  event.preventDefault();
                  addAtCentre(item.kind);
                }
              }}
            >
              <span className="cf-palette-glyph" aria-hidden="true">
                {item.glyph}
              </span>
              {item.label}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
