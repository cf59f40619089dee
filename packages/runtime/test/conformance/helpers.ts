// Shared harness for the conformance cases (spec: conformance-cases.md, written inline here so the
// suite never reads ../shared): definition loading, the `conformance:` ref registry, a recording
// persistence backend and compact views of the event log.
import { type FlowDefinition, loadDefinitionText } from "@crewflow/definition";
import { Flow, type FlowEvent, type FlowOptions, type FlowPersistence, type PendingFeedbackContext, type State } from "../../src";

/** Parse and validate a YAML/JSON flow; a test fails loudly on an invalid document. */
export function load(text: string, sourcePath?: string): FlowDefinition {
  const result = loadDefinitionText(text, sourcePath ? { sourcePath } : {});
  if (!result.definition) throw new Error(`invalid definition: ${result.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  return result.definition;
}

/** Error messages of a document that must fail to load. */
export function loadErrors(text: string, sourcePath?: string): string[] {
  const result = loadDefinitionText(text, sourcePath ? { sourcePath } : {});
  expectNoDefinition(result.definition);
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

function expectNoDefinition(definition: FlowDefinition | null): void {
  if (definition) throw new Error("expected the definition to be rejected");
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** `type(method)` for method events, `type` for flow events (the cases' notation). */
export function eventTypes(flow: Flow): string[] {
  return flow.events.filter(isFlowOrMethodEvent).map((e) => (e.type.startsWith("method_") && "method" in e ? `${e.type}(${e.method})` : e.type));
}

const LIFECYCLE = new Set([
  "flow_started",
  "flow_finished",
  "flow_failed",
  "flow_paused",
  "method_execution_started",
  "method_execution_finished",
  "method_execution_failed",
  "method_execution_paused",
]);

function isFlowOrMethodEvent(event: FlowEvent): boolean {
  return LIFECYCLE.has(event.type);
}

/** Methods whose body was entered, in order (from `method_execution_started`). */
export function order(flow: Flow): string[] {
  return flow.events.flatMap((e) => (e.type === "method_execution_started" ? [e.method] : []));
}

export function eventsOf<T extends FlowEvent["type"]>(flow: Flow, type: T): Extract<FlowEvent, { type: T }>[] {
  return flow.events.filter((e): e is Extract<FlowEvent, { type: T }> => e.type === type);
}

export function startedOf(flow: Flow, method: string) {
  return eventsOf(flow, "method_execution_started").filter((e) => e.method === method);
}

export function finishedOf(flow: Flow, method: string) {
  return eventsOf(flow, "method_execution_finished").filter((e) => e.method === method);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ---- RecordingBackend(store) ------------------------------------------------------------------

interface Store {
  saves: { method: string; state: State }[];
  pending: Map<string, { state: State; context: PendingFeedbackContext }>;
}

const stores = new Map<string, Store>();

function storeNamed(name: string): Store {
  let store = stores.get(name);
  if (!store) stores.set(name, (store = { saves: [], pending: new Map() }));
  return store;
}

/** Forget every named store (call in beforeEach so cases do not see each other's saves). */
export function resetStores(): void {
  stores.clear();
}

/** Method names saved into a store, in order. */
export function saves(store: string): string[] {
  return storeNamed(store).saves.map((s) => s.method);
}

export function savedStates(store: string): State[] {
  return storeNamed(store).saves.map((s) => s.state);
}

/**
 * The cases' `RecordingBackend(store)`: appends `(method_name, copy_of_state)` to a named list;
 * `loadState(id)` returns the newest copy whose `id` matches; pending feedback is kept per store.
 */
export class RecordingBackend implements FlowPersistence {
  readonly persistenceType = "RecordingBackend";
  /** Called before each save is appended (lets a case inspect the event log at that moment). */
  onSave: ((method: string, state: State) => void) | null = null;

  constructor(readonly store: string) {}

  saveState(_flowUuid: string, methodName: string, state: State): void {
    this.onSave?.(methodName, state);
    storeNamed(this.store).saves.push({ method: methodName, state: structuredClone(state) });
  }

  loadState(flowUuid: string): State | null {
    const list = storeNamed(this.store).saves;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.state.id === flowUuid) return structuredClone(list[i]!.state);
    return null;
  }

  savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): void {
    this.saveState(flowUuid, context.method_name, state);
    storeNamed(this.store).pending.set(flowUuid, { state: structuredClone(state), context: structuredClone(context) });
  }

  loadPendingFeedback(flowUuid: string): { state: State; context: PendingFeedbackContext } | null {
    const entry = storeNamed(this.store).pending.get(flowUuid);
    return entry ? structuredClone(entry) : null;
  }

  clearPendingFeedback(flowUuid: string): void {
    storeNamed(this.store).pending.delete(flowUuid);
  }

  hasPending(flowUuid: string): boolean {
    return storeNamed(this.store).pending.has(flowUuid);
  }
}

/** `persistence_type: RecordingBackend` resolves through this registry. */
export const persistenceTypes: FlowOptions["persistenceTypes"] = {
  RecordingBackend: (config) => new RecordingBackend(String(config.store)),
};

/** Build a flow from YAML with the `conformance` module and the recording backend registered. */
export function create(
  definition: FlowDefinition | string,
  conformance: Record<string, unknown>,
  options: FlowOptions = {},
): Promise<Flow> {
  const def = typeof definition === "string" ? load(definition) : definition;
  return Flow.create(def, { persistenceTypes, modules: new Map([["conformance", conformance]]), ...options });
}
