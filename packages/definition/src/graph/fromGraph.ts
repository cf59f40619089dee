// FlowGraph → FlowDefinition. Methods (and their order) come from the method nodes, conditions from
// the edges, everything else from `base`. Tolerant of what a canvas produces: extra edges into a
// method are or-ed (like `connect`), join inputs without an index are appended, joins that feed
// nothing are dropped, edges from unknown nodes are ignored.
import type { FlowDefinition } from "../schema/flow";
import type { Condition } from "../schema/condition";
import type { MethodDefinition } from "../schema/method";
import { addAlternative, makeTree } from "./conditions";
import { labelOfHandle } from "./ids";
import { DONE_HANDLE, IN_HANDLE, type FlowGraph, type GraphEdge, type GraphNode, type MethodNode, type TriggerSlot } from "./types";

export function graphToDefinition(graph: FlowGraph, base: FlowDefinition): FlowDefinition {
  const byId = new Map<string, GraphNode>(graph.nodes.map((node) => [node.id, node]));
  const incoming = new Map<string, GraphEdge[]>();
  for (const edge of graph.edges) {
    if (edge.data.kind !== "trigger") continue;
    const key = `${edge.target}\u0000${edge.targetHandle}`;
    pushTo(incoming, key, edge);
  }
  const inputs = (target: string, handle: string): GraphEdge[] => {
    const list = incoming.get(`${target}\u0000${handle}`) ?? [];
    // Indexed inputs in index order, then unindexed ones in edge order (sort is stable).
    return [...list].sort((a, b) => indexOf(a) - indexOf(b));
  };

  /** The condition an edge's source stands for; undefined when it stands for nothing. */
  const conditionFrom = (edge: GraphEdge, visiting: Set<string>): unknown => {
    const node = byId.get(edge.source);
    if (!node) return undefined;
    if (node.type === "method") {
      if (edge.sourceHandle === DONE_HANDLE || edge.sourceHandle == null) return node.data.name;
      return labelOfHandle(edge.sourceHandle) ?? undefined;
    }
    if (node.type === "event") return node.data.label;
    if (node.data.op === "invalid") return node.data.raw;
    if (visiting.has(node.id)) return undefined; // a join cycle drawn on the canvas: cut it
    visiting.add(node.id);
    const children = inputs(node.id, IN_HANDLE)
      .map((input) => conditionFrom(input, visiting))
      .filter((c) => c !== undefined);
    visiting.delete(node.id);
    return makeTree(node.data.op, children, node.data.rest);
  };

  const slotCondition = (node: MethodNode, slot: TriggerSlot): Condition | undefined => {
    let condition: Condition | undefined;
    for (const edge of inputs(node.id, slot)) {
      const next = conditionFrom(edge, new Set());
      if (next !== undefined) condition = addAlternative(condition, next);
    }
    return condition;
  };

  const methods: [string, MethodDefinition][] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (node.type !== "method") continue;
    const { name, definition, written } = node.data;
    if (seen.has(name)) throw new Error(`two method nodes are named '${name}'`);
    seen.add(name);
    const start = slotCondition(node, "start") ?? (node.data.start === true ? true : written?.start);
    const listen = slotCondition(node, "listen") ?? written?.listen;
    const triggers: [string, unknown][] = [];
    if (start !== undefined || (written && Object.hasOwn(written, "start"))) triggers.push(["start", start]);
    if (listen !== undefined || (written && Object.hasOwn(written, "listen"))) triggers.push(["listen", listen]);
    // Keep the schema's key order (… do, start, listen, router …) so a written file reads as before.
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(definition)) {
      if (key === "start" || key === "listen") continue; // edges decide these, not a stray copy in the body
      entries.push([key, value]);
      if (key === "do") entries.push(...triggers.splice(0));
    }
    entries.push(...triggers);
    methods.push([name, Object.fromEntries(entries) as MethodDefinition]);
  }

  const out: FlowDefinition = { ...base };
  if (methods.length > 0 || base.methods !== undefined) out.methods = Object.fromEntries(methods);
  else delete out.methods;
  return out;
}

function indexOf(edge: GraphEdge): number {
  return edge.data.kind === "trigger" && edge.data.index !== undefined ? edge.data.index : Number.POSITIVE_INFINITY;
}

/** Append to a list in a map of lists (keeps building the index linear). */
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
