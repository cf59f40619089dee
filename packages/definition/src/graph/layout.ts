// A simple deterministic layered placement (longest path from the sources, cycles broken in node
// order). The web app runs a real layout engine; this only has to be stable and readable.
import type { FlowGraph, GraphLayout, GraphPosition } from "./types";

export const LAYER_WIDTH = 280;
export const ROW_HEIGHT = 120;

/** A position for every node id: layers left to right, nodes of a layer top to bottom in node order. */
export function layeredPositions(nodeIds: readonly string[], edges: readonly { source: string; target: string }[]): Map<string, GraphPosition> {
  const index = new Map(nodeIds.map((id, i) => [id, i]));
  const successors: number[][] = nodeIds.map(() => []);
  const predecessors: number[][] = nodeIds.map(() => []);
  for (const edge of edges) {
    const from = index.get(edge.source);
    const to = index.get(edge.target);
    if (from === undefined || to === undefined || from === to) continue;
    successors[from]!.push(to);
    predecessors[to]!.push(from);
  }
  const remaining = predecessors.map((p) => p.length);
  const layer: (number | undefined)[] = nodeIds.map(() => undefined);
  const queue: number[] = [];
  remaining.forEach((count, i) => count === 0 && queue.push(i));
  let head = 0;
  let placed = 0;
  let nextUnplaced = 0;
  const place = (i: number): void => {
    let depth = 0;
    for (const p of predecessors[i]!) {
      const l = layer[p];
      if (l !== undefined) depth = Math.max(depth, l + 1);
    }
    layer[i] = depth;
    placed += 1;
    for (const s of successors[i]!) if (--remaining[s]! === 0 && layer[s] === undefined) queue.push(s);
  };
  while (placed < nodeIds.length) {
    const next = queue[head];
    if (next !== undefined) {
      head += 1;
      if (layer[next] === undefined) place(next);
      continue;
    }
    // Only cycles are left: break one at the first unplaced node in node order.
    while (layer[nextUnplaced] !== undefined) nextUnplaced += 1;
    place(nextUnplaced);
  }
  const rows = new Map<number, number>();
  const out = new Map<string, GraphPosition>();
  nodeIds.forEach((id, i) => {
    const l = layer[i]!;
    const row = rows.get(l) ?? 0;
    rows.set(l, row + 1);
    out.set(id, { x: l * LAYER_WIDTH, y: row * ROW_HEIGHT });
  });
  return out;
}

/**
 * The graph's node positions in the shape of `x-crewflow.nodes`: methods by name, joins and events by
 * node id. `definitionToGraph` reads them back (it accepts a method's node id too).
 */
export function graphLayout(graph: FlowGraph): Required<GraphLayout> {
  return {
    nodes: Object.fromEntries(
      graph.nodes.map((node) => [node.type === "method" ? node.data.name : node.id, { x: node.position.x, y: node.position.y }]),
    ),
  };
}
