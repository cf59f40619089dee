// The engine's journal hook (FlowOptions.journal): the engine awaits `commit(runId, events)` after every
// method_execution_finished (before any listener starts) and at the run's end, pause or failure, with
// the events recorded since the previous commit. The store writes them — the method's events, its state
// snapshot and its LLM calls — in one transaction, shared with the other runs committing at that moment.
import type { FlowEvent, FlowOptions, RunStore } from "@crewflow/runtime";

export type Journal = NonNullable<FlowOptions["journal"]>;

/** Events after which the engine commits (what a host that batches by itself should cut at). */
export const COMMIT_POINTS: ReadonlySet<FlowEvent["type"]> = new Set(["method_execution_finished", "flow_finished", "flow_failed", "flow_paused"]);

/**
 * `store` as the engine's journal; `onCommitted` sees each batch once it is durable (progress output).
 * With `lease` (the run's fencing token, or a function giving it once the run is held) every commit is
 * fenced by it.
 */
export function storeJournal(store: RunStore, onCommitted?: (events: readonly FlowEvent[]) => void, lease?: number | (() => number | undefined)): Journal {
  return {
    async commit(runId, events) {
      await store.commit(runId, events, typeof lease === "function" ? lease() : lease);
      onCommitted?.(events);
    },
  };
}
