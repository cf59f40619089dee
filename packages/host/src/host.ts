// The run host: executes a flow definition against any RunStore (the runtime's storage port) — a new
// run, a resume by id (interrupted or paused), a fork from any step's snapshot (optionally patched),
// CrewAI's checkpoint restore and restore_from_state_id. It records the run, commits every step through
// the store before the next one starts, holds the run's lease while it executes, stops it when the
// caller's signal aborts, and writes the run's terminal status. The server, the CLI and the scale-out
// worker all drive runs through this, so every run is recorded the same way.
import { randomBytes, randomUUID } from "node:crypto";
import type { FlowDefinition } from "@crewflow/definition";
import {
  type Checkpoint,
  type FlowEvent,
  type FlowOptions,
  type FlowPersistence,
  type JsonValue,
  type PendingFeedbackContext,
  type RunRecord,
  type RunStore,
  type State,
  Cancelled,
  DEFAULT_LEASE_TTL_MS,
  Flow,
  HumanFeedbackPending,
  checkpointFromEvents,
  describeHolder,
  errorInfo,
  type PatchOperation,
  type ResumePoint,
  type RunOrigin,
  type StoredRun,
  leaseHolder,
  pendingPause,
  resumePointFromEvents,
  sha256,
  toJson,
} from "@crewflow/runtime";
import { storeJournal } from "./journal";
import { applyPatch } from "./patch";

export type RunRequest =
  /** A new run; `restoreFromStateId` is CrewAI's restore_from_state_id (hydrate, fresh id, every method runs). */
  | { kind: "new"; inputs?: Record<string, unknown> | null; restoreFromStateId?: string; patch?: PatchOperation[] }
  /** Continue a run by id: answer its pending feedback, or restore its last checkpoint and go on. */
  | { kind: "resume"; runId: string; feedback?: string; inputs?: Record<string, unknown> | null }
  /** A new run from the snapshot after event `seq` of another run: completed steps are skipped, the state gets a fresh id. */
  | { kind: "fork"; runId: string; seq: number; patch?: PatchOperation[]; inputs?: Record<string, unknown> | null }
  /** CrewAI's from_checkpoint: restore the snapshot after `seq` (default: the last step) keeping its state id. */
  | { kind: "checkpoint"; runId: string; seq?: number; inputs?: Record<string, unknown> | null; restoreFromStateId?: string };

export interface HostOptions {
  definition: FlowDefinition;
  /** The definition text (its sha256 is the version's hash). */
  text: string;
  sourcePath: string | null;
  /** Engine options (modules, crews, feedback…); persistence, run id and listeners are set here. */
  flowOptions?: FlowOptions;
  /** Called once the run's row exists (before anything executes). */
  onRunCreated?(runId: string): void;
  /** Called with each batch of events once committed. */
  onCommitted?(events: readonly FlowEvent[]): void;
  /** Extra fields of the run row (a replay's source). */
  replayOf?: string;
  /**
   * The run's lease (`store.acquireLease`), for a scale-out worker: every commit and status change of
   * this call is fenced by it, so once another worker takes the run over nothing more is written.
   */
  lease?: number;
  /**
   * Who executes the run, as its lease holder (the runtime's `leaseHolder`; default `process@host#pid`).
   * Without `lease`, the host takes the run's lease for it, renews it while running and releases it at
   * the end; a run another live process holds is refused with RunHeldError.
   */
  holder?: string;
  leaseTtlMs?: number;
  /**
   * Stops the run from outside. Once it aborts, the running actions see it (their context's signal;
   * wrap the crew runner in the runtime's `cancellableCrewRunner` to drop a model call in flight), no
   * further step starts, and the run ends `cancelled` — or `interrupted` when the abort's reason is
   * "interrupted" (a shutdown: the run is left to be resumed). A run that completes or pauses first
   * keeps that status.
   */
  signal?: AbortSignal;
}

/** How a hosted run ended (what the host wrote as the run's status). */
export type HostStatus = "completed" | "failed" | "paused" | "cancelled" | "interrupted";

export interface HostResult {
  status: HostStatus;
  runId: string;
  flow: Flow | null;
  /** The kickoff/resume result (the final output, or the HumanFeedbackPending). */
  outcome: unknown;
  error: unknown;
}

/**
 * A time-ordered run id (UUID version 7, RFC 9562): runs started together get neighbouring keys, so their
 * rows (keyed by run id and seq) land on the same index pages instead of one random page per run.
 */
export function newRunId(): string {
  const bytes = randomBytes(16);
  const ms = Date.now();
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const TERMINAL_EVENTS: ReadonlySet<FlowEvent["type"]> = new Set(["flow_finished", "flow_failed", "flow_paused"]);

export class HostError extends Error {
  override name = "ValueError";
}

/** The run is being executed by another live process: nothing was done. */
export class RunHeldError extends HostError {
  constructor(
    readonly runId: string,
    readonly holder: string,
    readonly until: number,
  ) {
    super(
      `run ${runId} is being executed by ${describeHolder(holder)} (its lease runs until ${new Date(until).toISOString()}); wait for it to end or stop that process, then resume`,
    );
  }
}

/** Serves one state id's snapshot from a fixed value (a patched restore_from_state_id). */
class OverridingPersistence implements FlowPersistence {
  readonly persistenceType: string;
  constructor(
    private readonly inner: FlowPersistence,
    private readonly stateId: string,
    private readonly state: State,
  ) {
    this.persistenceType = inner.persistenceType;
  }
  saveState(flowUuid: string, methodName: string, state: State) {
    return this.inner.saveState(flowUuid, methodName, state);
  }
  async loadState(flowUuid: string): Promise<State | null> {
    return flowUuid === this.stateId ? structuredClone(this.state) : this.inner.loadState(flowUuid);
  }
  savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State) {
    return this.inner.savePendingFeedback(flowUuid, context, state);
  }
  loadPendingFeedback(flowUuid: string) {
    return this.inner.loadPendingFeedback(flowUuid);
  }
  clearPendingFeedback(flowUuid: string) {
    return this.inner.clearPendingFeedback(flowUuid);
  }
}

/** The snapshot after event `seq` of a run, patched: what a fork starts from. Validation is the state model's (Flow.fromCheckpoint). */
export async function forkCheckpoint(store: RunStore, runId: string, seq: number, patch: readonly PatchOperation[] = []): Promise<Checkpoint> {
  const loaded = await store.loadRun(runId);
  if (!loaded) throw new HostError(`no run '${runId}'`);
  const checkpoint = checkpointFromEvents(loaded.events, seq);
  if (!checkpoint) throw new HostError(`run ${runId} has no state at seq ${seq}`);
  return patch.length ? { ...checkpoint, state: applyPatch(checkpoint.state, patch) } : checkpoint;
}

export async function runFlow(store: RunStore, host: HostOptions, request: RunRequest): Promise<HostResult> {
  // The run's fencing token: the caller's (a worker), or the lease this call takes once the run exists.
  let lease = host.lease;
  let heartbeat: NodeJS.Timeout | undefined;
  const ttl = host.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const signal = host.signal;
  // The journal calls this inside the engine's awaited commit after every step: once aborted, the run
  // ends there, before the next step starts.
  const committed = (events: readonly FlowEvent[]): void => {
    host.onCommitted?.(events);
    if (signal?.aborted && !events.some((e) => TERMINAL_EVENTS.has(e.type))) throw new Cancelled();
  };
  const hold = async (id: string): Promise<void> => {
    if (host.lease !== undefined) return;
    const claim = await store.claimRun(id, host.holder ?? leaseHolder("process"), ttl);
    if (!claim) throw new HostError(`no run '${id}' in ${store.url}`);
    if ("heldBy" in claim) throw new RunHeldError(id, claim.heldBy, claim.until);
    lease = claim.lease;
    const held = claim.lease;
    heartbeat = setInterval(() => {
      // Taken over (our lease lapsed while this process stalled): stop; our commits are fenced out anyway.
      void store.renewLease(id, held, ttl).then((still) => !still && flow?.cancel(), () => undefined);
    }, Math.max(50, Math.floor(ttl / 3)));
    heartbeat.unref();
  };
  const base: FlowOptions = {
    ...host.flowOptions,
    ...(host.sourcePath ? { sourcePath: host.sourcePath } : {}),
    persistence: store,
    defaultPersistence: store,
    journal: storeJournal(store, committed, () => lease),
  };
  const hash = sha256(host.text);
  let flow: Flow | null = null;
  // An abort stops the running actions at once; `started` and `committed` keep anything new from starting.
  const stop = () => flow?.cancel();
  signal?.addEventListener("abort", stop);
  const started = (f: Flow): Flow => {
    if (signal?.aborted) throw new Cancelled();
    return f;
  };
  let outcome: unknown;
  let failure: unknown = null;
  let runId = "";
  const create = async (f: Flow, fields: Partial<RunRecord>, origin: RunOrigin, patch: PatchOperation[] | null, inputs: JsonValue) => {
    const record: RunRecord = {
      runId: f.runId,
      flowName: host.definition.name,
      definitionPath: host.sourcePath,
      definitionHash: hash,
      status: "running",
      inputs,
      stateId: String(f.state.id ?? "") || null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      parentRunId: null,
      parentSeq: null,
      output: null,
      error: null,
      ...fields,
    };
    await store.createRun(record, { definition: host.text, origin, forkPatch: patch, ...(host.replayOf ? { replayOf: host.replayOf } : {}) });
    await hold(f.runId);
    host.onRunCreated?.(f.runId);
  };
  try {
    switch (request.kind) {
      case "resume": {
        const previous = await store.loadRun(request.runId);
        if (!previous) throw new HostError(`no run '${request.runId}' in ${store.url}`);
        if (previous.record.definitionHash !== hash)
          throw new HostError(
            `run ${request.runId} ran version ${previous.record.version} of '${previous.record.flowName}' (sha256 ${previous.record.definitionHash.slice(0, 12)}…); this definition differs (${hash.slice(0, 12)}…)`,
          );
        // One writer per run: refused while another live process executes it (nothing touched then).
        await hold(previous.record.runId);
        runId = previous.record.runId;
        const continued: FlowOptions = { ...base, runId, lastSeq: previous.events.at(-1)?.seq ?? 0 };
        const pause = pendingPause(previous.events);
        if (pause) {
          flow = await Flow.fromPending(pause.flowId, host.definition, continued);
          outcome = await started(flow).resume(request.feedback ?? "");
        } else if (replayable(previous.record)) {
          // Exact resume: the log's finished executions are answered from the log (runtime's resume.ts).
          const point = await lineagePoint(store, previous.record, previous.events);
          flow = await Flow.create(host.definition, continued);
          if (point) outcome = await started(flow).continueFrom(point, { inputs: request.inputs ?? null });
          // Nothing started yet: start over with the run's own inputs.
          else outcome = await started(flow).kickoff({ inputs: request.inputs ?? (previous.record.inputs as Record<string, unknown> | null) });
        } else {
          // Runs that began with CrewAI's checkpoint or state restore continue on CrewAI's terms.
          const checkpoint = await resumeCheckpoint(store, previous.record, previous.events);
          flow = checkpoint ? await Flow.fromCheckpoint(checkpoint, host.definition, continued) : await Flow.create(host.definition, continued);
          // Nothing completed yet: start over with the run's own inputs (a checkpoint's state already has them).
          const inputs = request.inputs ?? (checkpoint ? null : (previous.record.inputs as Record<string, unknown> | null));
          outcome = await started(flow).kickoff({ inputs });
        }
        break;
      }
      case "fork": {
        const source = await store.loadRun(request.runId);
        if (!source) throw new HostError(`no run '${request.runId}'`);
        if (!replayable(source.record)) {
          // A run that began from CrewAI's checkpoint or state restore: fork on CrewAI's terms.
          const checkpoint = await forkCheckpoint(store, request.runId, request.seq, request.patch);
          flow = await Flow.fromCheckpoint(checkpoint, host.definition, { ...base, runId: newRunId() }, true); // validates the (patched) state
          runId = flow.runId;
          await create(flow, { parentRunId: request.runId, parentSeq: request.seq }, "fork", request.patch?.length ? request.patch : null, toJson(request.inputs ?? null));
          outcome = await started(flow).kickoff({ inputs: request.inputs ?? null });
          break;
        }
        // The fork is the source run up to that step (answered from its log), then live on the edited state.
        const point = await lineagePoint(store, source.record, source.events, request.seq);
        if (!point) throw new HostError(`run ${request.runId} has no state at seq ${request.seq}`);
        const patched = request.patch?.length ? { ...point, state: applyPatch(point.state, request.patch) } : point;
        flow = await Flow.create(host.definition, { ...base, runId: newRunId() });
        runId = flow.runId;
        // Validates the (patched) state before the run exists; a fork gets a state id of its own.
        const state = flow.stateModelRestore(patched.state);
        state.id = randomUUID();
        flow.state = state;
        await create(flow, { parentRunId: request.runId, parentSeq: request.seq }, "fork", request.patch?.length ? request.patch : null, toJson(request.inputs ?? null));
        outcome = await started(flow).continueFrom({ ...patched, state }, { inputs: request.inputs ?? null, resumed: false });
        break;
      }
      case "checkpoint": {
        const source = await store.loadRun(request.runId);
        if (!source) throw new HostError(`no checkpoint '${request.runId}': no such run in ${store.url}`);
        const checkpoint = checkpointFromEvents(source.events, request.seq);
        if (!checkpoint) throw new HostError(`no checkpoint '${request.runId}${request.seq !== undefined ? `@${request.seq}` : ""}': the run has no completed step there`);
        const parentSeq = request.seq ?? lastStepSeq(source.events);
        // Only the invalid combination with restore_from_state_id goes through kickoff, which raises CrewAI's error for it.
        const options = { ...base, runId: newRunId() };
        flow = request.restoreFromStateId === undefined ? await Flow.fromCheckpoint(checkpoint, host.definition, options) : await Flow.create(host.definition, options);
        runId = flow.runId;
        await create(flow, { parentRunId: request.runId, parentSeq }, "checkpoint", null, toJson(request.inputs ?? null));
        outcome = await started(flow).kickoff({
          inputs: request.inputs ?? null,
          ...(request.restoreFromStateId !== undefined ? { restoreFromStateId: request.restoreFromStateId, fromCheckpoint: checkpoint } : {}),
        });
        break;
      }
      case "new": {
        let options: FlowOptions = { ...base, runId: newRunId() };
        let lineage: Partial<RunRecord> = {};
        let origin: RunOrigin = "new";
        if (request.restoreFromStateId !== undefined) {
          origin = "restore";
          const source = await store.stateOrigin(request.restoreFromStateId);
          if (source) lineage = { parentRunId: source.runId, parentSeq: source.seq };
          if (request.patch?.length) {
            const state = await store.loadState(request.restoreFromStateId);
            if (!state) throw new HostError(`no state '${request.restoreFromStateId}' to patch`);
            options = { ...options, persistence: new OverridingPersistence(store, request.restoreFromStateId, applyPatch(state, request.patch)) };
          }
        }
        flow = await Flow.create(host.definition, options);
        runId = flow.runId;
        await create(flow, lineage, origin, request.patch?.length ? request.patch : null, toJson(request.inputs ?? null));
        outcome = await started(flow).kickoff({
          inputs: request.inputs ?? null,
          ...(request.restoreFromStateId !== undefined ? { restoreFromStateId: request.restoreFromStateId } : {}),
        });
        break;
      }
    }
  } catch (err) {
    failure = err;
  }
  clearInterval(heartbeat);
  signal?.removeEventListener("abort", stop);
  const paused = outcome instanceof HumanFeedbackPending;
  const status: HostStatus = failure
    ? signal?.aborted
      ? signal.reason === "interrupted"
        ? "interrupted"
        : "cancelled"
      : "failed"
    : paused
      ? "paused"
      : "completed";
  if (flow && runId) {
    // The journal set the status from the terminal event; this covers a failure before or around it.
    const ended = new Date().toISOString();
    const last = flow.events.at(-1);
    const terminal = last && (last.type === "flow_finished" || last.type === "flow_failed" || last.type === "flow_paused");
    if (!terminal || failure)
      await store
        .updateRun(runId, { status, endedAt: ended, stateId: String(flow.state.id ?? "") || null, ...(failure ? { error: errorInfo(failure) } : {}) }, lease)
        .catch(() => undefined);
  }
  if (host.lease === undefined && lease !== undefined && runId) await store.releaseLease(runId, lease).catch(() => undefined);
  return { status, runId: flow?.runId ?? runId, flow, outcome, error: failure };
}

/** Runs whose whole history is in logs (their own and their fork ancestors'): exact resume applies. */
function replayable(run: StoredRun): boolean {
  return run.origin === "new" || run.origin === "replay" || run.origin === "fork" || run.parentRunId === null;
}

/** Fork chains longer than this are refused rather than followed (a cycle would be a corrupt store). */
const MAX_LINEAGE_DEPTH = 1_000;

/**
 * The resume point of a run after `uptoSeq` of its log, including what it inherited: a fork starts
 * with its source run's executions up to the fork step (recursively), on the source's patched state.
 */
async function lineagePoint(store: RunStore, run: StoredRun, events: readonly FlowEvent[], uptoSeq = Number.POSITIVE_INFINITY, depth = 0): Promise<ResumePoint | null> {
  let prefix: ResumePoint | undefined;
  if (run.origin === "fork" && run.parentRunId !== null && run.parentSeq !== null) {
    if (depth >= MAX_LINEAGE_DEPTH) throw new HostError(`run ${run.runId} descends from more than ${MAX_LINEAGE_DEPTH} forks`);
    const parent = await store.loadRun(run.parentRunId);
    if (!parent) throw new HostError(`run ${run.runId} was forked from run ${run.parentRunId}, which no longer exists`);
    const inherited = await lineagePoint(store, parent.record, parent.events, run.parentSeq, depth + 1);
    if (inherited) {
      const state = run.forkPatch?.length ? applyPatch(inherited.state, run.forkPatch) : inherited.state;
      prefix = { ...inherited, state: run.stateId ? { ...state, id: run.stateId } : state };
    }
  }
  return resumePointFromEvents(events, uptoSeq, prefix);
}

/**
 * Where an interrupted run goes on from: its own log's checkpoint; for a fork, checkpoint restore or
 * state restore, on top of the snapshot it started from (those steps are not in its own log).
 */
async function resumeCheckpoint(store: RunStore, run: StoredRun, events: readonly FlowEvent[]): Promise<Checkpoint | null> {
  const own = checkpointFromEvents(events);
  if (run.parentRunId === null || run.parentSeq === null || run.origin === "new" || run.origin === "replay") return own;
  const base = await forkCheckpoint(store, run.parentRunId, run.parentSeq, run.forkPatch ?? []);
  if (run.origin === "restore") Object.assign(base, { completed: [], outputs: [], executionCounts: {} }); // restore_from_state_id re-runs every method
  const executionCounts = { ...base.executionCounts };
  for (const [method, n] of Object.entries(own?.executionCounts ?? {})) executionCounts[method] = (executionCounts[method] ?? 0) + n;
  return {
    completed: [...new Set([...base.completed, ...(own?.completed ?? [])])],
    outputs: [...base.outputs, ...(own?.outputs ?? [])],
    executionCounts,
    // Nothing of its own yet: the snapshot it started from, under the state id it was given.
    state: own?.state ?? { ...base.state, ...(run.stateId ? { id: run.stateId } : {}) },
  };
}

function lastStepSeq(events: readonly FlowEvent[]): number | null {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type === "method_execution_finished") return events[i]!.seq;
  return null;
}
