// The canvas' view of a definition, on top of the definition package's graph functions. The canvas
// uses the ids the web contract names (a method node's id is its bare name, handles `in`/`out`/
// `emit:<label>`), the definition package uses `method:<name>`, `listen` and `done`: this module is
// the only place that translates between the two. Every structural edit goes through
// definitionToGraph/graphToDefinition/connect, so the canvas never writes conditions by hand.
import {
  DONE_HANDLE,
  definitionToGraph,
  type FlowDefinition,
  type FlowGraph,
  type GraphEdge,
  type GraphNode,
  type GraphPosition,
  graphToDefinition,
  IN_HANDLE,
  isRouter,
  type JoinNode,
  labelOfHandle,
  type MethodDefinition,
  methodNodeId,
  OUT_HANDLE,
} from "@crewflow/definition";

/** Positions by canvas node id (= `x-crewflow.nodes` keys: method names, `join:…`/`event:…` ids). */
export type Layout = Record<string, GraphPosition>;

/** An and/or join drawn on the canvas that feeds no method yet (the definition cannot hold it). */
export interface FloatingJoin {
  op: "and" | "or";
  /** Its inputs in order: canvas source node and handle. */
  inputs: { source: string; sourceHandle: string }[];
}

/** The canvas target handle of a method's `listen` condition (the contract's `in`). */
export const METHOD_IN = "in";
/** A conditional start's condition enters here. */
export const METHOD_START = "start";
/** A method's completion event (the contract's `out`). */
export const METHOD_OUT = "out";

const METHOD_PREFIX = "method:";

export const canvasIdOf = (graphId: string): string => (graphId.startsWith(METHOD_PREFIX) ? graphId.slice(METHOD_PREFIX.length) : graphId);
/** Method names are identifiers, so an id with a colon is a join or an event node. */
export const isMethodId = (canvasId: string): boolean => !canvasId.includes(":");
export const graphIdOf = (canvasId: string): string => (isMethodId(canvasId) ? methodNodeId(canvasId) : canvasId);

function canvasHandle(node: string, handle: string, side: "source" | "target"): string {
  if (!isMethodId(node)) return handle;
  if (side === "source") return handle === DONE_HANDLE ? METHOD_OUT : handle;
  return handle === "listen" ? METHOD_IN : handle;
}

function graphHandle(node: string, handle: string | null | undefined, side: "source" | "target"): string {
  if (!isMethodId(node)) return handle ?? (side === "source" ? OUT_HANDLE : IN_HANDLE);
  if (side === "source") return !handle || handle === METHOD_OUT ? DONE_HANDLE : handle;
  return !handle || handle === METHOD_IN ? "listen" : handle;
}

/** What a method node shows; `method` keeps the definition's object so unchanged nodes keep identity. */
export type MethodNodeView = {
  name: string;
  kind: string;
  labels: string[];
  startCondition: boolean;
  method: MethodDefinition;
};
export type JoinNodeView = { op: "and" | "or" | "invalid"; floating: boolean };
export type EventNodeView = { label: string };

export type CanvasNode =
  | { id: string; type: "method"; position: GraphPosition; data: MethodNodeView }
  | { id: string; type: "join"; position: GraphPosition; data: JoinNodeView }
  | { id: string; type: "event"; position: GraphPosition; data: EventNodeView };

export interface CanvasEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
  label?: string;
  /** The event it carries (a method name or a router label), for run highlighting. */
  event?: string;
}

export interface CanvasGraph {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

/** The word the palette and a node's accessible name use for a method. */
export function methodKind(method: MethodDefinition | undefined): string {
  if (!method || typeof method !== "object") return "method";
  if (isRouter(method)) return "router";
  if (method.start) return "start";
  if (method.human_feedback) return "human feedback";
  const call = (method.do as { call?: unknown } | undefined)?.call;
  if (typeof call === "string") return call;
  return method.listen != null ? "listen" : "method";
}

function toCanvasEdge(edge: GraphEdge): CanvasEdge {
  const source = canvasIdOf(edge.source);
  const target = canvasIdOf(edge.target);
  const event = edge.data.event;
  return {
    id: edge.id,
    source,
    sourceHandle: canvasHandle(source, edge.sourceHandle, "source"),
    target,
    targetHandle: canvasHandle(target, edge.targetHandle, "target"),
    ...(edge.label !== undefined ? { label: edge.label } : {}),
    ...(event !== undefined ? { event } : {}),
  };
}

export function floatingEdgeId(join: string, index: number): string {
  return `edge:${join}/${index}`;
}

/** The canvas graph: the definition's nodes and edges, plus the floating joins and their inputs. */
export function toCanvasGraph(definition: FlowDefinition, layout: Layout, floating: Record<string, FloatingJoin> = {}): CanvasGraph {
  const graph = definitionToGraph(definition, { nodes: layout });
  const methods = definition.methods ?? {};
  const nodes: CanvasNode[] = graph.nodes.map((node) => {
    const id = canvasIdOf(node.id);
    if (node.type === "method") {
      const method = methods[node.data.name]!;
      return {
        id,
        type: "method",
        position: node.position,
        data: { name: node.data.name, kind: methodKind(method), labels: node.data.labels, startCondition: node.data.start === "condition", method },
      };
    }
    if (node.type === "join") return { id, type: "join", position: node.position, data: { op: node.data.op, floating: false } };
    return { id, type: "event", position: node.position, data: { label: node.data.label } };
  });
  const edges = graph.edges.map(toCanvasEdge);
  for (const [id, join] of Object.entries(floating)) {
    nodes.push({ id, type: "join", position: layout[id] ?? { x: 0, y: 0 }, data: { op: join.op, floating: true } });
    join.inputs.forEach((input, index) =>
      edges.push({ id: floatingEdgeId(id, index), source: input.source, sourceHandle: input.sourceHandle, target: id, targetHandle: IN_HANDLE }),
    );
  }
  return { nodes, edges };
}

export interface Connection {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

export interface GraphEditResult {
  definition: FlowDefinition;
  floating: Record<string, FloatingJoin>;
}

/** The graph-package graph with the floating joins (and their inputs) added as real join nodes. */
function fullGraph(definition: FlowDefinition, floating: Record<string, FloatingJoin>): FlowGraph {
  const graph = definitionToGraph(definition, { nodes: {} });
  const nodes: GraphNode[] = [...graph.nodes];
  const edges: GraphEdge[] = [...graph.edges];
  for (const [id, join] of Object.entries(floating)) {
    const node: JoinNode = { id, type: "join", position: { x: 0, y: 0 }, data: { method: "", slot: "listen", path: [], op: join.op } };
    nodes.push(node);
    join.inputs.forEach((input, index) =>
      edges.push({
        id: floatingEdgeId(id, index),
        source: graphIdOf(input.source),
        sourceHandle: graphHandle(input.source, input.sourceHandle, "source"),
        target: id,
        targetHandle: IN_HANDLE,
        data: { kind: "trigger", index },
      }),
    );
  }
  return { nodes, edges };
}

/** Where in the condition tree a new input of a join goes: after its current inputs. */
function nextIndex(edges: GraphEdge[], target: string, handle: string): number {
  let max = -1;
  for (const edge of edges)
    if (edge.target === target && edge.targetHandle === handle && edge.data.kind === "trigger") max = Math.max(max, edge.data.index ?? -1);
  return max + 1;
}

/**
 * Draw an edge: into a method it adds the source's event to its condition (or-ed), into a join it
 * adds a branch. A floating join's inputs stay in editor state until the join feeds a method.
 */
export function connectEdge(definition: FlowDefinition, floating: Record<string, FloatingJoin>, connection: Connection): GraphEditResult {
  const { source, target } = connection;
  const sourceHandle = connection.sourceHandle ?? (isMethodId(source) ? METHOD_OUT : OUT_HANDLE);
  if (source === target) throw new Error(`'${target}' cannot listen to its own completion`);
  const floatingTarget = floating[target];
  if (floatingTarget) {
    // A floating join collects inputs until it is connected to a method.
    const inputs = [...floatingTarget.inputs, { source, sourceHandle }];
    return { definition, floating: { ...floating, [target]: { ...floatingTarget, inputs } } };
  }
  const graph = fullGraph(definition, floating);
  const targetGraphId = graphIdOf(target);
  const targetHandle = graphHandle(target, connection.targetHandle, "target");
  const intoJoin = !isMethodId(target);
  const edge: GraphEdge = {
    id: `edge:new:${source}->${target}`,
    source: graphIdOf(source),
    sourceHandle: graphHandle(source, sourceHandle, "source"),
    target: targetGraphId,
    targetHandle,
    data: intoJoin ? { kind: "trigger", index: nextIndex(graph.edges, targetGraphId, targetHandle) } : { kind: "trigger" },
  };
  const next = graphToDefinition({ nodes: graph.nodes, edges: [...graph.edges, edge] }, definition);
  // A floating join that now feeds a method (itself or through other joins) became part of that
  // method's condition: it is no longer floating.
  const consumed = new Set<string>();
  const consume = (id: string) => {
    const join = floating[id];
    if (!join || consumed.has(id)) return;
    consumed.add(id);
    join.inputs.forEach((input) => consume(input.source));
  };
  if (isMethodId(target) || !floating[target]) consume(source);
  const rest = Object.fromEntries(Object.entries(floating).filter(([id]) => !consumed.has(id)));
  return { definition: next, floating: rest };
}

/** Remove edges (by canvas edge id) from the conditions they stand for, one occurrence each. */
export function removeEdges(definition: FlowDefinition, floating: Record<string, FloatingJoin>, edgeIds: readonly string[]): GraphEditResult {
  const drop = new Set(edgeIds);
  const nextFloating: Record<string, FloatingJoin> = {};
  for (const [id, join] of Object.entries(floating))
    nextFloating[id] = { ...join, inputs: join.inputs.filter((_, index) => !drop.has(floatingEdgeId(id, index))) };
  const graph = definitionToGraph(definition, { nodes: {} });
  if (!graph.edges.some((edge) => drop.has(edge.id))) return { definition, floating: nextFloating };
  const next = graphToDefinition({ nodes: graph.nodes, edges: graph.edges.filter((edge) => !drop.has(edge.id)) }, definition);
  return { definition: next, floating: nextFloating };
}

/** Remove join nodes (the branches they hold go with them). */
export function removeJoins(definition: FlowDefinition, floating: Record<string, FloatingJoin>, joinIds: readonly string[]): GraphEditResult {
  const drop = new Set(joinIds);
  const nextFloating = Object.fromEntries(Object.entries(floating).filter(([id]) => !drop.has(id)));
  const graph = definitionToGraph(definition, { nodes: {} });
  if (!graph.nodes.some((node) => drop.has(node.id))) return { definition, floating: nextFloating };
  const next = graphToDefinition(
    {
      nodes: graph.nodes.filter((node) => !drop.has(node.id)),
      edges: graph.edges.filter((edge) => !drop.has(edge.source) && !drop.has(edge.target)),
    },
    definition,
  );
  return { definition: next, floating: nextFloating };
}

/** Whether a canvas source handle stands for a router label. */
export function isLabelHandle(handle: string | null | undefined): boolean {
  return labelOfHandle(handle) !== null;
}
