// Copy and paste of methods. A pasted method gets a fresh name and keeps only the connections among
// the pasted methods (as n8n and Dify do); everything goes through the definition package's graph
// functions: the copies are drawn as their own small graph, outside events are cut, then renamed.
import {
  definitionToGraph,
  type FlowDefinition,
  type GraphPosition,
  graphToDefinition,
  type MethodDefinition,
  renameMethod,
} from "@crewflow/definition";
import { freshName, methodTaken } from "./kinds";
import type { Layout } from "./graph";

export interface Clip {
  methods: [string, MethodDefinition][];
  positions: Record<string, GraphPosition>;
}

export function copyMethods(definition: FlowDefinition, layout: Layout, names: readonly string[]): Clip | null {
  const methods = definition.methods ?? {};
  const picked = names.filter((name) => Object.hasOwn(methods, name));
  if (picked.length === 0) return null;
  // Definition order, so pasting keeps the run order of the originals.
  const order = Object.keys(methods).filter((name) => picked.includes(name));
  return {
    methods: order.map((name) => [name, structuredClone(methods[name]!)]),
    positions: Object.fromEntries(order.map((name) => [name, layout[name] ?? { x: 0, y: 0 }])),
  };
}

/** `crew_1` → `crew`, `research` → `research`: the base a copy's fresh name is built on. */
function baseName(name: string): string {
  return name.replace(/_\d+$/, "") || name;
}

export interface Pasted {
  definition: FlowDefinition;
  names: string[];
  positions: Record<string, GraphPosition>;
}

export function pasteMethods(definition: FlowDefinition, clip: Clip, offset: GraphPosition): Pasted {
  const taken = methodTaken(definition);
  const assigned = new Set<string>();
  const renames = clip.methods.map(([name]) => {
    const next = freshName(baseName(name), (candidate) => taken(candidate) || assigned.has(candidate));
    assigned.add(next);
    return [name, next] as const;
  });

  // The copies on their own: an event none of them produces becomes an unproduced event node; cut it.
  const own: FlowDefinition = { name: definition.name, methods: Object.fromEntries(clip.methods) };
  let graph = definitionToGraph(own, { nodes: {} });
  const outside = new Set(graph.nodes.filter((node) => node.type === "event" && node.data.producers.length === 0).map((node) => node.id));
  let nodes = graph.nodes.filter((node) => !outside.has(node.id));
  let edges = graph.edges.filter((edge) => !outside.has(edge.source));
  // A join left without inputs would be an empty and/or: drop it too (repeat: joins nest).
  for (;;) {
    const fed = new Set(edges.map((edge) => edge.target));
    const empty = new Set(nodes.filter((node) => node.type === "join" && node.data.op !== "invalid" && !fed.has(node.id)).map((node) => node.id));
    if (empty.size === 0) break;
    nodes = nodes.filter((node) => !empty.has(node.id));
    edges = edges.filter((edge) => !empty.has(edge.source));
  }
  graph = { nodes, edges };
  let copies = graphToDefinition(graph, own);
  for (const [from, to] of renames) copies = renameMethod(copies, from, to);

  const positions: Record<string, GraphPosition> = {};
  for (const [from, to] of renames) {
    const at = clip.positions[from] ?? { x: 0, y: 0 };
    positions[to] = { x: at.x + offset.x, y: at.y + offset.y };
  }
  return {
    definition: { ...definition, methods: { ...(definition.methods ?? {}), ...(copies.methods ?? {}) } },
    names: renames.map(([, to]) => to),
    positions,
  };
}
