// Runs execute on a few worker threads, never on the API's event loop: a run that computes for
// seconds (a long loop, a heavy CEL expression, a huge state) delays only the runs sharing its thread,
// and /api/health keeps answering. node:worker_threads directly rather than a pool library (piscina):
// a job here is a conversation — live events out, a stop request in, several runs interleaved on one
// thread — and the limits end a thread from outside, which task pools do not model.
//
// Limits, enforced by ending the thread (`worker.terminate()`):
// - blocked: a thread whose heartbeat has not moved for `blockMs` (one step keeps its event loop busy);
// - memory: a thread over its V8 heap limit (`memoryMb`, resourceLimits) is ended by Node.
// Which run did it is unknown on a shared thread, so its runs continue each on a thread of its own
// (exact-step resume from their last commit); on a run's own thread the run is the cause and fails
// with an error naming the limit and the setting that raises it.
import { Worker } from "node:worker_threads";
import type { ErrorInfo, FlowEvent } from "@crewflow/runtime";
import type { FromThread, StopReason, ThreadJob, ThreadResult, ThreadSettings, ToThread } from "./protocol";

export interface ThreadLimits {
  /** Threads shared by runs. */
  threads: number;
  /** How long a step may keep its thread's event loop busy. */
  blockMs: number;
  /** V8 heap of one thread, in MB. */
  memoryMb: number;
}

/** Where a job's run reports to. */
export interface JobSink {
  signal: AbortSignal;
  created(runId: string): void;
  live(event: FlowEvent): void;
  committed(events: readonly FlowEvent[]): void;
}

interface Pending {
  id: number;
  job: ThreadJob;
  sink: JobSink;
  runId: string | null;
  resolve(result: ThreadResult): void;
  unlisten(): void;
}

interface Thread {
  worker: Worker;
  /** Runs only the job it was made for (after its shared thread was ended). */
  solo: boolean;
  jobs: Map<number, Pending>;
  beat: Int32Array;
  lastBeat: number;
  lastChange: number;
  /** Why this pool ended the thread (or Node did, for memory). */
  ended: "blocked" | "memory" | "recycled" | null;
}

/**
 * Heap (MB) above which a thread that falls idle is replaced, since V8 rarely gives memory back: a
 * fresh thread holds about 20 MB, so a thread left at a run's peak would keep it while nothing runs.
 */
const recycleHeapMb = (memoryMb: number) => Math.min(96, memoryMb / 2);

export class RunThreadsClosedError extends Error {
  override name = "RunThreadsClosedError";
}

export class RunThreads {
  private readonly threads = new Set<Thread>();
  private nextId = 1;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;
  /** Callers of `whenNoThreads` waiting for the last thread to exit. */
  private noThreadsWaiters: (() => void)[] = [];

  constructor(
    private readonly settings: Omit<ThreadSettings, "heartbeat">,
    readonly limits: ThreadLimits,
    private readonly onProblem: (message: string, detail: Record<string, unknown>) => void = () => undefined,
  ) {
    this.watchdog = setInterval(() => this.check(), Math.max(50, Math.min(1000, Math.floor(limits.blockMs / 4))));
    this.watchdog.unref();
  }

  get stats(): { threads: number; jobs: number } {
    let jobs = 0;
    for (const thread of this.threads) jobs += thread.jobs.size;
    return { threads: this.threads.size, jobs };
  }

  /**
   * Resolves once no thread is left (at once when none is): an event to wait on, so that a caller (a
   * test checking that an idle thread was recycled) need not poll `stats`.
   */
  whenNoThreads(): Promise<void> {
    if (this.threads.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.noThreadsWaiters.push(resolve));
  }

  /** Executes a job on a thread; resolves when its run has ended there (never rejects). */
  execute(job: ThreadJob, sink: JobSink, solo = false): Promise<ThreadResult> {
    if (this.closed) return Promise.reject(new RunThreadsClosedError("the server is shutting down"));
    return new Promise<ThreadResult>((resolve) => {
      const thread = solo ? this.spawn(true) : this.pick();
      const id = this.nextId++;
      const stop = () => thread.worker.postMessage({ type: "stop", id, reason: sink.signal.reason as StopReason } satisfies ToThread);
      sink.signal.addEventListener("abort", stop, { once: true });
      const pending: Pending = { id, job, sink, runId: null, resolve, unlisten: () => sink.signal.removeEventListener("abort", stop) };
      thread.jobs.set(id, pending);
      thread.worker.postMessage({ type: "job", id, job } satisfies ToThread);
      if (sink.signal.aborted) stop();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    await Promise.all([...this.threads].map((thread) => thread.worker.terminate()));
  }

  /** The shared thread with the fewest jobs; a new one while fewer than `threads` exist and all are busy. */
  private pick(): Thread {
    let best: Thread | null = null;
    let shared = 0;
    for (const thread of this.threads) {
      if (thread.solo || thread.ended) continue;
      shared++;
      if (!best || thread.jobs.size < best.jobs.size) best = thread;
    }
    if (best && (best.jobs.size === 0 || shared >= this.limits.threads)) return best;
    return this.spawn(false);
  }

  private spawn(solo: boolean): Thread {
    const heartbeat = new SharedArrayBuffer(8);
    const worker = new Worker(new URL("./entry.mjs", import.meta.url), {
      workerData: { ...this.settings, heartbeat } satisfies ThreadSettings,
      // A small young generation: the process-wide --max-semi-space-size=32 suits the API thread, not 2+ more heaps.
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryMb, maxYoungGenerationSizeMb: 16 },
      env: process.env,
    });
    worker.unref();
    const thread: Thread = { worker, solo, jobs: new Map(), beat: new Int32Array(heartbeat), lastBeat: 0, lastChange: Date.now(), ended: null };
    this.threads.add(thread);
    worker.on("message", (message: FromThread) => this.receive(thread, message));
    worker.on("error", (err: Error & { code?: string }) => {
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") thread.ended ??= "memory";
      else this.onProblem("a run thread failed", { err: { type: err.name, message: err.message } });
    });
    worker.on("exit", () => this.exited(thread));
    return thread;
  }

  private receive(thread: Thread, message: FromThread): void {
    const pending = thread.jobs.get(message.id);
    if (!pending) return;
    try {
      switch (message.type) {
        case "created":
          pending.runId = message.runId;
          pending.sink.created(message.runId);
          break;
        case "live":
          pending.sink.live(message.event);
          break;
        case "committed":
          pending.sink.committed(message.events);
          break;
        case "done":
          thread.jobs.delete(message.id);
          pending.unlisten();
          pending.resolve(message.result);
          if (thread.solo) void thread.worker.terminate();
          else if (thread.jobs.size === 0 && message.heapMb > recycleHeapMb(this.limits.memoryMb)) {
            // Idle and grown large: the next run starts a fresh thread.
            thread.ended = "recycled";
            void thread.worker.terminate();
          }
          break;
      }
    } catch (err) {
      this.onProblem("a run's report could not be delivered", { runId: pending.runId, err: err instanceof Error ? { type: err.name, message: err.message } : String(err) });
    }
  }

  /** Ends a thread whose heartbeat stopped for `blockMs`. */
  private check(): void {
    const now = Date.now();
    for (const thread of this.threads) {
      const beat = Atomics.load(thread.beat, 0);
      if (beat !== thread.lastBeat) {
        thread.lastBeat = beat;
        thread.lastChange = now;
      } else if (!thread.ended && thread.jobs.size > 0 && now - thread.lastChange > this.limits.blockMs) {
        thread.ended = "blocked";
        void this.end(thread);
      }
    }
  }

  /**
   * Ends a blocked thread. A heap near its limit blocks a thread too (V8 collects garbage without end
   * before it gives up): that is reported as the memory limit, which is what the user must raise.
   */
  private async end(thread: Thread): Promise<void> {
    if (Atomics.load(thread.beat, 1) > 0.8 * this.limits.memoryMb) thread.ended = "memory";
    await thread.worker.terminate();
  }

  private exited(thread: Thread): void {
    this.threads.delete(thread);
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    for (const pending of jobs) {
      pending.unlisten();
      if (this.closed || pending.sink.signal.aborted) {
        pending.resolve(failed(pending, { type: "Interrupted", message: "the run's thread was stopped" }));
      } else if (!thread.solo && pending.job.order.kind === "run") {
        // Not known to be the cause: continue alone, from the run's last commit when it has one.
        const job: ThreadJob = pending.runId ? { ...pending.job, order: { kind: "run", request: { kind: "resume", runId: pending.runId } } } : pending.job;
        this.onProblem("a run thread was ended; its runs continue on threads of their own", { runId: pending.runId, reason: thread.ended });
        void this.execute(job, pending.sink, true).then(pending.resolve, (err: unknown) =>
          pending.resolve(failed(pending, { type: "RunThreadsClosedError", message: err instanceof Error ? err.message : String(err) })),
        );
      } else pending.resolve(failed(pending, this.limitError(thread, pending)));
    }
    // After the loop: a job that continues alone has started its own thread by now.
    if (this.threads.size === 0) for (const wake of this.noThreadsWaiters.splice(0)) wake();
  }

  private limitError(thread: Thread, pending: Pending): ErrorInfo {
    if (thread.ended === "blocked")
      return {
        type: "RunLimitError",
        message: `A step kept its thread busy for more than ${fmtSeconds(this.limits.blockMs)} without yielding, so the run was stopped. Raise CREWFLOW_RUN_BLOCK_MS (now ${this.limits.blockMs}) to allow longer computations.`,
      };
    if (thread.ended === "memory")
      return {
        type: "RunLimitError",
        message: `The run used more than ${this.limits.memoryMb} MB of memory, so it was stopped. Raise CREWFLOW_RUN_MEMORY_MB (now ${this.limits.memoryMb}) to allow more.`,
      };
    return { type: "RunThreadError", message: pending.job.order.kind === "replay" ? "The replay's thread stopped; replay the run again." : "The run's thread stopped unexpectedly." };
  }
}

function failed(pending: Pending, error: ErrorInfo): ThreadResult {
  return { status: "failed", runId: pending.runId ?? "", recorded: false, error, replay: null };
}

function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
