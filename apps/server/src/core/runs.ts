// Runs over the API. This is a thin host: it checks the request (the version, the inputs against the
// state schema, the ref policy), hands the run to the executor and answers at once; the run itself is
// @crewflow/host's `runFlow`/`replayRun` on a run thread (threads/pool.ts), never on the API's event
// loop, with crews from @crewflow/crews (the simulated model unless OPENAI_* is set). Reads (steps,
// states, diffs, lineage) are the store's.
import { randomUUID } from "node:crypto";
import type { FlowDefinition } from "@crewflow/definition";
import {
  type ErrorInfo,
  type FlowEvent,
  type FlowOptions,
  type JsonValue,
  type LineageRow,
  type PatchOperation,
  type RunRecord,
  type RunStatus,
  type StepView,
  DEFAULT_LEASE_TTL_MS,
  Flow,
  describeHolder,
  errorInfo,
  leaseHolder,
  sha256,
  type RunStore,
} from "@crewflow/runtime";
import {
  type RunRequest,
  assignmentsToPatch,
  newRunId,
  diffRuns,
  diffSteps,
  forkCheckpoint,
  DiffError,
  PatchError,
  ReplayUnavailable,
} from "@crewflow/host";
import type { BullmqExecutor } from "@crewflow/executor-bullmq";
import { TRPCError } from "@trpc/server";
import { AsyncQueue, type BusMessage, type LiveEvent, type RunEventBus } from "./bus";
import { type Problem, badRequest, conflict, fromLibraryError, notFound, summarize } from "./errors";
import { type AbortReason, type JobState, type RunExecutor, ExecutorClosedError } from "./executor";
import type { FlowService, LoadedVersion } from "./flows";
import { type RefPolicy, checkDefinition } from "./policy";
import { serverFlowOptions, workspaceSourcePath } from "./run-options";
import type { JobSink, RunThreads } from "./threads/pool";
import type { ReplaySummary, ThreadJob, ThreadResult } from "./threads/protocol";

/** What the services log through (Fastify's pino logger fits). */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type RunState = RunStatus | "queued";

export interface PendingView {
  method: string;
  message: string;
  emit: string[] | null;
  output: JsonValue;
  requestedAt: string | null;
}

export type { ReplaySummary };

export interface RunView {
  runId: string;
  status: RunState;
  flowId: string;
  flowName: string;
  version: number;
  versionId: string;
  origin: string;
  inputs: JsonValue;
  output: JsonValue;
  error: { type: string; message: string } | null;
  stateId: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  parentRunId: string | null;
  parentSeq: number | null;
  forkPatch: PatchOperation[] | null;
  replayOf: string | null;
  tokens: { prompt: number; completion: number; total: number };
  llmCalls: number;
  /** The question a paused run waits on. */
  pending: PendingView | null;
  /** How a finished replay compares with its source (kept in memory by this process). */
  replay: ReplaySummary | null;
}

export interface RunListFilter {
  flowId?: string | undefined;
  status?: RunStatus | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** A run in its fork tree, as the API shows it (statuses of runs with a job here are the job's). */
export type LineageNode = LineageRow;

/** A step reference in the API: its number in the step log, or the seq of the event that ended it. */
export type StepAt = { step: number } | { seq: number };

type Loaded = LoadedVersion;

/** At most this many history events travel in one message. */
const HISTORY_BATCH = 500;

export class RunService {
  /** Executor job keys of runs whose job was keyed before the run existed (starts, replays). */
  private readonly jobKeys = new Map<string, string>();
  private readonly replays = new Map<string, ReplaySummary>();
  private readonly probes = new Map<string, { flow: Flow; initial: Flow["state"] }>();
  /** Version ids whose definition built under the current policy (building resolves every ref). */
  private readonly buildable = new Set<string>();
  readonly sourcePath: string;

  constructor(
    private readonly store: RunStore,
    private readonly flows: FlowService,
    private readonly bus: RunEventBus,
    private readonly executor: RunExecutor,
    /** Where runs execute: threads off the API's event loop. */
    private readonly threads: RunThreads,
    private readonly policy: RefPolicy,
    private readonly log: Log,
    /** Scale-out: runs execute on `crewflow worker` processes through BullMQ (replays stay in this process). */
    private readonly remote: BullmqExecutor | null = null,
    /** How long this server's hold on a run lasts without renewal (lease.ts in store-prisma). */
    private readonly leaseTtlMs = DEFAULT_LEASE_TTL_MS,
  ) {
    this.sourcePath = workspaceSourcePath(policy);
  }

  /** This server as the holder of the runs it executes. */
  private readonly holder = leaseHolder("server");
  private recovery: NodeJS.Timeout | undefined;

  /**
   * Recovers orphaned runs now and then every lease period: a run whose process died while this server
   * was up (a CLI, another server) becomes interrupted once its lease lapses.
   */
  startRecovery(): Promise<string[]> {
    if (!this.remote && !this.recovery) {
      this.recovery = setInterval(() => void this.recoverInterrupted().catch((err: unknown) => this.log.error({ err }, "recovering runs failed")), this.leaseTtlMs);
      this.recovery.unref();
    }
    return this.recoverInterrupted();
  }

  stopRecovery(): void {
    clearInterval(this.recovery);
    this.recovery = undefined;
  }

  // ---- checks before a run ----------------------------------------------------------------------

  private baseOptions(definition: FlowDefinition): FlowOptions {
    return serverFlowOptions(this.policy, definition);
  }

  /** The policy (again: the workspace or the configuration may have changed since the save) and a build. */
  private async checkRunnable(loaded: Loaded): Promise<void> {
    const verdict = checkDefinition(loaded.definition, this.policy, true);
    if (verdict.errors.length > 0) throw badRequest(`This server will not run flow '${loaded.flowName}': ${summarize(verdict.errors)}`, verdict.errors);
    if (this.buildable.has(loaded.version.id)) return;
    try {
      await Flow.create(loaded.definition, this.baseOptions(loaded.definition));
    } catch (err) {
      // The workspace's location is the server's business, not the caller's.
      const message = errorInfo(err).message.split(this.policy.workspace).join("<workspace>");
      throw badRequest(`Flow '${loaded.flowName}' cannot be built: ${message}`, [{ path: "", message }]);
    }
    this.buildable.add(loaded.version.id);
  }

  /** A flow with the definition's state and nothing to run: kicking it off validates inputs exactly as a run would. */
  private stateOnly(definition: FlowDefinition): FlowDefinition {
    return { ...definition, methods: {}, persist: null };
  }

  /**
   * One state-only flow per version, reused: building it compiles the state schema, which costs more
   * than the check. Its state and log are reset before each use; the inputs are validated before
   * kickoff's first await, so concurrent checks cannot see each other's state.
   */
  private async probeFor(loaded: Loaded): Promise<{ flow: Flow; initial: Flow["state"] }> {
    const cached = this.probes.get(loaded.version.id);
    if (cached) return cached;
    const flow = await Flow.create(this.stateOnly(loaded.definition), { ...this.baseOptions(loaded.definition), crews: undefined });
    const probe = { flow, initial: structuredClone(flow.state) };
    if (this.probes.size >= 200) this.probes.delete(this.probes.keys().next().value!);
    this.probes.set(loaded.version.id, probe);
    return probe;
  }

  private async checkInputs(loaded: Loaded, inputs: Record<string, JsonValue> | null): Promise<void> {
    const type = loaded.definition.state?.type;
    if (!inputs || Object.keys(inputs).length === 0 || !type || type === "dict") return;
    try {
      const probe = await this.probeFor(loaded);
      probe.flow.state = structuredClone(probe.initial);
      probe.flow.events = [];
      await probe.flow.kickoff({ inputs });
    } catch (err) {
      const info = errorInfo(err);
      throw badRequest(`The inputs do not fit the state of flow '${loaded.flowName}': ${info.message}`, [{ path: "inputs", message: info.message }]);
    }
  }

  // ---- starting jobs ----------------------------------------------------------------------------
  //
  // store-prisma assigns the id of a run it creates, and a queued run would have no id to answer
  // with. So a start with a free slot lets the store's host create the run at once (the API waits
  // for the row, a few ms, never for the run); a start that must queue, and every fork, is recorded by
  // the server itself (`createRun`, the RunStore port) and queued as a `resume`: store-prisma resumes
  // a run with nothing done from its inputs, and a fork from the (patched) snapshot it was forked
  // from. Either way the run exists with its id before the API answers, and a queued run survives a
  // restart (it is then interrupted, and resumable).

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

  private job(loaded: Loaded, order: ThreadJob["order"]): ThreadJob {
    return { order, definition: loaded.definition, text: loaded.text };
  }

  /** The executor's job of a run (a replay's job is keyed before its run exists). */
  private jobState(runId: string) {
    return this.executor.state(this.jobKeys.get(runId) ?? runId);
  }

  /** Records a new run (or fork) as the store's host would, before it is queued. */
  private async record(loaded: Loaded, inputs: JsonValue, lineage: { parentRunId: string; parentSeq: number; patch: PatchOperation[] } | null): Promise<string> {
    const runId = newRunId();
    const record: RunRecord = {
      runId,
      flowName: loaded.flowName,
      definitionPath: this.sourcePath,
      definitionHash: sha256(loaded.text),
      status: "running",
      inputs,
      // A fork's state gets a fresh id (as a fork does); a new run's id comes from its state model.
      stateId: lineage ? randomUUID() : null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      parentRunId: lineage?.parentRunId ?? null,
      parentSeq: lineage?.parentSeq ?? null,
      output: null,
      error: null,
    };
    await this.store.createRun(record, {
      definition: loaded.text,
      origin: lineage ? "fork" : "new",
      forkPatch: lineage?.patch.length ? lineage.patch : null,
    });
    return runId;
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
      state = this.executor.submit({
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

  /** Queues the run's next segment on the workers. */
  private async enqueue(segment: { runId: string; feedback?: string }): Promise<void> {
    try {
      await this.remote!.submit(segment);
    } catch (err) {
      this.log.error({ runId: segment.runId, err: errorInfo(err) }, "could not queue the run");
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "The run queue is unavailable; the run is recorded and will be picked up when it is back." });
    }
  }

  private started(runId: string): RunState {
    return this.jobState(runId) === "running" ? "running" : "queued";
  }

  async start(input: { flowId: string; version?: number | undefined; inputs?: Record<string, JsonValue> | undefined }): Promise<{ runId: string; status: RunState }> {
    const flow = await this.flows.requireActive(input.flowId);
    const loaded = await this.flows.load(flow, input.version);
    await this.checkRunnable(loaded);
    const inputs = input.inputs ?? null;
    await this.checkInputs(loaded, inputs);
    if (this.remote) {
      const runId = await this.record(loaded, inputs, null);
      await this.enqueue({ runId });
      return { runId, status: "queued" };
    }
    // With a free slot the store's host creates the run at once (the call waits for that, not for the
    // run); when the job has to queue, the run is recorded first so it has an id (and survives a restart).
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
        const runId = await this.record(loaded, inputs, null);
        job.name(runId);
        recorded(runId);
      } catch (err) {
        recorded(null);
        throw err;
      }
    }
    let runId: string;
    try {
      runId = await job.known;
    } catch (err) {
      throw fromLibraryError(err);
    }
    return { runId, status: this.started(runId) };
  }

  /** Continues an interrupted, failed or cancelled run from its last step, or answers a paused one. */
  async resume(input: { runId: string; feedback?: string | undefined }): Promise<{ runId: string; status: RunState }> {
    const run = await this.requireRun(input.runId);
    if (this.jobState(run.runId)) throw conflict(`Run ${run.runId} is already ${this.jobState(run.runId)}.`);
    if (run.status === "completed") throw conflict(`Run ${run.runId} has completed; fork it to run it again from a step.`);
    if (run.status === "running") throw conflict(`Run ${run.runId} is running.`);
    const held = await this.store.heldBy(run.runId);
    if (held) throw conflict(`Run ${run.runId} is being executed by ${describeHolder(held.holder)}; resume it once that process has stopped.`);
    if (input.feedback !== undefined && run.status !== "paused") throw conflict(`Run ${run.runId} is ${run.status}, not waiting for feedback.`);
    const loaded = await this.flows.loadVersionId(run.versionId);
    await this.checkRunnable(loaded);
    if (this.remote) {
      // Workers skip ended runs (a stale job must not revive one): an explicit resume of a failed or
      // cancelled run makes it interrupted first, so its segment runs; a cancel after this still wins.
      if (run.status === "failed" || run.status === "cancelled") await this.store.updateRun(run.runId, { status: "interrupted", endedAt: null });
      await this.enqueue({ runId: run.runId, ...(input.feedback !== undefined ? { feedback: input.feedback } : {}) });
      return { runId: run.runId, status: "queued" };
    }
    const request: RunRequest = { kind: "resume", runId: run.runId, ...(input.feedback !== undefined ? { feedback: input.feedback } : {}) };
    this.submit(run.runId, { runId: run.runId, expectFrom: null }, (signal, created, id) =>
      this.threads.execute(this.job(loaded, { kind: "run", request }), this.sink(signal, created, id)),
    );
    return { runId: run.runId, status: this.started(run.runId) };
  }

  /** A new run from the state after a step of another run (optionally patched); completed steps are not run again. */
  async fork(input: {
    runId: string;
    at: StepAt;
    patch?: PatchOperation[] | undefined;
    set?: { path: string; value: JsonValue }[] | undefined;
  }): Promise<{ runId: string; status: RunState; parentRunId: string; parentSeq: number }> {
    const run = await this.requireRun(input.runId);
    const seq = await this.seqOf(run.runId, input.at);
    const loaded = await this.flows.loadVersionId(run.versionId);
    await this.checkRunnable(loaded);
    let patch: PatchOperation[] = input.patch ?? [];
    let checkpoint;
    try {
      if (input.set?.length) patch = [...patch, ...assignmentsToPatch((await forkCheckpoint(this.store, run.runId, seq, patch)).state, input.set)];
      checkpoint = await forkCheckpoint(this.store, run.runId, seq, patch);
    } catch (err) {
      throw fromLibraryError(err);
    }
    // The patched state must satisfy the state schema, as the fork's build will check.
    try {
      await Flow.fromCheckpoint(checkpoint, this.stateOnly(loaded.definition), { ...this.baseOptions(loaded.definition), crews: undefined }, true);
    } catch (err) {
      const info = errorInfo(err);
      throw badRequest(`The patched state does not fit the state of flow '${loaded.flowName}': ${info.message}`, [{ path: "patch", message: info.message }]);
    }
    const runId = await this.record(loaded, null, { parentRunId: run.runId, parentSeq: seq, patch });
    if (this.remote) {
      await this.enqueue({ runId });
      return { runId, status: "queued", parentRunId: run.runId, parentSeq: seq };
    }
    this.submit(runId, { runId, expectFrom: 1 }, (signal, created, id) =>
      this.threads.execute(this.job(loaded, { kind: "run", request: { kind: "resume", runId } }), this.sink(signal, created, id)),
    );
    return { runId, status: this.started(runId), parentRunId: run.runId, parentSeq: seq };
  }

  /**
   * Re-executes a run on its own version, answering every LLM call from its recordings. store-prisma's
   * replay creates the run itself, so the job starts at once (outside the queue) and the call returns
   * as soon as the run exists.
   */
  async replay(input: { runId: string }): Promise<{ runId: string; of: string; status: RunState }> {
    const run = await this.requireRun(input.runId);
    if (this.jobState(run.runId) || run.status === "running") throw conflict(`Run ${run.runId} is still running; replay it once it has ended.`);
    const loaded = await this.flows.loadVersionId(run.versionId);
    await this.checkRunnable(loaded);
    const key = `replay:${randomUUID()}`;
    let replayId: string;
    const { known } = this.submit(key, { runId: null, expectFrom: 1, immediate: true }, (signal, created, id) =>
      this.threads.execute(this.job(loaded, { kind: "replay", of: run.runId }), this.sink(signal, created, id)),
    );
    try {
      replayId = await known;
    } catch (err) {
      throw fromLibraryError(err);
    }
    return { runId: replayId, of: run.runId, status: this.started(replayId) };
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

  /** Stops a queued or running job; a paused or interrupted run is marked cancelled. */
  async cancel(input: { runId: string }): Promise<{ runId: string; status: RunState }> {
    if (this.remote && !this.jobKeys.has(input.runId) && !this.executor.state(input.runId)) {
      const run = await this.requireRun(input.runId);
      if (await this.remote.cancel(run.runId)) return { runId: run.runId, status: "cancelled" };
      throw conflict(`Run ${run.runId} has ended (${(await this.requireRun(run.runId)).status}); there is nothing to cancel.`);
    }
    if (this.executor.cancel(this.jobKeys.get(input.runId) ?? input.runId)) return { runId: input.runId, status: "cancelled" };
    const run = await this.requireRun(input.runId);
    if (run.status === "paused" || run.status === "interrupted") {
      await this.store.updateRun(run.runId, { status: "cancelled", endedAt: new Date().toISOString() });
      return { runId: run.runId, status: "cancelled" };
    }
    throw conflict(`Run ${run.runId} has ended (${run.status}); there is nothing to cancel.`);
  }

  /** On start-up: runs left "running" by a previous process that died are interrupted (resumable). */
  async recoverInterrupted(): Promise<string[]> {
    // Workers own running runs (their reconciler resubmits orphans): an API server restart changes nothing.
    if (this.remote) return [];
    await this.store.flush();
    // Only runs whose executor is gone: a run another live process holds (a CLI, a second server on the
    // same data directory) is left alone.
    const stale = (await this.store.orphanedRuns()).filter((id) => !this.jobState(id));
    for (const id of stale) {
      await this.store.updateRun(id, { status: "interrupted" });
      this.log.warn({ runId: id }, "run was running when its process stopped; marked interrupted (resume it to continue)");
    }
    return stale;
  }

  // ---- reads ------------------------------------------------------------------------------------

  private async requireRun(runId: string): Promise<RunView> {
    const run = await this.find(runId);
    if (!run) throw notFound(`No run '${runId}'.`);
    return run;
  }

  /** A run as the API shows it; null when unknown. */
  async find(runId: string): Promise<RunView | null> {
    const stored = await this.store.getRun(runId);
    if (!stored) return null;
    const job = this.jobState(runId);
    const status: RunState = job === "running" ? "running" : job === "queued" ? "queued" : stored.status;
    return {
      runId: stored.runId,
      status,
      flowId: stored.flowId,
      flowName: stored.flowName,
      version: stored.version,
      versionId: stored.versionId,
      origin: stored.origin,
      inputs: stored.inputs,
      output: stored.output,
      error: stored.error,
      stateId: stored.stateId,
      startedAt: stored.startedAt,
      endedAt: stored.endedAt,
      durationMs: stored.durationMs,
      parentRunId: stored.parentRunId,
      parentSeq: stored.parentSeq,
      forkPatch: stored.forkPatch,
      replayOf: stored.replayOfId,
      tokens: stored.tokens,
      llmCalls: stored.llmCalls,
      pending: status === "paused" && stored.stateId ? await this.pendingOf(stored.stateId) : null,
      replay: this.replays.get(runId) ?? null,
    };
  }

  async get(runId: string): Promise<RunView> {
    const run = await this.find(runId);
    if (!run) throw notFound(`No run '${runId}'.`);
    return run;
  }

  private async pendingOf(stateId: string): Promise<PendingView | null> {
    const row = await this.store.pendingFeedbackOf(stateId);
    return row ? pendingView(row.context, row.createdAt) : null;
  }

  /** Waits (at most `ms`) until the run has no queued or running job. */
  async settle(runId: string, ms: number): Promise<void> {
    if (!this.jobState(runId)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const unsubscribe = this.bus.subscribe(runId, (message) => message.kind === "end" && done());
      function done() {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
      if (!this.jobState(runId)) done();
    });
  }

  async list(filter: RunListFilter): Promise<{ items: RunView[]; nextCursor: string | null }> {
    const { ids, nextCursor } = await this.store.runIdsPage(filter);
    const items = (await Promise.all(ids.map((id) => this.find(id)))).filter((r): r is RunView => r !== null);
    return { items, nextCursor };
  }

  async steps(runId: string): Promise<StepView[]> {
    await this.get(runId);
    return this.store.steps(runId);
  }

  private async seqOf(runId: string, at: StepAt): Promise<number> {
    if ("seq" in at) {
      const step = await this.store.step(runId, { seq: at.seq });
      if (!step) throw notFound(`Run ${runId} has no step ending at seq ${at.seq}.`);
      return step.seq;
    }
    const step = await this.store.step(runId, { number: at.step });
    if (!step) throw notFound(`Run ${runId} has no step #${at.step}.`);
    return step.seq;
  }

  /** The state after a step (the latest step when none is named). */
  async stateAt(runId: string, at: StepAt | null): Promise<{ step: StepView | null; state: JsonValue }> {
    await this.get(runId);
    if (at === null) {
      const steps = await this.store.steps(runId);
      const last = steps.filter((s) => s.state !== null).at(-1) ?? null;
      return { step: last, state: (last?.state ?? null) as JsonValue };
    }
    const step = await this.store.step(runId, "seq" in at ? { seq: at.seq } : { number: at.step });
    if (!step) throw notFound(`Run ${runId} has no step ${"seq" in at ? `ending at seq ${at.seq}` : `#${at.step}`}.`);
    return { step, state: (step.state ?? null) as JsonValue };
  }

  async diffSteps(runId: string, from: StepAt, to: StepAt) {
    await this.get(runId);
    const ref = (at: StepAt) => ("seq" in at ? { seq: at.seq } : { number: at.step });
    try {
      const diff = await diffSteps(this.store, runId, ref(from), ref(to));
      return { from: diff.from, to: diff.to, changed: diff.changed, patch: diff.patch, delta: diff.delta as unknown };
    } catch (err) {
      throw fromLibraryError(err);
    }
  }

  async diffRuns(left: string, right: string) {
    await Promise.all([this.get(left), this.get(right)]);
    try {
      const diff = await diffRuns(this.store, left, right);
      const step = (s: (typeof diff.steps)[number]) => ({
        key: s.key,
        left: s.left,
        right: s.right,
        changed: s.changed,
        outputChanged: s.outputChanged,
        patch: s.patch,
        delta: s.delta as unknown,
      });
      return {
        left: diff.left,
        right: diff.right,
        steps: diff.steps.map(step),
        firstDifference: diff.firstDifference ? step(diff.firstDifference) : null,
        final: { changed: diff.final.changed, patch: diff.final.patch, delta: diff.final.delta as unknown },
      };
    } catch (err) {
      throw fromLibraryError(err);
    }
  }

  /** The fork tree the run belongs to, from its root (forks, checkpoints and restores are children). */
  async lineage(runId: string): Promise<{ runId: string; root: LineageNode }> {
    await this.get(runId);
    const tree = await this.store.lineageTree(runId);
    if (!tree) throw notFound(`No run '${runId}'.`);
    // A run with a job here shows the job's state (queued/running) rather than the row's.
    const withJobs = (row: LineageRow): LineageNode => ({ ...row, status: this.jobState(row.runId) ?? row.status, children: row.children.map(withJobs) });
    return { runId, root: withJobs(tree) };
  }

  /** Paused runs and what they wait for. */
  async pending(filter: { flowId?: string | undefined }): Promise<(PendingView & { runId: string; flowId: string; flowName: string })[]> {
    const paused = await this.store.pausedRuns({ flowId: filter.flowId, limit: 500 });
    return paused.flatMap((run) =>
      this.jobState(run.runId) ? [] : [{ runId: run.runId, flowId: run.flowId, flowName: run.flowName, ...pendingView(run.context, run.createdAt) }],
    );
  }

  async submitFeedback(input: { runId: string; feedback: string }): Promise<{ runId: string; status: RunState }> {
    const run = await this.requireRun(input.runId);
    if (run.status !== "paused" || this.jobState(run.runId)) throw conflict(`Run ${run.runId} is not waiting for feedback (it is ${run.status}).`);
    return this.resume({ runId: run.runId, feedback: input.feedback });
  }

  // ---- live events ------------------------------------------------------------------------------

  /** Method starts and streamed tokens of the run's current job, before they are committed (see `liveEvents`). */
  live(runId: string, signal?: AbortSignal): AsyncGenerator<LiveEvent[], void, undefined> {
    return liveEvents(this.bus, runId, signal);
  }

  /**
   * The run's events after seq `after`, in batches (the store commits a method's events together, so
   * they travel together): the history first (from memory when this process ran the run, else from
   * the store), then live batches until the job ends. Deduplicated by seq, so a reconnecting reader
   * that says where it stopped gets no gap and no repeat.
   */
  async *events(runId: string, after: number, signal?: AbortSignal): AsyncGenerator<FlowEvent[], void, undefined> {
    if (this.remote && !this.bus.isOpen(runId) && !this.bus.ended(runId)) {
      if (!(await this.store.getRun(runId))) throw notFound(`No run '${runId}'.`);
      yield* this.remote.feed.follow(runId, after, signal);
      return;
    }
    const queue = new AsyncQueue<BusMessage>();
    const unsubscribe = this.bus.subscribe(runId, (message) => queue.push(message));
    const onAbort = () => queue.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    let last = after;
    /** The events after `last` (below `before`), in batches of at most HISTORY_BATCH; advances `last`. */
    const fresh = function* (events: readonly FlowEvent[], before = Number.POSITIVE_INFINITY): Generator<FlowEvent[]> {
      let batch: FlowEvent[] = [];
      for (const event of events) {
        if (event.seq >= before) break;
        if (event.seq <= last) continue;
        batch.push(event);
        last = event.seq;
        if (batch.length === HISTORY_BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    };
    try {
      const live = this.bus.snapshot(runId);
      const ended = live ? null : this.bus.ended(runId);
      if (ended) {
        yield* fresh(ended);
        return;
      }
      if (!live && !(await this.store.getRun(runId))) throw notFound(`No run '${runId}'.`);
      const tailStart = live ? (live.tail[0]?.seq ?? live.expectFrom) : null;
      if (tailStart === null || tailStart > last + 1) yield* fresh(await this.store.events(runId, undefined, last), tailStart ?? undefined);
      if (!live) return;
      yield* fresh(live.tail);
      for (;;) {
        const message = await queue.next();
        if (message === null || message.kind === "end") return;
        yield* fresh(message.events);
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      unsubscribe();
      queue.close();
    }
  }
}

/**
 * What the run's current job does before it commits (method starts, streamed tokens), in batches,
 * until the job ends: first what is uncommitted now, then each as it happens; nothing when no job of
 * the run is queued or running. Not resumable: the committed log (`events`) has every one of these
 * once the method ends.
 */
/** A library error reported across a thread, as the class the API maps to an answer (errors.ts). */
function libraryError(info: ErrorInfo): Error {
  const make = { ReplayUnavailable, PatchError, DiffError }[info.type];
  const err = make ? new make(info.message) : new Error(info.message);
  if (!make) err.name = info.type;
  return err;
}

export async function* liveEvents(bus: RunEventBus, runId: string, signal?: AbortSignal): AsyncGenerator<LiveEvent[], void, undefined> {
  if (!bus.isOpen(runId)) return;
  const queue = new AsyncQueue<LiveEvent | null>();
  const unsubscribe = bus.subscribeLive(runId, (event) => (event ? queue.push(event) : queue.close()));
  const onAbort = () => queue.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    // A late subscriber first gets what runs now (starts and tokens not committed yet).
    const current = bus.uncommitted(runId);
    let last = current.at(-1)?.seq ?? 0;
    if (current.length > 0) yield [...current];
    for (;;) {
      const first = await queue.next();
      if (first === null) return;
      // Tokens come fast: send what has queued up together.
      const batch = [first, ...queue.drain()].filter((e): e is LiveEvent => e !== null && e.seq > last);
      if (batch.length === 0) continue;
      last = batch.at(-1)!.seq;
      yield batch;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    unsubscribe();
    queue.close();
  }
}

function pendingView(context: unknown, createdAt: Date): PendingView {
  const c = (context ?? {}) as Record<string, unknown>;
  return {
    method: typeof c.method_name === "string" ? c.method_name : "",
    message: typeof c.message === "string" ? c.message : "",
    emit: Array.isArray(c.emit) ? c.emit.filter((e): e is string => typeof e === "string") : null,
    output: (c.method_output ?? null) as JsonValue,
    requestedAt: typeof c.requested_at === "string" ? c.requested_at : createdAt.toISOString(),
  };
}

export type { Problem };
