// The editor's document store. `edit()` is the only way the definition changes: every edit is one
// undo step and recomputes the canvas graph (once, here) and the problems. Node positions live in
// `layout` beside the definition; a drag moves canvas nodes only and is committed as one step when
// the drag stops, so a drag frame never rebuilds the graph or the definition.
import { type FlowDefinition, type GraphPosition, removeMethod, renameMethod } from "@crewflow/definition";
import { applyEdgeChanges, applyNodeChanges, type Edge, type EdgeChange, MarkerType, type Node, type NodeChange } from "@xyflow/react";
import { create } from "zustand";
import { errorCode, errorMessage, type RouterOutputs, trpc } from "../api/client";
import { type Problem, problemsOf } from "../inspector";
import { autoLayout, nodeSize } from "./autoLayout";
import { type Clip, copyMethods, pasteMethods } from "./clipboard";
import { composeText, openText } from "./document";
import {
  type CanvasEdge,
  type CanvasGraph,
  type CanvasNode,
  connectEdge,
  type Connection,
  type FloatingJoin,
  isMethodId,
  type Layout,
  removeEdges,
  removeJoins,
  toCanvasGraph,
} from "./graph";
import { freshName, isJoinKind, methodTaken, newMethod, type PaletteKind } from "./kinds";

export type FlowNode = Node<CanvasNode["data"]> & Pick<CanvasNode, "type">;
export type FlowEdge = Edge<{ event?: string }>;

/** One point in the undo history. */
interface Snapshot {
  label: string;
  definition: FlowDefinition;
  layout: Layout;
  floating: Record<string, FloatingJoin>;
  revision: number;
}

export interface SaveError {
  conflict: boolean;
  message: string;
}

export interface EditorState {
  flowId: string | null;
  flowName: string;
  /** The saved version the edits are based on (the one shown, when read-only). */
  version: number | null;
  /** The definition as written (it may be invalid while the user works on it). */
  definition: FlowDefinition;
  layout: Layout;
  /** And/or joins on the canvas that feed no method yet. */
  floating: Record<string, FloatingJoin>;
  dirty: boolean;
  /** Selected node ids: method names (and `join:…` ids for joins). */
  selected: string[];
  readOnly: boolean;
  problems: Problem[];
  /** Problems per method, what node badges read (a narrow, per-node subscription). */
  problemCounts: Record<string, number>;
  /** React Flow's nodes and edges (positions move here while dragging). */
  nodes: FlowNode[];
  edges: FlowEdge[];
  past: Snapshot[];
  future: Snapshot[];
  loading: boolean;
  loadError: string | null;
  saving: boolean;
  saveError: SaveError | null;
  /** Why the last edit was refused (shown as an alert), or null. */
  editError: string | null;
  /** Bumped to ask the canvas to centre on a node (search, problems list). */
  focus: { id: string; seq: number } | null;
  clipboard: Clip | null;
  /** How often the clipboard was pasted (each paste lands a little further off). */
  pastes: number;
  /** A message for the user after an import/restore (warnings included), or null. */
  notice: { title: string; items: string[] } | null;
  revision: number;
  savedRevision: number;
  /** Bumped each time a text is loaded (the canvas fits the view then). */
  loads: number;
  /** The saved text the edits are based on (a save rewrites only what changed in it). */
  baseText: string | null;

  edit(label: string, change: (d: FlowDefinition) => FlowDefinition): void;
  select(names: string[]): void;
  undo(): void;
  redo(): void;
  openFlow(flowId: string, version?: number): Promise<void>;
  save(): Promise<void>;
  /** Shows a text (imported, restored, or a test's) as the document; not an undo step. */
  /** `data`: the text's mapping when the server already parsed it (flows.get), so the browser need not. */
  loadText(text: string, info?: { flowId?: string | null; flowName?: string; version?: number | null; readOnly?: boolean; data?: unknown }): void;
  addNode(kind: PaletteKind, position: GraphPosition): string;
  connect(connection: Connection): void;
  deleteSelection(): void;
  copySelection(): void;
  paste(offset?: GraphPosition): void;
  autoLayout(): void;
  focusNode(id: string): void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  /** Restores an earlier version's text as an edit (saving makes it the newest version). */
  restoreText(text: string, label: string): void;
  /** Renames a method (and every condition naming it), keeping its place on the canvas. */
  rename(from: string, to: string): void;
  setNotice(notice: { title: string; items: string[] } | null): void;
  clearErrors(): void;
}

const EMPTY: FlowDefinition = { name: "", methods: {} } as FlowDefinition;
const PROBLEMS_SYNC_LIMIT = 200;
let problemsTimer: ReturnType<typeof setTimeout> | undefined;
let loadToken = 0;
let revisionCounter = 0;
const nextRevision = () => ++revisionCounter;
/** Typing in one field is one undo step, not one per keystroke: same label within this window merges. */
const MERGE_WINDOW_MS = 1000;
let lastCommit = { label: "", at: 0, revision: -1 };

function countProblems(problems: readonly Problem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const problem of problems) if (problem.method) counts[problem.method] = (counts[problem.method] ?? 0) + 1;
  return counts;
}

function sameArray(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function sameData(a: CanvasNode["data"], b: CanvasNode["data"]): boolean {
  if ("method" in a && "method" in b)
    return a.method === b.method && a.name === b.name && a.kind === b.kind && a.startCondition === b.startCondition && sameArray(a.labels, b.labels);
  if ("op" in a && "op" in b) return a.op === b.op && a.floating === b.floating;
  if ("label" in a && "label" in b) return a.label === b.label;
  return false;
}

/** React Flow nodes for a graph, reusing the previous objects of unchanged nodes (memoised views stay put). */
function reconcileNodes(graph: CanvasGraph, previous: readonly FlowNode[], selected: ReadonlySet<string>): FlowNode[] {
  const before = new Map(previous.map((node) => [node.id, node]));
  return graph.nodes.map((node) => {
    const old = before.get(node.id);
    const isSelected = selected.has(node.id);
    if (
      old &&
      old.type === node.type &&
      old.position.x === node.position.x &&
      old.position.y === node.position.y &&
      Boolean(old.selected) === isSelected &&
      sameData(old.data, node.data)
    )
      return old;
    const size = nodeSize(node.type);
    const next: FlowNode = {
      id: node.id,
      type: node.type,
      position: node.position,
      data: old && sameData(old.data, node.data) ? old.data : node.data,
      selected: isSelected,
      initialWidth: size.width,
      initialHeight: size.height,
      ...(old?.measured ? { measured: old.measured } : {}),
    };
    return next;
  });
}

/** One shared marker object: React Flow dedupes markers by value, edges keep their identity. */
const ARROW = { type: MarkerType.ArrowClosed, width: 16, height: 16 };

function reconcileEdges(edges: readonly CanvasEdge[], previous: readonly FlowEdge[]): FlowEdge[] {
  const before = new Map(previous.map((edge) => [edge.id, edge]));
  return edges.map((edge) => {
    const old = before.get(edge.id);
    if (
      old &&
      old.source === edge.source &&
      old.target === edge.target &&
      old.sourceHandle === edge.sourceHandle &&
      old.targetHandle === edge.targetHandle &&
      old.label === edge.label &&
      old.data?.event === edge.event
    )
      return old;
    return {
      id: edge.id,
      source: edge.source,
      sourceHandle: edge.sourceHandle,
      target: edge.target,
      targetHandle: edge.targetHandle,
      type: "flow",
      markerEnd: ARROW,
      ...(edge.label !== undefined ? { label: edge.label } : {}),
      data: edge.event !== undefined ? { event: edge.event } : {},
    };
  });
}

/**
 * The graph for a definition, and the layout completed with a position for every node (a new node
 * without one gets the definition package's layered position, once, so it does not jump later).
 */
let worker: Worker | null | undefined;
let workerRequests = 0;
const pending = new Map<number, (problems: Problem[]) => void>();

/** Sends a definition to the problems worker; false when no worker can run (then the caller validates). */
function validateInWorker(definition: FlowDefinition, done: (problems: Problem[]) => void): boolean {
  if (worker === undefined) {
    try {
      worker = typeof Worker === "undefined" ? null : new Worker(new URL("./problems.worker.ts", import.meta.url), { type: "module" });
    } catch {
      worker = null;
    }
    if (worker) {
      worker.onmessage = (event: MessageEvent<{ id: number; problems: Problem[] }>) => {
        pending.get(event.data.id)?.(event.data.problems);
        pending.delete(event.data.id);
      };
      // A worker that cannot start or crashes: validate on the main thread from now on.
      worker.onerror = () => {
        worker?.terminate();
        worker = null;
        for (const [id, finish] of pending) {
          pending.delete(id);
          const state = useFlowEditor.getState();
          finish(problemsOf(state.definition));
        }
      };
    }
  }
  if (!worker) return false;
  const id = ++workerRequests;
  // Only the newest answer matters.
  pending.clear();
  pending.set(id, done);
  worker.postMessage({ id, definition });
  return true;
}

/** The last graph built: moves and undos of moves keep the definition, so they skip rebuilding it. */
let graphCache: { definition: FlowDefinition; floating: Record<string, FloatingJoin>; graph: CanvasGraph } | null = null;

function graphFor(definition: FlowDefinition, layout: Layout, floating: Record<string, FloatingJoin>): CanvasGraph {
  if (graphCache && graphCache.definition === definition && graphCache.floating === floating) {
    const cached = graphCache.graph;
    const nodes = cached.nodes.map((node) => {
      const at = layout[node.id];
      return at && (at.x !== node.position.x || at.y !== node.position.y) ? { ...node, position: at } : node;
    });
    const graph = { nodes, edges: cached.edges };
    graphCache = { definition, floating, graph };
    return graph;
  }
  const graph = toCanvasGraph(definition, layout, floating);
  graphCache = { definition, floating, graph };
  return graph;
}

/**
 * The graph for a definition, and the layout completed with a position for every node (a new node
 * without one gets the definition package's layered position, once, so it does not jump later).
 */
function derive(definition: FlowDefinition, layout: Layout, floating: Record<string, FloatingJoin>): { graph: CanvasGraph; layout: Layout } {
  const graph = graphFor(definition, layout, floating);
  let completed = layout;
  for (const node of graph.nodes) {
    if (Object.hasOwn(layout, node.id)) continue;
    if (completed === layout) completed = { ...layout };
    completed[node.id] = node.position;
  }
  return { graph, layout: completed };
}

function existingIds(graph: CanvasGraph): Set<string> {
  return new Set(graph.nodes.map((node) => node.id));
}

export const useFlowEditor = create<EditorState>()((set, get) => {
  /** Recompute problems now for small flows, shortly after for large ones (opening stays fast). */
  let problemsOfDefinition: FlowDefinition | null = null;
  const publishProblems = (definition: FlowDefinition, problems: Problem[]) => {
    if (get().definition !== definition) return;
    problemsOfDefinition = definition;
    set({ problems, problemCounts: countProblems(problems) });
  };
  const scheduleProblems = (definition: FlowDefinition) => {
    // Moves and selection keep the definition: its problems are still right.
    if (definition === problemsOfDefinition) return;
    if (problemsTimer !== undefined) clearTimeout(problemsTimer);
    const run = () => {
      problemsTimer = undefined;
      if (get().definition === definition) publishProblems(definition, problemsOf(definition));
    };
    if (Object.keys(definition.methods ?? {}).length <= PROBLEMS_SYNC_LIMIT) return run();
    // Large flows: in a worker when there is one, else shortly after (the canvas paints first).
    problemsTimer = setTimeout(() => {
      problemsTimer = undefined;
      if (get().definition !== definition) return;
      if (!validateInWorker(definition, (problems) => publishProblems(definition, problems))) run();
    }, 30);
  };

  /** Show a state (a load, an edit, an undo): graph, nodes, edges, selection filtered to what exists. */
  const show = (
    next: { definition: FlowDefinition; layout: Layout; floating: Record<string, FloatingJoin>; revision: number },
    extra: Partial<EditorState> = {},
  ) => {
    const { graph, layout } = derive(next.definition, next.layout, next.floating);
    const ids = existingIds(graph);
    const selected = (extra.selected ?? get().selected).filter((id) => ids.has(id));
    const nodes = reconcileNodes(graph, get().nodes, new Set(selected));
    const edges = reconcileEdges(graph.edges, get().edges);
    set({
      ...extra,
      definition: next.definition,
      layout,
      floating: next.floating,
      revision: next.revision,
      dirty: next.revision !== (extra.savedRevision ?? get().savedRevision),
      selected,
      nodes,
      edges,
    });
    scheduleProblems(next.definition);
  };

  const snapshot = (label: string): Snapshot => {
    const s = get();
    return { label, definition: s.definition, layout: s.layout, floating: s.floating, revision: s.revision };
  };

  /** The one place a change becomes an undo step. */
  const commit = (label: string, next: { definition?: FlowDefinition; layout?: Layout; floating?: Record<string, FloatingJoin> }, selected?: string[]) => {
    const s = get();
    if (s.readOnly) return;
    const now = Date.now();
    const merge = label.startsWith("Edit ") && lastCommit.label === label && now - lastCommit.at < MERGE_WINDOW_MS && lastCommit.revision === s.revision;
    const past = merge ? s.past : [...s.past, snapshot(label)];
    show(
      {
        definition: next.definition ?? s.definition,
        layout: next.layout ?? s.layout,
        floating: next.floating ?? s.floating,
        revision: nextRevision(),
      },
      { past, future: [], editError: null, ...(selected ? { selected } : {}) },
    );
    lastCommit = { label, at: now, revision: get().revision };
  };

  /** Run an edit that may be refused (FlowEditError and the like): the refusal is shown, nothing changes. */
  const attempt = (work: () => void) => {
    try {
      work();
    } catch (error) {
      set({ editError: errorMessage(error) });
    }
  };

  return {
    ...emptyEditor(),

    edit(label, change) {
      attempt(() => {
        const s = get();
        if (s.readOnly) return;
        const next = change(s.definition);
        if (next === s.definition) return;
        commit(label, { definition: next });
      });
    },

    select(names) {
      const s = get();
      if (sameArray(s.selected, names)) return;
      const chosen = new Set(names);
      const nodes = s.nodes.map((node) => (Boolean(node.selected) === chosen.has(node.id) ? node : { ...node, selected: chosen.has(node.id) }));
      set({ selected: [...names], nodes });
    },

    undo() {
      const s = get();
      const last = s.past[s.past.length - 1];
      if (!last || s.readOnly) return;
      const current = snapshot(last.label);
      show(last, { past: s.past.slice(0, -1), future: [current, ...s.future], editError: null });
    },

    redo() {
      const s = get();
      const next = s.future[0];
      if (!next || s.readOnly) return;
      const current = snapshot(next.label);
      show(next, { past: [...s.past, current], future: s.future.slice(1), editError: null });
    },

    async openFlow(flowId, version) {
      const token = ++loadToken;
      set({ loading: true, loadError: null, saveError: null, flowId });
      try {
        const loaded = (version === undefined ? await takePrefetched(flowId) : null) ?? (await trpc.flows.get.query(version === undefined ? { flowId } : { flowId, version }));
        if (token !== loadToken) return;
        get().loadText(loaded.text, {
          flowId: loaded.flow.id,
          flowName: loaded.flow.name,
          version: loaded.version.number,
          readOnly: version !== undefined && version !== loaded.flow.head.number,
          data: loaded.data,
        });
      } catch (error) {
        if (token === loadToken) set({ loading: false, loadError: errorMessage(error) });
      }
    },

    loadText(text, info = {}) {
      const opened = openText(text, info.data);
      const revision = nextRevision();
      set({ nodes: [], edges: [] });
      show(
        { definition: opened.definition, layout: opened.layout, floating: {}, revision },
        {
          flowId: info.flowId === undefined ? get().flowId : info.flowId,
          flowName: info.flowName ?? (typeof opened.definition.name === "string" ? opened.definition.name : ""),
          version: info.version === undefined ? get().version : info.version,
          readOnly: info.readOnly ?? false,
          baseText: text,
          savedRevision: revision,
          loads: get().loads + 1,
          past: [],
          future: [],
          selected: [],
          loading: false,
          loadError: null,
          saveError: null,
          editError: null,
        },
      );
    },

    async save() {
      const s = get();
      if (s.readOnly || s.flowId === null || s.version === null || s.saving) return;
      const revision = s.revision;
      let text: string;
      try {
        text = composeText(s.baseText, s.definition, s.layout, s.nodes.filter((n) => !s.floating[n.id]).map((n) => n.id));
      } catch (error) {
        set({ saveError: { conflict: false, message: `The flow cannot be written: ${errorMessage(error)}` } });
        return;
      }
      set({ saving: true, saveError: null });
      try {
        const result = await trpc.flows.save.mutate({ flowId: s.flowId, baseVersion: s.version, text });
        const after = get();
        // Edits made while the save was on the wire stay unsaved.
        set({
          saving: false,
          version: result.version.number,
          baseText: text,
          savedRevision: revision,
          dirty: after.revision !== revision,
        });
      } catch (error) {
        const conflict = errorCode(error) === "CONFLICT";
        set({
          saving: false,
          saveError: {
            conflict,
            message: conflict ? `Save conflict: ${errorMessage(error)}` : `Save failed: ${errorMessage(error)}`,
          },
        });
      }
    },

    addNode(kind, position) {
      const s = get();
      if (s.readOnly) return "";
      if (isJoinKind(kind)) {
        const asId = (name: string) => name.replace("join_", "join:");
        const taken = (name: string) => Object.hasOwn(s.floating, asId(name)) || s.nodes.some((node) => node.id === asId(name));
        const id = asId(freshName("join", taken));
        commit(`Add ${kind} join`, { floating: { ...s.floating, [id]: { op: kind, inputs: [] } }, layout: { ...s.layout, [id]: position } }, [id]);
        return id;
      }
      const name = freshName(kind, methodTaken(s.definition));
      const definition = { ...s.definition, methods: { ...(s.definition.methods ?? {}), [name]: newMethod(kind) } };
      commit(`Add ${name}`, { definition, layout: { ...s.layout, [name]: position } }, [name]);
      return name;
    },

    connect(connection) {
      attempt(() => {
        const s = get();
        if (s.readOnly) return;
        const result = connectEdge(s.definition, s.floating, connection);
        const layout = { ...s.layout };
        // A floating join that now feeds a method keeps its place under its new (condition) id.
        const consumed = Object.keys(s.floating).filter((id) => !result.floating[id]);
        const { graph } = derive(result.definition, layout, result.floating);
        const fresh = graph.nodes.filter((node) => node.type === "join" && !Object.hasOwn(layout, node.id));
        consumed.forEach((id, i) => {
          const target = fresh[i];
          if (target && layout[id]) layout[target.id] = layout[id]!;
          delete layout[id];
        });
        commit(`Connect ${connection.source} → ${connection.target}`, { definition: result.definition, floating: result.floating, layout });
      });
    },

    deleteSelection() {
      attempt(() => {
        const s = get();
        if (s.readOnly) return;
        const nodeIds = s.selected;
        const edgeIds = s.edges.filter((edge) => edge.selected).map((edge) => edge.id);
        if (nodeIds.length === 0 && edgeIds.length === 0) return;
        let { definition, floating } = s;
        ({ definition, floating } = removeEdges(definition, floating, edgeIds));
        ({ definition, floating } = removeJoins(definition, floating, nodeIds.filter((id) => !isMethodId(id))));
        for (const name of nodeIds.filter(isMethodId))
          if (Object.hasOwn(definition.methods ?? {}, name)) definition = removeMethod(definition, name);
        // Floating joins lose inputs from deleted methods.
        const gone = new Set(nodeIds);
        floating = Object.fromEntries(
          Object.entries(floating).map(([id, join]) => [id, { ...join, inputs: join.inputs.filter((input) => !gone.has(input.source)) }]),
        );
        const layout = Object.fromEntries(Object.entries(s.layout).filter(([id]) => !gone.has(id)));
        const what = nodeIds.length === 1 ? nodeIds[0]! : `${nodeIds.length + edgeIds.length} items`;
        commit(`Delete ${what}`, { definition, floating, layout }, []);
      });
    },

    copySelection() {
      const s = get();
      const clip = copyMethods(s.definition, s.layout, s.selected.filter(isMethodId));
      if (clip) set({ clipboard: clip, pastes: 0 });
    },

    paste(offset) {
      attempt(() => {
        const s = get();
        if (!s.clipboard || s.readOnly) return;
        const step = 40 * (s.pastes + 1);
        const pasted = pasteMethods(s.definition, s.clipboard, offset ?? { x: step, y: step });
        set({ pastes: s.pastes + 1 });
        commit(`Paste ${pasted.names.join(", ")}`, { definition: pasted.definition, layout: { ...s.layout, ...pasted.positions } }, pasted.names);
      });
    },

    autoLayout() {
      const s = get();
      if (s.readOnly) return;
      const graph = toCanvasGraph(s.definition, s.layout, s.floating);
      commit("Auto layout", { layout: { ...s.layout, ...autoLayout(graph) } });
    },

    focusNode(id) {
      const seq = (get().focus?.seq ?? 0) + 1;
      get().select([id]);
      set({ focus: { id, seq } });
    },

    onNodesChange(changes) {
      const s = get();
      const nodes = applyNodeChanges(changes, s.nodes);
      const patch: Partial<EditorState> = { nodes };
      // Selection made on the canvas (click, shift-click, box) becomes the store's selection.
      if (changes.some((change) => change.type === "select")) patch.selected = nodes.filter((node) => node.selected).map((node) => node.id);
      set(patch);
      // A finished drag is one undo step ("Move"), and the layout the save writes.
      const dropped = new Set(changes.flatMap((change) => (change.type === "position" && change.dragging === false ? [change.id] : [])));
      if (dropped.size > 0 && !s.readOnly) {
        const layout = { ...get().layout };
        let moved = false;
        for (const node of get().nodes) {
          if (!dropped.has(node.id)) continue;
          const at = layout[node.id];
          if (at && at.x === node.position.x && at.y === node.position.y) continue;
          layout[node.id] = { x: node.position.x, y: node.position.y };
          moved = true;
        }
        if (moved) commit("Move", { layout });
      }
    },

    onEdgesChange(changes) {
      const relevant = changes.filter((change) => change.type === "select");
      if (relevant.length === 0) return;
      set({ edges: applyEdgeChanges(relevant, get().edges) });
    },

    restoreText(text, label) {
      const s = get();
      if (s.readOnly) return;
      const opened = openText(text);
      commit(label, { definition: opened.definition, layout: { ...s.layout, ...opened.layout }, floating: {} });
    },

    rename(from, to) {
      attempt(() => {
        const s = get();
        if (s.readOnly || from === to) return;
        const definition = renameMethod(s.definition, from, to);
        const layout: Layout = {};
        for (const [id, at] of Object.entries(s.layout)) layout[id === from ? to : id] = at;
        const selected = s.selected.map((id) => (id === from ? to : id));
        commit(`Rename ${from} → ${to}`, { definition, layout }, selected);
      });
    },

    setNotice(notice) {
      set({ notice });
    },

    clearErrors() {
      set({ saveError: null, editError: null });
    },
  };
});

type LoadedFlow = RouterOutputs["flows"]["get"];

/**
 * The answer of the request index.html starts before the bundle loads (for `/flows/:id`), taken once
 * and only for that flow's latest version; anything unexpected means asking the server normally.
 */
async function takePrefetched(flowId: string): Promise<LoadedFlow | null> {
  const holder = globalThis as { __crewflowPrefetch?: { flowId: string; response: Promise<unknown> } };
  const prefetch = holder.__crewflowPrefetch;
  if (!prefetch || prefetch.flowId !== flowId) return null;
  delete holder.__crewflowPrefetch;
  const body = (await prefetch.response) as { result?: { data?: Partial<LoadedFlow> } } | null;
  const data = body?.result?.data;
  if (!data || typeof data.text !== "string" || !data.flow || !data.version) return null;
  return data as LoadedFlow;
}

/** Back to an empty editor (tests, leaving a flow). */
export function resetEditor(): void {
  loadToken += 1;
  graphCache = null;
  if (problemsTimer !== undefined) clearTimeout(problemsTimer);
  useFlowEditor.setState(emptyEditor());
}

/** The editor's data with no flow open (the store's start, and what resetEditor goes back to). */
function emptyEditor(): Omit<EditorState, { [K in keyof EditorState]: EditorState[K] extends (...args: never[]) => unknown ? K : never }[keyof EditorState]> {
  return {
    flowId: null,
    flowName: "",
    version: null,
    definition: EMPTY,
    layout: {},
    floating: {},
    dirty: false,
    selected: [],
    readOnly: false,
    problems: [],
    problemCounts: {},
    nodes: [],
    edges: [],
    past: [],
    future: [],
    loading: false,
    loadError: null,
    saving: false,
    saveError: null,
    editError: null,
    focus: null,
    clipboard: null,
    pastes: 0,
    notice: null,
    revision: 0,
    savedRevision: 0,
    loads: 0,
    baseText: null,
  };
}
