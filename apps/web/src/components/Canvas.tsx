import { Background, Controls, MiniMap, type NodeTypes, ReactFlow } from "@xyflow/react";
import { useEditor } from "../store";
import { MethodNodeView } from "./MethodNodeView";

const nodeTypes: NodeTypes = { method: MethodNodeView };

export function Canvas() {
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const onNodesChange = useEditor((s) => s.onNodesChange);
  const onEdgesChange = useEditor((s) => s.onEdgesChange);
  return (
    <main className="cf-canvas" aria-label="Canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        fitView
        aria-label="Flow canvas"
      >
        <Background />
        <MiniMap aria-label="Minimap" pannable zoomable />
        <Controls aria-label="Canvas controls" />
      </ReactFlow>
    </main>
  );
}
