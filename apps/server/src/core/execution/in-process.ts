// The in-process executor: runs execute on this server's run threads (threads/pool.ts), never on the
// API's event loop, at most `maxConcurrentRuns` at once (queue.ts). Each run's events go to the bus
// (live ones before their commit). It owns what the store records when a job ends here without the
// host recording it (a build failure, a thread a limit ended, a cancel), and it recovers runs whose
// process died once their lease has lapsed.
import { type RunRequest, DiffError, PatchError, ReplayUnavailable } from "@crewflow/host";
import { type ErrorInfo, type JsonValue, type RunStore, DEFAULT_LEASE_TTL_MS, errorInfo, leaseHolder } from "@crewflow/runtime";
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import type { RunEventBus } from "../bus";
import { conflict } from "../errors";
import type { LoadedVersion } from "../flows";
import type { Log } from "../runs";
import type { JobSink, RunThreads } from "../threads/pool";
import type { ReplaySummary, ThreadJob, ThreadResult } from "../threads/protocol";
import type { RunExecution, RunToContinue } from "./port";
import { type AbortReason, type JobQueue, type JobState, ExecutorClosedError } from "./queue";

export class InProcessExecution implements RunExecution {
  /** Job keys of runs whose job was keyed before the run existed (starts, replays). */
  private readonly jobKeys = new Map<string, string>();
  private readonly replays = new Map<string, ReplaySummary>();
  /** This server as the holder of the runs it executes. */
  private readonly holder = leaseHolder("server");
  private recovery: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly bus: RunEventBus,
    private readonly queue: JobQueue,
    private readonly threads: RunThreads,
    private readonly log: Log,
    /** How long this server's hold on a run lasts without renewal. */
    private readonly leaseTtlMs = DEFAULT_LEASE_TTL_MS,
  ) {}

  state(runId: string): JobState | null {
    return this.queue.state(this.jobKeys.get(runId) ?? runId);
  }

  replaySummary(runId: string): ReplaySummary | null {
    return this.replays.get(runId) ?? null;
  }

  follow(): null {
    return null;
  }

  // The store's host assigns the id of a run it creates, and a queued run would have no id to answer
  // with. So a start with a free slot lets the host create the run at once (the API waits for the
  // row, a few ms, never for the run); a start that must queue is recorded first (`record`) and
  // queued as a `resume`: the host resumes a run with nothing done from its inputs. Either way the
  // run exists with its id before the API answers, and a queued run survives a restart (it is then
  // interrupted, and resumable).
  async start(loaded: LoadedVersion, inputs: Record<string, JsonValue> | null, record: () => Promise<string>): Promise<string> {
    let recorded: (runId: string | null) => void = () => undefined;
    const decided = new Promise<string | null>((resolve) => (recorded = resolve));
    const job = this.submit(`start:${randomUUID()}`, { runId: null, expectFrom: 1 }, async (signal, created, id) => {
      const queuedRun = await decided;
      if (signal.aborted) return { status: "failed", runId: queuedRun ?? "", recorded: false, error: { type: "Cancelled", message: "cancelled before it started" }, replay: null };
      const request: RunRequest = queuedRun ? { kind: "resume", runId: queuedRun } : { kind: "new", inputs };
      return this.threads.execute(this.job(loaded, { kind: "run", request }), this.sink(signal, created, id));
    });
    if (job.state === "running") recorded(null);
    else {
      try {
        const runId = await record();
        job.name(runId);
        recorded(runId);
      } catch (err) {
        recorded(null);
        throw err;
      }
    }
    return job.known;
  }

  async resume(loaded: LoadedVersion, run: RunToContinue, feedback?: string): Promise<void> {
    const request: RunRequest = { kind: "resume", runId: run.runId, ...(feedback !== undefined ? { feedback } : {}) };
    // A new fork's events start at 1; a resumed run's continue after what the store has.
    this.submit(run.runId, { runId: run.runId, expectFrom: run.status === "new" ? 1 : null }, (signal, created, id) =>
      this.threads.execute(this.job(loaded, { kind: "run", request }), this.sink(signal, created, id)),
    );
  }

  /** The replay creates its run itself, so the job starts at once (outside the queue). */
  async replay(loaded: LoadedVersion, of: string): Promise<string> {
    const { known } = this.submit(`replay:${randomUUID()}`, { runId: null, expectFrom: 1, immediate: true }, (signal, created, id) =>
      this.threads.execute(this.job(loaded, { kind: "replay", of }), this.sink(signal, created, id)),
    );
    return known;
  }

  async cancel(runId: string): Promise<boolean> {
    return this.queue.cancel(this.jobKeys.get(runId) ?? runId);
  }

  /**
   * Recovers orphaned runs now and then every lease period: a run whose process died while this server
   * was up (a CLI, another server) becomes interrupted once its lease lapses.
   */
  open(): Promise<string[]> {
    if (!this.recovery) {
      this.recovery = setInterval(() => void this.recover().catch((err: unknown) => this.log.error({ err }, "recovering runs failed")), this.leaseTtlMs);
      this.recovery.unref();
    }
    return this.recover();
  }

  async recover(): Promise<string[]> {
    await this.store.flush();
    // Only runs whose executor is gone: a run another live process holds (a CLI, a second server on the
    // same data directory) is left alone.
    const stale = (await this.store.orphanedRuns()).filter((id) => !this.state(id));
    for (const id of stale) {
      await this.store.updateRun(id, { status: "interrupted" });
      this.log.warn({ runId: id }, "run was running when its process stopped; marked interrupted (resume it to continue)");
    }
    return stale;
  }

  async close(): Promise<void> {
    clearInterval(this.recovery);
    this.recovery = undefined;
    await this.queue.close();
  }

  // ---- jobs -------------------------------------------------------------------------------------

  private job(loaded: LoadedVersion, order: ThreadJob["order"]): ThreadJob {
    return { order, definition: loaded.definition, text: loaded.text };
  }

  /** Where a job's run reports: its events go to the bus (live ones before their commit). */
  private sink(signal: AbortSignal, created: (runId: string) => void, runId: () => string): JobSink {
    return {
      signal,
      created,
      live: (event) => {
        if (event.type === "method_execution_started")
          this.bus.publishLive(runId(), { type: "started", seq: event.seq, method: event.method, execution: event.execution });
        else if (event.type === "llm_stream")
          this.bus.publishLive(runId(), { type: "token", seq: event.seq, method: event.method, execution: event.execution, delta: event.delta });
        else if (event.type === "llm_waiting")
          this.bus.publishLive(runId(), { type: "waiting", seq: event.seq, method: event.method, execution: event.execution, seconds: event.seconds });
      },
      committed: (events) => this.bus.publish(runId(), events),
    };
  }

  /**
   * Queues a job. Its events reach subscribers through the bus; when it ends, the run's row says how
   * (a cancelled or stopped job, a run that could not even be built). With `runId` null the job's
   * run is created when it starts; `created` names it.
   */
  private submit(
    key: string,
    options: { runId: string | null; expectFrom: number | null; immediate?: boolean },
    work: (signal: AbortSignal, created: (runId: string) => void, runId: () => string) => Promise<ThreadResult>,
  ): { state: JobState; known: Promise<string>; name(runId: string): void } {
    let runId: string | null = null;
    let announce!: (runId: string) => void;
    let refuse!: (err: unknown) => void;
    const known = new Promise<string>((resolve, reject) => ((announce = resolve), (refuse = reject)));
    known.catch(() => undefined); // a caller that does not wait must not leave it unhandled
    let finished = false;
    const created = (id: string) => {
      if (runId === null) {
        runId = id;
        if (id !== key) this.jobKeys.set(id, key);
        this.bus.open(id, options.expectFrom);
      }
      announce(id);
    };
    if (options.runId !== null) created(options.runId);
    const finish = () => {
      finished = true;
      if (runId !== null) {
        this.bus.end(runId);
        this.jobKeys.delete(runId);
      }
    };
    const stopped = async (reason: AbortReason) => {
      if (runId === null) return;
      await this.store.updateRun(runId, { status: reason === "shutdown" ? "interrupted" : "cancelled", endedAt: new Date().toISOString() });
      this.log.info({ runId, reason }, "run stopped");
    };
    let state: JobState;
    try {
      state = this.queue.submit({
        runId: key,
        ...(options.immediate ? { immediate: true } : {}),
        run: async (signal) => {
          let result: ThreadResult;
          try {
            result = await work(signal, created, () => runId ?? key);
          } catch (err) {
            result = { status: "failed", runId: runId ?? "", recorded: false, error: errorInfo(err), replay: null };
          }
          if (result.replay && runId !== null) this.remember(runId, result.replay);
          try {
            const reason = signal.aborted ? (signal.reason as AbortReason) : null;
            if (runId === null) refuse(libraryError(result.error ?? { type: "Error", message: "the run could not start" }));
            else if (reason && result.status !== "completed") await stopped(reason);
            else if (result.status === "failed") {
              const error = result.error ?? { type: "Error", message: "the run failed" };
              // The host did not record the end (the flow did not build, a limit ended its thread):
              // record it here, and let go of the run so it can be resumed at once.
              if (!result.recorded) {
                await this.store.updateRun(runId, { status: "failed", error, endedAt: new Date().toISOString() });
                await this.letGo(runId);
              }
              this.log.warn({ runId, err: error }, "run failed");
            }
          } catch (err) {
            this.log.error({ runId, err: errorInfo(err) }, "could not record how a run ended");
          } finally {
            finish();
          }
        },
        dropped: (reason) => {
          void stopped(reason)
            .catch((err: unknown) => this.log.error({ runId, err: errorInfo(err) }, "could not record a dropped run"))
            .finally(finish);
        },
      });
    } catch (err) {
      finish();
      if (err instanceof ExecutorClosedError) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: err.message });
      throw conflict(`Run ${runId ?? key} is already queued or running.`);
    }
    return {
      state,
      known,
      /** Names the run of a job that will not create it (recorded by the caller after submitting). */
      name: (id: string) => {
        created(id);
        if (finished) {
          // Dropped before it was named: the recorded run never ran.
          this.bus.end(id);
          this.jobKeys.delete(id);
          void this.store.updateRun(id, { status: "cancelled", endedAt: new Date().toISOString() }).catch(() => undefined);
        }
      },
    };
  }

  private remember(runId: string, summary: ReplaySummary): void {
    if (this.replays.size >= 1000) this.replays.delete(this.replays.keys().next().value!);
    this.replays.set(runId, summary);
  }

  /** Releases this server's lease on a run whose thread ended without releasing it. */
  private async letGo(runId: string): Promise<void> {
    const claim = await this.store.claimRun(runId, this.holder, this.leaseTtlMs);
    if (claim && "lease" in claim) await this.store.releaseLease(runId, claim.lease);
  }
}

/** A library error reported across a thread, as the class the API maps to an answer (errors.ts). */
function libraryError(info: ErrorInfo): Error {
  const make = { ReplayUnavailable, PatchError, DiffError }[info.type];
  const err = make ? new make(info.message) : new Error(info.message);
  if (!make) err.name = info.type;
  return err;
}
