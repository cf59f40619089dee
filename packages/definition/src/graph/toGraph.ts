// FlowDefinition → FlowGraph. Every condition node becomes either an edge (a leaf) or a join node
// (an and/or mapping, or an invalid value), so `graphToDefinition` can rebuild the tree exactly.
import { emitLabels, isRouter, type MethodDefinition } from "../schema/method";
import type { FlowDefinition } from "../schema/flow";
import { classify, isStartCondition } from "./conditions";
import { emitHandle, eventNodeId, joinNodeId, methodNodeId } from "./ids";
import { layeredPositions } from "./layout";
import {
  DONE_HANDLE,
  type EventNode,
  type FlowGraph,
  type GraphEdge,
  type GraphLayout,
  type GraphPosition,
  IN_HANDLE,
  type JoinNode,
  type MethodBody,
  type MethodKind,
  type MethodNode,
  type MethodNodeData,
  OUT_HANDLE,
  type TriggerSlot,
} from "./types";

type NodeWithoutPosition<N> = N extends { position: unknown } ? Omit<N, "position"> : never;
type Unplaced = NodeWithoutPosition<MethodNode | JoinNode | EventNode>;

/** Where a leaf event comes from on the canvas. */
interface Source {
  node: string;
  handle: string;
}

export function definitionToGraph(def: FlowDefinition, layout?: GraphLayout): FlowGraph {
  const methods = Object.entries(def.methods ?? {});
  const methodNames = new Set(methods.map(([name]) => name));

  // Which routers declare each label; a label declared by one router hangs off that router's handle.
  const declarers = new Map<string, string[]>();
  for (const [name, method] of methods) {
    if (!isRouter(method)) continue;
    for (const label of new Set(emitLabels(method))) pushTo(declarers, label, name);
  }

  const methodNodes: Unplaced[] = [];
  const joinNodes: Unplaced[] = [];
  const eventNodes = new Map<string, Unplaced>();
  const edges: GraphEdge[] = [];
  const produceEdges: GraphEdge[] = [];

  const sourceOf = (event: string): Source => {
    // One namespace (§0): a method's name is its completion event, even when a router also declares it.
    if (methodNames.has(event)) return { node: methodNodeId(event), handle: DONE_HANDLE };
    const routers = declarers.get(event) ?? [];
    if (routers.length === 1) return { node: methodNodeId(routers[0]!), handle: emitHandle(event) };
    const id = eventNodeId(event);
    if (!eventNodes.has(id)) {
      eventNodes.set(id, { id, type: "event", data: { label: event, producers: routers } });
      for (const router of routers)
        produceEdges.push({
          id: `edge:${methodNodeId(router)}/${emitHandle(event)}->${id}`,
          source: methodNodeId(router),
          sourceHandle: emitHandle(event),
          target: id,
          targetHandle: IN_HANDLE,
          label: event,
          data: { kind: "produce", event },
        });
    }
    return { node: id, handle: OUT_HANDLE };
  };

  /** Draw `condition` into (target, handle); joins get ids from their path in the tree. */
  const draw = (condition: unknown, method: string, slot: TriggerSlot, path: number[], target: string, targetHandle: string, index?: number): void => {
    const part = classify(condition);
    const edgeId = `edge:${target}/${index ?? targetHandle}`;
    const position = index === undefined ? {} : { index };
    if (part.kind === "leaf") {
      const source = sourceOf(part.event);
      const labelled = source.handle !== DONE_HANDLE;
      edges.push({
        id: edgeId,
        source: source.node,
        sourceHandle: source.handle,
        target,
        targetHandle,
        ...(labelled ? { label: part.event } : {}),
        data: { kind: "trigger", ...position, event: part.event },
      });
      return;
    }
    const id = joinNodeId(method, slot, path);
    const base = { method, slot, path };
    joinNodes.push({
      id,
      type: "join",
      data:
        part.kind === "tree"
          ? { ...base, op: part.op, ...(Object.keys(part.rest).length > 0 ? { rest: part.rest } : {}) }
          : { ...base, op: "invalid", raw: part.value },
    });
    edges.push({ id: edgeId, source: id, sourceHandle: OUT_HANDLE, target, targetHandle, data: { kind: "trigger", ...position } });
    if (part.kind === "tree")
      part.children.forEach((child, i) => draw(child, method, slot, [...path, i], id, IN_HANDLE, i));
  };

  for (const [name, method] of methods) {
    methodNodes.push({ id: methodNodeId(name), type: "method", data: methodData(name, method) });
    const target = methodNodeId(name);
    if (isStartCondition(method.start)) draw(method.start, name, "start", [], target, "start");
    if (method.listen != null) draw(method.listen, name, "listen", [], target, "listen");
  }

  const unplaced = [...methodNodes, ...joinNodes, ...eventNodes.values()];
  const allEdges = [...edges, ...produceEdges];
  const given = layout?.nodes ?? {};
  const storedAt = (node: Unplaced): GraphPosition | undefined => {
    for (const key of layoutKeys(node)) if (Object.hasOwn(given, key)) return given[key];
    return undefined;
  };
  const missing = unplaced.some((node) => !storedAt(node));
  const computed = missing ? layeredPositions(unplaced.map((n) => n.id), allEdges) : new Map<string, GraphPosition>();
  const nodes = unplaced.map((node) => {
    const stored = storedAt(node);
    const position = stored ? { x: stored.x, y: stored.y } : (computed.get(node.id) ?? { x: 0, y: 0 });
    return { ...node, position } as MethodNode | JoinNode | EventNode;
  });
  return { nodes, edges: allEdges };
}

/**
 * Where a node's position may be stored: its id, and for a method also its bare name, the key
 * `x-crewflow.nodes` uses (names are identifiers, so they never clash with `join:`/`event:` ids).
 */
function layoutKeys(node: Unplaced): string[] {
  return node.type === "method" ? [node.id, node.data.name] : [node.id];
}

function methodData(name: string, method: MethodDefinition): MethodNodeData {
  const { start, listen, ...definition } = method;
  const router = isRouter(method);
  const conditional = isStartCondition(start);
  const written: NonNullable<MethodNodeData["written"]> = {};
  if (start === false || start === null || start === "") written.start = start;
  if (listen === null) written.listen = null;
  const kind: MethodKind = router ? "router" : start ? "start" : listen != null ? "listen" : "plain";
  return {
    name,
    kind,
    start: conditional ? "condition" : start === true,
    router,
    labels: router ? [...new Set(emitLabels(method))] : [],
    definition: definition satisfies MethodBody,
    ...(Object.keys(written).length > 0 ? { written } : {}),
  };
}

/** Append to a list in a map of lists (keeps building the index linear). */
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
