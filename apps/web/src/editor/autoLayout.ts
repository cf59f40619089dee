// Auto layout with @dagrejs/dagre: a layered (Sugiyama) layout, left to right, which is what a flow
// of triggers reads like. dagre is small, synchronous and maintained; elkjs would add ~1.4 MB.
import { Graph, layout } from "@dagrejs/dagre";
import type { CanvasGraph, Layout } from "./graph";

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;
export const JOIN_SIZE = 44;

export function nodeSize(type: string): { width: number; height: number } {
  return type === "method" ? { width: NODE_WIDTH, height: NODE_HEIGHT } : { width: JOIN_SIZE, height: JOIN_SIZE };
}

/** Top-left positions for every node of the graph. */
export function autoLayout(graph: CanvasGraph): Layout {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, edgesep: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, nodeSize(node.type));
  for (const edge of graph.edges) if (edge.source !== edge.target) g.setEdge(edge.source, edge.target, {}, edge.id);
  layout(g);
  const out: Layout = {};
  for (const node of graph.nodes) {
    const placed = g.node(node.id);
    const { width, height } = nodeSize(node.type);
    // dagre gives centres; React Flow positions are top-left corners.
    out[node.id] = { x: Math.round(placed.x - width / 2), y: Math.round(placed.y - height / 2) };
  }
  return out;
}
