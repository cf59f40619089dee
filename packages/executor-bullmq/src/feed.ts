// Live events across API servers: a run's events after a seq, history first and then live, whichever
// worker executes the run. The database is the source: a signal ("run R committed up to seq N") only
// says when to read again, so a reader gets every event once, in order, with no gap — also after a
// reconnect (it says the last seq it has) and when a signal is lost (it polls now and then).
import type { FlowEvent } from "@crewflow/runtime";
import type { RunStore } from "@crewflow/runtime";
import type { RunSignal, Signals } from "./signals";

/** At most this many history events travel in one batch. */
const BATCH = 500;
/** Without a signal, look at the database this often (a lost pub/sub message only delays a reader). */
const POLL_MS = 1000;

export class RunFeed {
  private readonly waiters = new Map<string, Set<(signal: RunSignal) => void>>();

  constructor(
    private readonly store: RunStore,
    signals: Signals,
  ) {
    signals.onRuns((batch) => {
      for (const signal of batch) for (const wake of this.waiters.get(signal.runId) ?? []) wake(signal);
    });
  }

  /**
   * The run's events after seq `after`, in batches, until its current segment is over (it completed,
   * paused, failed or was cancelled); returns at once after the history when the run is not running.
   * Null when the run does not exist.
   */
  async *follow(runId: string, after: number, abort?: AbortSignal): AsyncGenerator<FlowEvent[], void, undefined> {
    let ended = false;
    let wake: (() => void) | null = null;
    const onSignal = (signal: RunSignal) => {
      if (signal.ended) ended = true;
      wake?.();
    };
    let set = this.waiters.get(runId);
    if (!set) this.waiters.set(runId, (set = new Set()));
    set.add(onSignal);
    const onAbort = () => wake?.();
    abort?.addEventListener("abort", onAbort, { once: true });
    let last = after;
    const store = this.store;
    async function* fresh(): AsyncGenerator<FlowEvent[]> {
      const events = await store.events(runId, undefined, last);
      for (let i = 0; i < events.length; i += BATCH) {
        const batch = events.slice(i, i + BATCH);
        last = batch.at(-1)!.seq;
        yield batch;
      }
    }
    try {
      // Subscribed before the first read: a commit between the read and the wait still wakes us.
      yield* fresh();
      for (;;) {
        if (abort?.aborted) return;
        const run = await store.getRun(runId);
        if (!run || run.status !== "running" || ended) {
          yield* fresh();
          return;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, POLL_MS);
          function done() {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
        if (abort?.aborted) return;
        yield* fresh();
      }
    } finally {
      abort?.removeEventListener("abort", onAbort);
      set.delete(onSignal);
      if (set.size === 0 && this.waiters.get(runId) === set) this.waiters.delete(runId);
    }
  }
}
