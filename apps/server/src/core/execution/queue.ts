// The in-process executor's job queue: `submit` never waits for the run (the API answers as soon as
// the job is queued); at most `concurrency` jobs run at once, the rest wait in FIFO order.

export type JobState = "queued" | "running";

/** Why a job's signal was aborted. */
export type AbortReason = "cancelled" | "shutdown";

export interface RunJob {
  /** The run the job creates or continues. */
  runId: string;
  /** Starts at once even when `concurrency` jobs run (a job whose caller waits for it to begin). */
  immediate?: boolean;
  /** Executes the job; `signal` aborts when the job is cancelled or the executor closes. */
  run(signal: AbortSignal): Promise<void>;
  /** Called instead of `run` when the job is cancelled (or the executor closes) before it started. */
  dropped?(reason: AbortReason): void;
}

export class ExecutorClosedError extends Error {
  override name = "ExecutorClosedError";
}

export class JobExistsError extends Error {
  override name = "JobExistsError";
}

interface Entry {
  job: RunJob;
  controller: AbortController;
  state: JobState;
  done?: Promise<void>;
}

export class JobQueue {
  private readonly jobs = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private running = 0;
  private closed = false;

  constructor(
    private readonly concurrency: number,
    /** Receives a job's unexpected failure (jobs record their own run failures). */
    private readonly onError: (runId: string, err: unknown) => void = () => undefined,
  ) {}

  get stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /** Queues a job (a run id has at most one job at a time); says whether it started at once. */
  submit(job: RunJob): JobState {
    if (this.closed) throw new ExecutorClosedError("the server is shutting down");
    if (this.jobs.has(job.runId)) throw new JobExistsError(`run ${job.runId} already has a job`);
    const entry: Entry = { job, controller: new AbortController(), state: "queued" };
    this.jobs.set(job.runId, entry);
    if (job.immediate) this.begin(entry);
    else {
      this.queue.push(entry);
      this.pump();
    }
    return entry.state;
  }

  /** Cancels the run's queued or running job; false when it has none. */
  cancel(runId: string): boolean {
    const entry = this.jobs.get(runId);
    if (!entry) return false;
    if (entry.state === "queued") {
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.jobs.delete(runId);
      entry.job.dropped?.("cancelled");
    } else entry.controller.abort("cancelled" satisfies AbortReason);
    return true;
  }

  /** Whether the run has a job, and whether it is running yet. */
  state(runId: string): JobState | null {
    return this.jobs.get(runId)?.state ?? null;
  }

  /** Stops accepting jobs, drops queued ones, aborts running ones and waits for them to settle. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.queue.splice(0)) {
      this.jobs.delete(entry.job.runId);
      entry.job.dropped?.("shutdown");
    }
    const running = [...this.jobs.values()];
    for (const entry of running) entry.controller.abort("shutdown" satisfies AbortReason);
    await Promise.all(running.map((entry) => entry.done));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) this.begin(this.queue.shift()!);
  }

  private begin(entry: Entry): void {
    entry.state = "running";
    this.running++;
    entry.done = this.execute(entry);
  }

  private async execute(entry: Entry): Promise<void> {
    try {
      await entry.job.run(entry.controller.signal);
    } catch (err) {
      this.onError(entry.job.runId, err);
    } finally {
      this.running--;
      this.jobs.delete(entry.job.runId);
      if (!this.closed) this.pump();
    }
  }
}
