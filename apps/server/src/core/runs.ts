// Runs over the API: validation and read models. It checks the request (the version, the inputs
// against the state schema, the ref policy, who holds the run), hands the run to the executor port
// (execution/port.ts: this server's run threads, or `crewflow worker` processes) and answers at once.
// Reads (steps, states, diffs, lineage, events) are the store's, with the live status of a job here.
import { randomUUID } from "node:crypto";
import type { FlowDefinition } from "@crewflow/definition";
import {
  type FlowEvent,
  type FlowOptions,
  type JsonValue,
  type LineageRow,
  type PatchOperation,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type StepView,
  Flow,
  describeHolder,
  errorInfo,
  sha256,
} from "@crewflow/runtime";
import { assignmentsToPatch, diffRuns, diffSteps, forkCheckpoint, newRunId } from "@crewflow/host";
import { AsyncQueue, type BusMessage, type LiveEvent, type RunEventBus } from "./bus";
import { type Problem, badRequest, conflict, fromLibraryError, notFound, summarize } from "./errors";
import type { RunExecution } from "./execution/port";
import type { FlowService, LoadedVersion } from "./flows";
import { type RefPolicy, checkDefinition } from "./policy";
import { serverFlowOptions, workspaceSourcePath } from "./run-options";
import type { ReplaySummary } from "./threads/protocol";

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
  private readonly probes = new Map<string, { flow: Flow; initial: Flow["state"] }>();
  /** Version ids whose definition built under the current policy (building resolves every ref). */
  private readonly buildable = new Set<string>();
  readonly sourcePath: string;

  constructor(
    private readonly store: RunStore,
    private readonly flows: FlowService,
    private readonly bus: RunEventBus,
    /** Where runs execute (this server's threads, or workers through BullMQ). */
    private readonly execution: RunExecution,
    private readonly policy: RefPolicy,
  ) {
    this.sourcePath = workspaceSourcePath(policy);
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

  // ---- runs ------------------------------------------------------------------------------------

  /** The job this process has for the run, if any. */
  private jobState(runId: string) {
    return this.execution.state(runId);
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

  private started(runId: string): RunState {
    return this.jobState(runId) === "running" ? "running" : "queued";
  }

  async start(input: { flowId: string; version?: number | undefined; inputs?: Record<string, JsonValue> | undefined }): Promise<{ runId: string; status: RunState }> {
    const flow = await this.flows.requireActive(input.flowId);
    const loaded = await this.flows.load(flow, input.version);
    await this.checkRunnable(loaded);
    const inputs = input.inputs ?? null;
    await this.checkInputs(loaded, inputs);
    let runId: string;
    try {
      runId = await this.execution.start(loaded, inputs, () => this.record(loaded, inputs, null));
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
    await this.execution.resume(loaded, { runId: run.runId, status: run.status === "queued" ? "interrupted" : run.status }, input.feedback);
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
    await this.execution.resume(loaded, { runId, status: "new" });
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
    let replayId: string;
    try {
      replayId = await this.execution.replay(loaded, run.runId);
    } catch (err) {
      throw fromLibraryError(err);
    }
    return { runId: replayId, of: run.runId, status: this.started(replayId) };
  }

  /** Stops a queued or running job; a paused or interrupted run is marked cancelled. */
  async cancel(input: { runId: string }): Promise<{ runId: string; status: RunState }> {
    if (await this.execution.cancel(input.runId)) return { runId: input.runId, status: "cancelled" };
    const run = await this.requireRun(input.runId);
    if (run.status === "paused" || run.status === "interrupted") {
      await this.store.updateRun(run.runId, { status: "cancelled", endedAt: new Date().toISOString() });
      return { runId: run.runId, status: "cancelled" };
    }
    throw conflict(`Run ${run.runId} has ended (${run.status}); there is nothing to cancel.`);
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
      replay: this.execution.replaySummary(runId),
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

  /** One page of paused runs and what they wait for, oldest first (a run resuming here is left out). */
  async pending(filter: {
    flowId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  }): Promise<{ items: (PendingView & { runId: string; flowId: string; flowName: string })[]; nextCursor: string | null }> {
    const paused = await this.store.pausedRunsPage(filter);
    const items = paused.items.flatMap((run) =>
      this.jobState(run.runId) ? [] : [{ runId: run.runId, flowId: run.flowId, flowName: run.flowName, ...pendingView(run.context, run.createdAt) }],
    );
    return { items, nextCursor: paused.nextCursor };
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
    const elsewhere = this.execution.follow(runId, after, signal);
    if (elsewhere) {
      if (!(await this.store.getRun(runId))) throw notFound(`No run '${runId}'.`);
      yield* elsewhere;
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
