import { applyEdgeChanges, applyNodeChanges, type Edge, type EdgeChange, type NodeChange } from "@xyflow/react";
import { create } from "zustand";
import { type MethodNode, sampleEdges, sampleNodes } from "./flow";
import type { NodeKind } from "./nodeKinds";

export type EditorState = {
  nodes: MethodNode[];
  edges: Edge[];
  onNodesChange: (changes: NodeChange<MethodNode>[]) => void;
  onEdgesChange: (changes: EdgeChange[]) => void;
  /** Adds a new method of `kind` to the canvas and selects it. */
  addNode: (kind: NodeKind) => void;
};

function freshName(kind: NodeKind, nodes: MethodNode[]): string {
  const base = kind.replace("-", "_");
  for (let i = 1; ; i++) {
    const name = `${base}_${i}`;
    if (!nodes.some((n) => n.id === name)) return name;
  }
}

export const useEditor = create<EditorState>()((set) => ({
  nodes: sampleNodes,
  edges: sampleEdges,
  onNodesChange: (changes) => set((s) => ({ nodes: applyNodeChanges(changes, s.nodes) })),
  onEdgesChange: (changes) => set((s) => ({ edges: applyEdgeChanges(changes, s.edges) })),
  addNode: (kind) =>
    set((s) => {
      const name = freshName(kind, s.nodes);
      const node: MethodNode = {
        id: name,
        type: "method",
        position: { x: 40 + 30 * (s.nodes.length % 8), y: 320 + 20 * (s.nodes.length % 8) },
        data: kind === "router" ? { name, kind, emits: ["a", "b"] } : { name, kind },
        selected: true,
      };
      return { nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] };
    }),
}));

/** Resets the store to the sample flow (used by tests). */
export function resetEditor(): void {
  useEditor.setState({ nodes: sampleNodes, edges: sampleEdges });
}
