// The canvas (React Flow). It shows the store's nodes and edges; every change goes back through the
// store (connect, drop from the palette, drag stop), which edits the definition.
import {
  Background,
  type Connection,
  ControlButton,
  Controls,
  type Edge,
  getNodesBounds,
  getViewportForBounds,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStoreApi,
} from "@xyflow/react";
import { type DragEvent, useCallback, useEffect, useLayoutEffect, useState } from "react";
import { NODE_HEIGHT, NODE_WIDTH } from "../autoLayout";
import { isPaletteKind, KIND_MIME } from "../kinds";
import { useFlowEditor } from "../store";
import { edgeTypes, nodeTypes } from "./nodes";

/** Above this many nodes only what is on screen is rendered (the 2,000-node bench). */
const VISIBLE_ONLY_ABOVE = 300;
export const FIT_VIEW_OPTIONS = { maxZoom: 1, minZoom: 0.3, padding: 0.15 } as const;
// Props React Flow copies into its store: new objects on every render would re-render every edge.
const MULTI_SELECT_KEYS = ["Meta", "Control", "Shift"];
const PRO_OPTIONS = { hideAttribution: true };

/** Event nodes only show who produces a label; nothing can be wired into them, nor a node into itself. */
function isValidConnection(connection: Connection | Edge): boolean {
  return connection.source !== connection.target && !connection.target.startsWith("event:");
}

export function Canvas() {
  const nodes = useFlowEditor((s) => s.nodes);
  const edges = useFlowEditor((s) => s.edges);
  const readOnly = useFlowEditor((s) => s.readOnly);
  const onNodesChange = useFlowEditor((s) => s.onNodesChange);
  const onEdgesChange = useFlowEditor((s) => s.onEdgesChange);
  const connect = useFlowEditor((s) => s.connect);
  const addNode = useFlowEditor((s) => s.addNode);
  const select = useFlowEditor((s) => s.select);
  const focus = useFlowEditor((s) => s.focus);
  const loads = useFlowEditor((s) => s.loads);
  const flow = useReactFlow();
  const flowStore = useStoreApi();
  // The minimap redraws on every drag frame; on very large flows it is opt-in (the drag stays smooth).
  const [minimapChoice, setMinimapChoice] = useState<boolean | null>(null);
  const showMinimap = minimapChoice ?? nodes.length <= VISIBLE_ONLY_ABOVE;

  // A freshly loaded flow is fitted into view before its first paint, from the stored positions, so
  // React Flow draws (and, on large flows, picks the visible nodes) once, at the right place.
  useLayoutEffect(() => {
    if (loads === 0) return;
    const { width, height } = flowStore.getState();
    const loaded = useFlowEditor.getState().nodes;
    if (width > 0 && height > 0 && loaded.length > 0) {
      const { minZoom, maxZoom, padding } = FIT_VIEW_OPTIONS;
      void flow.setViewport(getViewportForBounds(getNodesBounds(loaded), width, height, minZoom, maxZoom, padding));
      return;
    }
    // The pane has no size yet (first mount): fit once React Flow has measured it.
    const frame = requestAnimationFrame(() => void flow.fitView(FIT_VIEW_OPTIONS));
    return () => cancelAnimationFrame(frame);
  }, [loads, flow, flowStore]);

  useEffect(() => {
    if (!focus) return;
    const node = flow.getNode(focus.id);
    if (!node) return;
    const width = node.measured?.width ?? NODE_WIDTH;
    const height = node.measured?.height ?? NODE_HEIGHT;
    void flow.setCenter(node.position.x + width / 2, node.position.y + height / 2, { zoom: Math.max(flow.getZoom(), 0.8), duration: 200 });
  }, [focus, flow]);

  const clearSelection = useCallback(() => select([]), [select]);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(KIND_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const kind = event.dataTransfer.getData(KIND_MIME);
      if (!isPaletteKind(kind)) return;
      event.preventDefault();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNode(kind, { x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - NODE_HEIGHT / 2) });
    },
    [addNode, flow],
  );

  return (
    <section className="cf-canvas" aria-label="Canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={connect}
        isValidConnection={isValidConnection}
        // Panning while a connection is dragged near the edge slides the target handle away from a
        // pointer that is already on it (the drop then misses); zoom out to reach far nodes instead.
        autoPanOnConnect={false}
        onPaneClick={clearSelection}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesFocusable
        onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_ABOVE}
        minZoom={0.1}
        maxZoom={2}
        proOptions={PRO_OPTIONS}
      >
        <Background gap={16} />
        {showMinimap && <MiniMap pannable zoomable ariaLabel="Minimap" />}
        <Controls showInteractive={false} showFitView={false}>
          <ControlButton
            onClick={() => setMinimapChoice(!showMinimap)}
            aria-label={showMinimap ? "Hide minimap" : "Show minimap"}
            title={showMinimap ? "Hide minimap" : "Show minimap"}
          >
            ▣
          </ControlButton>
        </Controls>
      </ReactFlow>
    </section>
  );
}
