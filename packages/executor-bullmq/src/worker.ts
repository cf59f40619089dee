// `crewflow worker`: a process that executes run segments from the BullMQ queue. BullMQ renews each
// job's lock while it runs and hands the job of a dead or stopped worker to another one once the lock
// expires; the lease in the database (fencing) makes sure the old worker cannot write after that. A
// reconciler submits runs that are "running" with no job (a lost job, a crash between the row and the
// job), and a cancel signal aborts the segment of a cancelled run.
import type { RunStore } from "@crewflow/runtime";
import { type SegmentQueue, type SegmentWorkerHandle, openQueue, openWorker, segmentJobOptions } from "./queue";
import { type SegmentOutcome, SegmentRunner, type WorkerPolicy } from "./segment";
import type { QueueSettings } from "./settings";
import { type Signals, openSignals } from "./signals";

export interface WorkerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RunWorkerOptions {
  store: RunStore;
  settings: QueueSettings;
  policy: WorkerPolicy;
  log?: WorkerLog;
}

const silent: WorkerLog = { info: () => undefined, error: () => undefined };

export class RunWorker {
  private readonly active = new Map<string, AbortController>();
  private reconcileTimer: NodeJS.Timeout | null = null;
  /** Runs that had no job at the previous reconcile pass (submitted if still so at the next one). */
  private suspects = new Set<string>();
  private closing: Promise<void> | null = null;
  /** Segments this worker finished, by outcome (for logs and tests). */
  readonly outcomes: Record<SegmentOutcome, number> = { completed: 0, paused: 0, failed: 0, skipped: 0, "lost-lease": 0, cancelled: 0 };

  private constructor(
    private readonly options: RunWorkerOptions,
    private readonly signals: Signals,
    private readonly queue: SegmentQueue,
    private worker: SegmentWorkerHandle | null,
  ) {}

  static async start(options: RunWorkerOptions): Promise<RunWorker> {
    const { settings } = options;
    const log = options.log ?? silent;
    const signals = openSignals(settings);
    const queue = openQueue(settings);
    await Promise.all([signals.ready(), queue.waitUntilReady()]);
    if (settings.globalConcurrency !== null) await queue.setGlobalConcurrency(settings.globalConcurrency);
    const self = new RunWorker(options, signals, queue, null);
    const runner = new SegmentRunner(options.store, options.policy, (signal) => signals.notify(signal));
    signals.onCancel((runId) => self.active.get(runId)?.abort("cancelled"));
    const worker = openWorker(settings, async (job) => {
      const controller = new AbortController();
      self.active.set(job.data.runId, controller);
      try {
        const outcome = await runner.run(job.data, controller.signal);
        self.outcomes[outcome]++;
        if (outcome === "lost-lease") log.info("lost the run's lease to another worker; wrote nothing more", { runId: job.data.runId });
        return outcome;
      } finally {
        if (self.active.get(job.data.runId) === controller) self.active.delete(job.data.runId);
      }
    });
    worker.on("error", (err) => log.error("queue error", { err: err.message }));
    worker.on("failed", (job, err) => log.error("segment failed", { runId: job?.data.runId, err: err.message }));
    await worker.waitUntilReady();
    self.worker = worker;
    self.reconcileTimer = setInterval(() => void self.reconcile().catch((err: unknown) => log.error("reconcile failed", { err: (err as Error).message })), settings.reconcileIntervalMs);
    self.reconcileTimer.unref();
    return self;
  }

  /** Segments running in this worker now. */
  get running(): number {
    return this.active.size;
  }

  /** Submits runs that are "running" in the database with no job, two passes in a row (a fresh run's job may be on its way). */
  async reconcile(): Promise<string[]> {
    const { store, settings } = this.options;
    const rows = await store.runningRunIds({ limit: 5000 });
    const jobless: string[] = [];
    for (const id of rows) if (!this.active.has(id) && (await this.queue.getDeduplicationJobId(id)) === null) jobless.push(id);
    // Read the status again after looking for the job: a run's final status is committed before its
    // job completes, so one still "running" now with no job a moment ago really has none.
    const still = jobless.length ? await store.runningRunIds({ limit: jobless.length, among: jobless }) : [];
    const orphans = new Set(still);
    const submitted: string[] = [];
    for (const id of orphans)
      if (this.suspects.has(id)) {
        await this.queue.add("segment", { runId: id }, segmentJobOptions(settings, id));
        submitted.push(id);
      }
    this.suspects = new Set([...orphans].filter((id) => !submitted.includes(id)));
    if (submitted.length) (this.options.log ?? silent).info("resubmitted running runs that had no job", { runs: submitted.length });
    return submitted;
  }

  /**
   * Graceful shutdown: takes no new segment, lets the running ones finish (at most `shutdownGraceMs`;
   * after that their jobs' locks lapse and other workers take them over, fenced), then disconnects.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.reconcileTimer) clearInterval(this.reconcileTimer);
      const worker = this.worker;
      if (worker) {
        let timer: NodeJS.Timeout | undefined;
        const graceful = worker.close();
        const expired = new Promise<"expired">((resolve) => (timer = setTimeout(() => resolve("expired"), this.options.settings.shutdownGraceMs)));
        const how = await Promise.race([graceful.then(() => "done" as const), expired]);
        clearTimeout(timer);
        if (how === "expired") await worker.close(true).catch(() => undefined);
      }
      await Promise.allSettled([this.signals.close(), this.queue.close()]);
    })();
    return this.closing;
  }
}
