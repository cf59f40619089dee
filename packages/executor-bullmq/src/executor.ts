// The API servers' side of the scale-out executor: segments go to BullMQ (one live job per run), a
// cancel fences the run's worker out through the lease and tells it to stop, and `feed` follows any
// run's events whichever worker runs it. Jobs are data ({runId, feedback}), not closures: whichever
// process picks one up rebuilds the run from the database.
import type { RunStore } from "@crewflow/runtime";
import { RunFeed } from "./feed";
import { type SegmentData, type SegmentQueue, openQueue, segmentJobOptions } from "./queue";
import type { QueueSettings } from "./settings";
import { type Signals, openSignals } from "./signals";

export class ExecutorClosedError extends Error {
  override name = "ExecutorClosedError";
}

const CANCELLABLE = new Set(["running", "paused", "interrupted"]);

export class BullmqExecutor {
  readonly feed: RunFeed;
  private closed = false;

  private constructor(
    private readonly store: RunStore,
    readonly settings: QueueSettings,
    private readonly queue: SegmentQueue,
    private readonly signals: Signals,
  ) {
    this.feed = new RunFeed(store, signals);
  }

  static async open(store: RunStore, settings: QueueSettings): Promise<BullmqExecutor> {
    const signals = openSignals(settings);
    const queue = openQueue(settings);
    try {
      await Promise.all([signals.ready(), queue.waitUntilReady()]);
    } catch (err) {
      await Promise.allSettled([signals.close(), queue.close()]);
      throw new Error(`cannot reach the ${settings.backend} queue backend: ${(err as Error).message}`, { cause: err });
    }
    return new BullmqExecutor(store, settings, queue, signals);
  }

  /** Queues the run's next segment (a no-op while one waits; after the running one when one runs). */
  async submit(segment: SegmentData): Promise<void> {
    if (this.closed) throw new ExecutorClosedError("the server is shutting down");
    await this.queue.add("segment", segment, segmentJobOptions(this.settings, segment.runId));
  }

  /** Whether the run has a waiting or running job. */
  async hasJob(runId: string): Promise<boolean> {
    return (await this.queue.getDeduplicationJobId(runId)) !== null;
  }

  /**
   * Cancels a running, paused or interrupted run: takes its lease (from then on its worker cannot
   * write), marks it cancelled, and tells the worker to stop at once. False when it had ended.
   */
  async cancel(runId: string): Promise<boolean> {
    const run = await this.store.getRun(runId);
    if (!run || !CANCELLABLE.has(run.status)) return false;
    const taken = await this.store.acquireLease(runId);
    if (!taken) return false;
    const now = await this.store.getRun(runId);
    if (!now || !CANCELLABLE.has(now.status)) return false;
    await this.store.updateRun(runId, { status: "cancelled", endedAt: new Date().toISOString() }, taken.lease);
    await this.signals.cancel(runId);
    this.signals.notify({ runId, seq: taken.lastSeq, ended: true });
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.signals.close(), this.queue.close()]);
  }
}
