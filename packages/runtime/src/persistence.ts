// The persistence interface of spec §4.3 (CrewAI's FlowPersistence), with an in-memory store.
// Stores that outlive the process (SQLite/PostgreSQL through Prisma) implement the same interface.
import type { JsonValue } from "@crewflow/definition";
import type { State } from "./state/model";

export interface PendingFeedbackContext {
  flow_id: string;
  flow_class: string;
  method_name: string;
  method_output: JsonValue;
  message: string;
  emit: string[] | null;
  default_outcome: string | null;
  metadata: Record<string, JsonValue>;
  llm: JsonValue;
  requested_at: string;
  execution_uuid: string | null;
}

export interface StoredSnapshot {
  flowUuid: string;
  methodName: string;
  state: State;
  at: string;
}

type MaybePromise<T> = T | Promise<T>;

export interface FlowPersistence {
  /** The name a definition's `persistence_type` uses for this backend. */
  readonly persistenceType: string;
  /** Append a snapshot of the state after `methodName` completed. */
  saveState(flowUuid: string, methodName: string, state: State): MaybePromise<void>;
  /** The latest snapshot for this state id, or null. */
  loadState(flowUuid: string): MaybePromise<State | null>;
  savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): MaybePromise<void>;
  loadPendingFeedback(flowUuid: string): MaybePromise<{ state: State; context: PendingFeedbackContext } | null>;
  clearPendingFeedback(flowUuid: string): MaybePromise<void>;
}

/** Keeps every snapshot in memory, in order; the reference implementation used by tests. */
export class InMemoryPersistence implements FlowPersistence {
  readonly persistenceType = "InMemoryPersistence";
  readonly snapshots: StoredSnapshot[] = [];
  readonly pending = new Map<string, { state: State; context: PendingFeedbackContext }>();

  saveState(flowUuid: string, methodName: string, state: State): void {
    this.snapshots.push({ flowUuid, methodName, state: structuredClone(state), at: new Date().toISOString() });
  }

  loadState(flowUuid: string): State | null {
    for (let i = this.snapshots.length - 1; i >= 0; i--) {
      const snapshot = this.snapshots[i]!;
      if (snapshot.flowUuid === flowUuid) return structuredClone(snapshot.state);
    }
    return null;
  }

  savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): void {
    this.saveState(flowUuid, context.method_name, state);
    this.pending.set(flowUuid, { state: structuredClone(state), context: structuredClone(context) });
  }

  loadPendingFeedback(flowUuid: string): { state: State; context: PendingFeedbackContext } | null {
    const entry = this.pending.get(flowUuid);
    return entry ? structuredClone(entry) : null;
  }

  clearPendingFeedback(flowUuid: string): void {
    this.pending.delete(flowUuid);
  }

  /** Method names saved for a state id, in order (what CrewAI's tests assert). */
  methodsSaved(flowUuid?: string): string[] {
    return this.snapshots.filter((s) => flowUuid === undefined || s.flowUuid === flowUuid).map((s) => s.methodName);
  }
}

/** Builds a backend from a definition's `persistence: {persistence_type, …}` mapping. */
export type PersistenceFactory = (config: Record<string, unknown>) => FlowPersistence;
