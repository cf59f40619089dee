// The scale-out executor: runs execute on `crewflow worker` processes through BullMQ. This server
// records a run and queues a segment ({runId, feedback}); whichever worker takes it rebuilds the run
// from the database. Workers own running runs (their reconciler resubmits orphans), so this server
// recovers nothing. Replays stay on this server (`local`): they answer every model call from the
// source run's recordings, which costs no worker time.
import type { BullmqExecutor } from "@crewflow/executor-bullmq";
import { type FlowEvent, type JsonValue, type RunStore, errorInfo } from "@crewflow/runtime";
import { TRPCError } from "@trpc/server";
import type { RunEventBus } from "../bus";
import type { LoadedVersion } from "../flows";
import type { Log } from "../runs";
import type { ReplaySummary } from "../threads/protocol";
import type { InProcessExecution } from "./in-process";
import type { JobState, RunExecution, RunToContinue } from "./port";

export class WorkerExecution implements RunExecution {
  constructor(
    private readonly store: RunStore,
    private readonly bus: RunEventBus,
    private readonly remote: BullmqExecutor,
    private readonly local: InProcessExecution,
    private readonly log: Log,
  ) {}

  state(runId: string): JobState | null {
    return this.local.state(runId);
  }

  replaySummary(runId: string): ReplaySummary | null {
    return this.local.replaySummary(runId);
  }

  follow(runId: string, after: number, signal?: AbortSignal): AsyncGenerator<FlowEvent[], void, undefined> | null {
    if (this.bus.isOpen(runId) || this.bus.ended(runId)) return null;
    return this.remote.feed.follow(runId, after, signal);
  }

  async start(_loaded: LoadedVersion, _inputs: Record<string, JsonValue> | null, record: () => Promise<string>): Promise<string> {
    const runId = await record();
    await this.enqueue({ runId });
    return runId;
  }

  async resume(_loaded: LoadedVersion, run: RunToContinue, feedback?: string): Promise<void> {
    // Workers skip ended runs (a stale job must not revive one): an explicit resume of a failed or
    // cancelled run makes it interrupted first, so its segment runs; a cancel after this still wins.
    if (run.status === "failed" || run.status === "cancelled") await this.store.updateRun(run.runId, { status: "interrupted", endedAt: null });
    await this.enqueue({ runId: run.runId, ...(feedback !== undefined ? { feedback } : {}) });
  }

  replay(loaded: LoadedVersion, of: string): Promise<string> {
    return this.local.replay(loaded, of);
  }

  async cancel(runId: string): Promise<boolean> {
    if (this.local.state(runId)) return this.local.cancel(runId);
    return this.remote.cancel(runId);
  }

  async open(): Promise<string[]> {
    return [];
  }

  async recover(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.remote.close();
  }

  /** Queues the run's next segment on the workers. */
  private async enqueue(segment: { runId: string; feedback?: string }): Promise<void> {
    try {
      await this.remote.submit(segment);
    } catch (err) {
      this.log.error({ runId: segment.runId, err: errorInfo(err) }, "could not queue the run");
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "The run queue is unavailable; the run is recorded and will be picked up when it is back." });
    }
  }
}
