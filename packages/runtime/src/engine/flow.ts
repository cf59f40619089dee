// The flow engine: one instance per run of a definition, executing CrewAI's semantics (spec §2, the
// normative pseudo-code of Appendix A). Dispatch looks events up in the compiled tables; everything
// else follows the pseudo-code literally so behaviour stays bug-compatible (deviations: docs/compat.md).
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { type FlowDefinition, type PersistDefinition, pyRepr } from "@crewflow/definition";
import { compileAction, scriptsAllowed } from "../actions/compile";
import type { ActionContext, CompiledAction, CrewRunner, EachLocals, FlowHandle, HumanFeedbackResult } from "../actions/types";
import type { ErrorInfo, EventListener, FlowEvent, NewFlowEvent } from "../events";
import { SUPPRESSIBLE } from "../events";
import { toJson } from "../json";
import { type FlowPersistence, InMemoryPersistence, type PendingFeedbackContext, type PersistenceFactory } from "../persistence";
import type { RefContext } from "../refs";
import { type State, type StateModel } from "../state/model";
import { buildStateModel, initialStateModel } from "../state/build";
import { type CompiledFlow, type CompiledMethod, type RacingGroup, compileFlow, satisfied } from "./compile";
import { Cancelled, HumanFeedbackPending, namedError } from "./errors";
import { type FeedbackOptions, runFeedbackStep, finalizeFeedback } from "./feedback";
import { type RecordedExecution, type ResumePoint, ReplayCursor } from "./resume";

export interface FlowOptions {
  /** The flow file; relative refs and crew paths resolve from its directory. */
  sourcePath?: string;
  /** Directories searched for bare module names in refs. */
  modulePaths?: readonly string[];
  /** In-memory modules for refs (the authoring API, test harnesses). */
  modules?: ReadonlyMap<string, Record<string, unknown>>;
  /** Overrides every definition backend (CrewAI's `persistence=` argument). */
  persistence?: FlowPersistence;
  /** Backend for blocks without one and for pauses (CrewAI's default SQLite backend). */
  defaultPersistence?: FlowPersistence;
  /** Backends by `persistence_type`. */
  persistenceTypes?: Readonly<Record<string, PersistenceFactory>>;
  feedback?: FeedbackOptions;
  crews?: CrewRunner;
  /** CrewAI's script opt-in; defaults to `CREWAI_ALLOW_FLOW_SCRIPT_EXECUTION`. */
  allowScripts?: boolean;
  /**
   * CrewAI's `initial_state` (wins over the definition's `state` block): a zod object schema (a model
   * class; must declare `id`) or a plain object (copied; gets an `id` if it has none).
   */
  initialState?: unknown;
  /** Receives every event as it is recorded (minus those `suppress_flow_events` mutes). */
  onEvent?: EventListener;
  /**
   * Makes the log durable: awaited after every finished method (before its listeners start) and at
   * the end of a run, with the events recorded since the previous commit.
   */
  journal?: { commit(runId: string, events: readonly FlowEvent[]): Promise<void> };
  /** Size limits of what a step records (defaults: `runLimits()`). */
  limits?: Partial<RunLimits>;
  /** Continue an existing run's log (resume): its id and the last sequence number used. */
  runId?: string;
  lastSeq?: number;
}

/** What one run may record: each step's state and output, and its whole log. */
export interface RunLimits {
  /** JSON size of the state after a step (CREWFLOW_MAX_STATE_BYTES; 4 MiB). */
  maxStateBytes: number;
  /** JSON size of one method's output or result (CREWFLOW_MAX_OUTPUT_BYTES; 4 MiB). */
  maxOutputBytes: number;
  /** Total JSON size of the states and outputs a run records (CREWFLOW_MAX_RUN_LOG_BYTES; 256 MiB). */
  maxLogBytes: number;
}

/** The limits from the environment, else the defaults. */
export function runLimits(env: NodeJS.ProcessEnv = process.env): RunLimits {
  const read = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    maxStateBytes: read("CREWFLOW_MAX_STATE_BYTES", 4 * 1024 * 1024),
    maxOutputBytes: read("CREWFLOW_MAX_OUTPUT_BYTES", 4 * 1024 * 1024),
    maxLogBytes: read("CREWFLOW_MAX_RUN_LOG_BYTES", 256 * 1024 * 1024),
  };
}

const SETTING: Record<keyof RunLimits, string> = {
  maxStateBytes: "CREWFLOW_MAX_STATE_BYTES",
  maxOutputBytes: "CREWFLOW_MAX_OUTPUT_BYTES",
  maxLogBytes: "CREWFLOW_MAX_RUN_LOG_BYTES",
};

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MiB`;

export interface KickoffOptions {
  inputs?: Record<string, unknown> | null;
  restoreFromStateId?: string | null;
  fromCheckpoint?: Checkpoint | null;
}

/** What a checkpoint restores (spec §5): completed methods, recorded outputs, counts and state. */
export interface Checkpoint {
  completed: string[];
  outputs: { method: string; output: unknown }[];
  executionCounts: Record<string, number>;
  state: State;
}

export type KickoffResult = unknown | HumanFeedbackPending;

/** Process-wide default backend, like CrewAI's registered persistence factory. */
let processDefaultPersistence: FlowPersistence = new InMemoryPersistence();
export function setDefaultPersistence(backend: FlowPersistence): void {
  processDefaultPersistence = backend;
}

interface Scope {
  signal: AbortSignal;
  abort(): void;
}

function newScope(parent?: Scope): Scope {
  const controller = new AbortController();
  const signal = parent ? AbortSignal.any([parent.signal, controller.signal]) : controller.signal;
  return { signal, abort: () => controller.abort() };
}

export class Flow {
  readonly compiled: CompiledFlow;
  readonly definition: FlowDefinition;
  state: State;
  /** The event log of the current run. */
  events: FlowEvent[] = [];
  /** Non-fatal problems found while building (CrewAI logs them). */
  readonly warnings: string[] = [];
  runId: string;

  // Per-kickoff bookkeeping (spec §10 porting notes).
  private completed = new Set<string>();
  /** Outputs in completion order; `seq` marks one answered from the log on resume (its place there). */
  private outputs: { method: string; output: unknown; seq?: number }[] = [];
  private latest = new Map<string, unknown>();
  private pending = new Map<string, Set<string>>();
  private firedOr = new Set<string>();
  private callCounts = new Map<string, number>();
  private executionCounts = new Map<string, number>();
  private humanFeedbackHistory: HumanFeedbackResult[] = [];
  private lastHumanFeedback: HumanFeedbackResult | null = null;
  private pendingContext: PendingFeedbackContext | null = null;
  private resuming = false;
  private readonly limits: RunLimits;
  /** JSON bytes of states and outputs recorded so far (against `limits.maxLogBytes`). */
  private loggedBytes = 0;
  /** Crash-resume: executions still to answer from the log (null when not resuming). */
  private replay: ReplayCursor | null = null;
  private restoredFromCheckpoint = false;
  private seq: number;
  /** How many events of `events` the journal has. */
  private committed = 0;
  private executionSeq = 0;
  private root: Scope = newScope();
  private readonly handle: FlowHandle;
  /** The object code actions receive as `flow`. */
  get handleForActions(): FlowHandle {
    return this.handle;
  }

  private constructor(
    definition: FlowDefinition,
    private readonly stateModel: StateModel,
    private readonly actions: ReadonlyMap<string, CompiledAction>,
    /** CrewAI's `flow.persistence`: set only by an instance backend or an enabled flow-level block (§4.1). */
    private readonly flowPersistence: FlowPersistence | null,
    private readonly options: FlowOptions,
    initialValues: State | null,
  ) {
    this.definition = definition;
    this.compiled = compileFlow(definition);
    this.state = stateModel.create(initialValues);
    this.runId = options.runId ?? randomUUID();
    this.seq = options.lastSeq ?? 0;
    this.limits = { ...runLimits(), ...options.limits };
    // Getters read the live fields, so code actions always see the current state and outputs.
    this.handle = Object.defineProperties({} as FlowHandle, {
      name: { value: definition.name, enumerable: true },
      state: { get: () => this.state, set: (value: State) => (this.state = value), enumerable: true },
      outputs: { get: () => Object.fromEntries(this.latest), enumerable: true },
      methodOutputs: { get: () => this.outputs.map((o) => o.output), enumerable: true },
      lastHumanFeedback: { get: () => this.lastHumanFeedback, enumerable: true },
      humanFeedbackHistory: { get: () => this.humanFeedbackHistory, enumerable: true },
    });
  }

  /** Build a runnable flow: resolve refs, the state model and backends; collect every action failure (§8.10). */
  static async create(definition: FlowDefinition, options: FlowOptions = {}): Promise<Flow> {
    const refs: RefContext = {
      ...(options.sourcePath ? { sourceDir: dirname(options.sourcePath) } : {}),
      ...(options.modulePaths ? { modulePaths: options.modulePaths } : {}),
      ...(options.modules ? { modules: options.modules } : {}),
    };
    const deps = { refs, allowScripts: options.allowScripts ?? scriptsAllowed(), ...(options.crews ? { crews: options.crews } : {}) };
    const actions = new Map<string, CompiledAction>();
    const failures: string[] = [];
    for (const [name, method] of Object.entries(definition.methods ?? {})) {
      try {
        actions.set(name, await compileAction(method.do, deps));
      } catch (err) {
        if ((err as Error).name === "FlowScriptExecutionDisabledError") throw err;
        failures.push(`${name}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0)
      throw namedError(
        "ValueError",
        `Cannot build flow '${definition.name}' from its definition; methods with unresolvable actions: ${failures.join("; ")}`,
      );
    const built =
      options.initialState !== undefined ? initialStateModel(options.initialState) : await buildStateModel(definition.state ?? null, refs);
    // An instance backend wins; the definition's backend is only looked up without one (§4.1).
    const flowLevel =
      options.persistence ??
      (definition.persist?.enabled ? (resolveBackend(definition.persist, definition.name, options) ?? options.defaultPersistence ?? processDefaultPersistence) : null);
    const initialValues = built.defaults !== undefined ? built.defaults : (definition.state?.default ?? null);
    const flow = new Flow(definition, built.model, actions, flowLevel, options, initialValues);
    flow.warnings.push(...built.warnings);
    return flow;
  }

  /** Restore a flow from a checkpoint (spec §5); `fork` gives it a fresh state id. */
  static async fromCheckpoint(checkpoint: Checkpoint, definition: FlowDefinition, options: FlowOptions = {}, fork = false): Promise<Flow> {
    const flow = await Flow.create(definition, options);
    flow.completed = new Set(checkpoint.completed);
    flow.outputs = checkpoint.outputs.map((o) => ({ ...o }));
    flow.latest = new Map(flow.outputs.map((o) => [o.method, o.output]));
    flow.executionCounts = new Map(Object.entries(checkpoint.executionCounts));
    flow.state = flow.stateModel.restore(structuredClone(checkpoint.state));
    if (fork) flow.state.id = randomUUID();
    // A checkpoint with nothing completed is an ordinary fresh run on the restored state.
    flow.restoredFromCheckpoint = flow.completed.size > 0;
    return flow;
  }

  /** Load a paused flow's state and feedback context (CrewAI's `Flow.from_pending`, §6.5). */
  static async fromPending(flowId: string, definition: FlowDefinition, options: FlowOptions = {}): Promise<Flow> {
    const backend = options.persistence ?? options.defaultPersistence ?? processDefaultPersistence;
    const loaded = await backend.loadPendingFeedback(flowId);
    if (!loaded) throw namedError("ValueError", `No pending feedback found for flow_id: ${flowId}`);
    const flow = await Flow.create(definition, { ...options, persistence: backend });
    flow.state = flow.stateModel.merge(flow.state, loaded.state);
    flow.pendingContext = loaded.context;
    return flow;
  }

  /** The state of this run as a checkpoint (what `fromCheckpoint` restores). */
  checkpoint(): Checkpoint {
    return {
      completed: [...this.completed],
      outputs: this.outputs.map((o) => ({ method: o.method, output: toJson(o.output) })),
      executionCounts: Object.fromEntries(this.executionCounts),
      state: toJson(this.state) as State,
    };
  }

  get methodOutputs(): unknown[] {
    return this.outputs.map((o) => o.output);
  }
  get outputsByMethod(): Record<string, unknown> {
    return Object.fromEntries(this.latest);
  }
  get feedbackHistory(): readonly HumanFeedbackResult[] {
    return this.humanFeedbackHistory;
  }
  get lastFeedback(): HumanFeedbackResult | null {
    return this.lastHumanFeedback;
  }

  /** Stop the run: running branches are abandoned and emit no further events. */
  cancel(): void {
    this.root.abort();
  }

  /** CrewAI's `kickoff` (spec §2.1): returns the final output, or the pending pause; throws on failure. */
  async kickoff(options: KickoffOptions = {}): Promise<KickoffResult> {
    const inputs = options.inputs ?? null;
    if (options.fromCheckpoint && options.restoreFromStateId)
      throw namedError(
        "ValueError",
        "Cannot combine `from_checkpoint` and `restore_from_state_id`. These parameters target different state systems (Checkpointing and @persist) and cannot be used together.",
      );
    if (options.fromCheckpoint) {
      const restored = await Flow.fromCheckpoint(options.fromCheckpoint, this.definition, this.options);
      return restored.kickoff({ inputs });
    }
    this.root = newScope();
    const hasId = inputs !== null && "id" in inputs;
    const restoring = (hasId && this.flowPersistence !== null) || this.restoredFromCheckpoint;
    if (!restoring) {
      this.completed.clear();
      this.outputs = [];
      this.latest.clear();
      this.pending.clear();
      this.firedOr.clear();
      this.callCounts.clear();
    } else if (this.completed.size > 0) this.resuming = true;
    this.restoredFromCheckpoint = false;

    let forked = false;
    if (options.restoreFromStateId && this.flowPersistence) {
      const snapshot = await this.flowPersistence.loadState(options.restoreFromStateId);
      if (snapshot) {
        this.state = this.stateModel.restore(snapshot);
        this.state.id = hasId ? inputs.id : randomUUID();
        forked = true;
      }
    }
    if (inputs !== null && Object.keys(inputs).length > 0) {
      if (hasId && !forked) {
        this.state.id = inputs.id;
        if (this.flowPersistence) {
          const snapshot = await this.flowPersistence.loadState(String(inputs.id));
          if (snapshot) this.state = this.stateModel.restore(snapshot);
        }
      }
      const { id: _id, ...rest } = inputs;
      // Typed-state validation errors here are raised before flow_started (§2.1 step 8).
      if (Object.keys(rest).length > 0) this.state = this.stateModel.merge(this.state, rest);
    }
    this.record({ type: "flow_started", inputs: toJson(inputs), stateId: String(this.state.id ?? "") });
    try {
      if (inputs !== null && !hasId) this.state = this.stateModel.merge(this.state, inputs);
      this.checkMalformed();
      await Promise.all(this.compiled.entryStarts.map((start) => this.runStart(start, this.root, false)));
    } catch (err) {
      return this.endWithError(err);
    }
    this.resuming = false;
    return this.finish();
  }

  /** CrewAI's `resume(feedback)` after `fromPending` (spec §6.5). */
  async resume(feedback = ""): Promise<KickoffResult> {
    const context = this.pendingContext;
    if (!context) throw namedError("ValueError", "No pending feedback context. Use from_pending() to restore a paused flow.");
    this.root = newScope();
    this.record({ type: "flow_started", inputs: null, stateId: String(this.state.id ?? ""), resumed: true });
    const method = this.compiled.byName.get(context.method_name);
    if (!method) return this.endWithError(namedError("ValueError", `the paused method '${context.method_name}' is not in this flow`));
    const execution = ++this.executionSeq;
    try {
      this.recordMethod({ type: "method_execution_started", method: method.name, execution, params: {}, state: toJson(this.state), triggeredBy: null });
      const started = performance.now();
      const { result, outcome } = await finalizeFeedback(context, feedback, this.feedbackOptions());
      this.pushFeedback(result);
      this.recordMethod({ type: "human_feedback_received", method: method.name, execution, feedback: result.feedback, outcome });
      this.completed.add(method.name);
      await this.persistIfEnabled(method, execution);
      this.pendingContext = null;
      await (this.flowPersistence ?? this.defaultBackend()).clearPendingFeedback(context.flow_id);
      const emits = Boolean(context.emit?.length);
      const routed = emits ? outcome : result;
      const recorded = emits ? context.method_output : result;
      this.recordMethod({
        type: "method_execution_finished",
        method: method.name,
        execution,
        result: toJson(routed),
        output: toJson(recorded),
        label: emits ? outcome : null,
        state: toJson(this.state),
        durationMs: performance.now() - started,
      });
      this.recordOutput(method.name, recorded);
      await this.commitJournal();
      if (emits && outcome) await this.dispatch(outcome, result, this.root, execution);
      else if (!emits) await this.dispatch(method.name, result, this.root, execution);
    } catch (err) {
      return this.endWithError(err);
    }
    return this.finish();
  }

  /**
   * Crewflow's crash-resume (`resume.ts`): re-drive the run from its starts, answering each execution
   * the log recorded as finished from the log, and run live from the first one it did not. `inputs`
   * are merged into the state (a fork's); `resumed` marks the start event as a continuation.
   */
  async continueFrom(point: ResumePoint, options: { inputs?: Record<string, unknown> | null; resumed?: boolean } = {}): Promise<KickoffResult> {
    this.root = newScope();
    this.state = this.stateModel.restore(structuredClone(point.state));
    if (options.inputs && Object.keys(options.inputs).length > 0) this.state = this.stateModel.merge(this.state, options.inputs);
    this.executionSeq = Math.max(this.executionSeq, point.lastExecution);
    this.replay = new ReplayCursor(point.executions, point.doneItems);
    this.record({ type: "flow_started", inputs: toJson(options.inputs ?? null), stateId: String(this.state.id ?? ""), ...(options.resumed === false ? {} : { resumed: true }) });
    try {
      this.checkMalformed();
      await Promise.all(this.compiled.entryStarts.map((start) => this.runStart(start, this.root, false)));
    } catch (err) {
      return this.endWithError(err);
    } finally {
      this.replay = null;
    }
    return this.finish();
  }

  /**
   * Refuses a step whose state or output is over its limit, or that would take the run's log over
   * its total, before anything of it is recorded: the run fails at that step, with what it had saved.
   */
  private checkLimits(method: string, snapshot: { result: unknown; output: unknown; state: unknown }): void {
    const over = (what: string, bytes: number, limit: keyof RunLimits) =>
      namedError("ValueError", `${what} is ${megabytes(bytes)}, over the limit of ${megabytes(this.limits[limit])} (${SETTING[limit]}; raise it to allow more)`);
    const state = JSON.stringify(snapshot.state)?.length ?? 0;
    if (state > this.limits.maxStateBytes) throw over(`The state after method '${method}'`, state, "maxStateBytes");
    const output = JSON.stringify(snapshot.output)?.length ?? 0;
    if (output > this.limits.maxOutputBytes) throw over(`The output of method '${method}'`, output, "maxOutputBytes");
    const result = snapshot.result === snapshot.output ? 0 : (JSON.stringify(snapshot.result)?.length ?? 0);
    if (result > this.limits.maxOutputBytes) throw over(`The result of method '${method}'`, result, "maxOutputBytes");
    this.loggedBytes += state + output + result;
    if (this.loggedBytes > this.limits.maxLogBytes)
      throw namedError(
        "ValueError",
        `The run's log would reach ${megabytes(this.loggedBytes)} with method '${method}', over the limit of ${megabytes(this.limits.maxLogBytes)} per run (${SETTING.maxLogBytes}; raise it to allow more)`,
      );
  }

  /** `state` checked against this flow's state model (throws on a state that does not fit). */
  stateModelRestore(state: State): State {
    return this.stateModel.restore(structuredClone(state));
  }

  /** A method execution answered from the log: its outputs and bookkeeping, no events, no action. */
  private replayed(method: CompiledMethod, recorded: RecordedExecution): { result: unknown; execution: number } {
    if (recorded.feedback)
      this.pushFeedback({
        output: recorded.output,
        feedback: recorded.feedback.feedback,
        outcome: recorded.feedback.outcome,
        timestamp: recorded.feedback.at,
        method_name: method.name,
        metadata: {},
      });
    this.outputs.push({ method: method.name, output: recorded.output, seq: recorded.seq });
    this.latest.set(method.name, recorded.output);
    this.executionCounts.set(method.name, (this.executionCounts.get(method.name) ?? 0) + 1);
    this.completed.add(method.name);
    // Concurrent branches may replay in another order than they finished: once the log is used up,
    // its outputs take the order the log gives them (the flow's output is the last one).
    if (this.replay?.exhausted) this.orderReplayedOutputs();
    // A router's result recorded as JSON may no longer spell its label (an object with its own str()).
    const result = method.isRouter && recorded.label !== null && labelOf(recorded.result) !== recorded.label ? recorded.label : recorded.result;
    return { result, execution: recorded.execution };
  }

  private orderReplayedOutputs(): void {
    const replayed = this.outputs.filter((o) => o.seq !== undefined).sort((a, b) => a.seq! - b.seq!);
    const live = this.outputs.filter((o) => o.seq === undefined);
    this.outputs = [...replayed, ...live];
  }

  private async finish(): Promise<unknown> {
    const out = this.outputs.length > 0 ? this.outputs[this.outputs.length - 1]!.output : null;
    if (!this.compiled.config.defer_trace_finalization)
      this.record({ type: "flow_finished", result: toJson(out), state: toJson(this.state) });
    await this.commitJournal();
    return out;
  }

  private async endWithError(err: unknown): Promise<KickoffResult> {
    this.root.abort();
    if (err instanceof HumanFeedbackPending) {
      const backend = this.flowPersistence ?? this.defaultBackend();
      await backend.savePendingFeedback(err.context.flow_id, err.context, toJson(this.state) as State);
      this.record({
        type: "flow_paused",
        flowId: err.context.flow_id,
        method: err.context.method_name,
        state: toJson(this.state),
        message: err.context.message,
        emit: err.context.emit,
      });
      await this.commitJournal();
      return err;
    }
    if (!this.compiled.config.defer_trace_finalization) this.record({ type: "flow_failed", error: errorInfo(err) });
    await this.commitJournal();
    throw err;
  }

  // ---- dispatch (spec §2.4, Appendix A) -------------------------------------------------------

  private checkMalformed(): void {
    const bad = this.compiled.malformed;
    if (bad && this.compiled.methods.some((m) => m.listen !== null || m.startCondition !== null))
      throw namedError("KeyError", `malformed condition on method '${bad.method}': ${bad.problem}`);
  }

  /** Add `event` to the key's pending set; if the condition now holds, clear the set and fire (§2.6.1). */
  private offer(key: string, condition: Parameters<typeof satisfied>[0], event: string): boolean {
    let seen = this.pending.get(key);
    if (!seen) this.pending.set(key, (seen = new Set()));
    seen.add(event);
    if (!satisfied(condition, seen)) return false;
    this.pending.delete(key);
    return true;
  }

  private async runStart(start: CompiledMethod, scope: Scope, forced: boolean): Promise<void> {
    if (this.completed.has(start.name)) {
      if (this.resuming && !forced) {
        await this.dispatch(start.name, this.lastOutput(), scope, null);
        return;
      }
      this.completed.delete(start.name);
      this.firedOr.clear();
    }
    const saved = this.resuming;
    if (forced) this.resuming = false; // a label-fired cycle re-runs even in resumption mode (§2.4 3d)
    try {
      const { result, execution } = await this.execute(start, undefined, false, scope, null);
      if (start.isRouter && result !== null && result !== undefined) {
        await this.dispatch(start.name, result, scope, execution);
        const label = labelOf(result);
        if (label) await this.dispatch(label, this.lastHumanFeedback ?? result, scope, execution);
      } else await this.dispatch(start.name, result, scope, execution);
    } finally {
      if (forced) this.resuming = saved;
    }
  }

  private async dispatch(trigger: string, payload: unknown, scope: Scope, cause: number | null): Promise<void> {
    if (scope.signal.aborted) throw new Cancelled();
    // Allocated only when a router fires: most dispatches have none, and this is the hot path.
    let routerLabels: string[] | null = null;
    let labelPayload: Map<string, unknown> | null = null;
    let feedbackForLabel: Map<string, HumanFeedbackResult> | null = null;

    // Router phase: routers of the current event run one at a time, in definition order.
    let current = trigger;
    for (;;) {
      const candidates = this.compiled.routersByEvent.get(current);
      if (!candidates) break;
      const round = current;
      const routers = candidates.filter((r) => this.offer(r.name, r.listen!, round));
      if (routers.length === 0) break;
      for (const router of routers) {
        const arg = feedbackForLabel?.get(current) ?? payload;
        const ran = await this.runListener(router, arg, scope, cause);
        if (ran === SKIPPED || ran.result === null || ran.result === undefined) {
          current = "";
          continue;
        }
        const label = labelOf(ran.result);
        (routerLabels ??= []).push(label);
        (labelPayload ??= new Map()).set(label, this.lastHumanFeedback ?? ran.result);
        if (this.lastHumanFeedback) (feedbackForLabel ??= new Map()).set(label, this.lastHumanFeedback);
        current = label;
      }
    }

    // Listener phase: the trigger, then each router label in order.
    if (!routerLabels) {
      await this.dispatchListeners(trigger, payload, scope, cause, false);
      return;
    }
    // Only OR listeners that fired before this wave's listener phase may be re-armed by its labels.
    const rearmable = new Set(this.firedOr);
    const triggerArg = labelPayload!.has(trigger) ? labelPayload!.get(trigger) : payload;
    await this.dispatchListeners(trigger, triggerArg, scope, cause, routerLabels.includes(trigger));
    for (const label of routerLabels) {
      if (label === "") continue;
      // A fresh router emission re-arms OR listeners that fired before this wave (§2.6.3).
      for (const name of rearmable)
        if (this.firedOr.has(name) && this.compiled.byName.get(name)!.listenLeaves.has(label)) {
          this.firedOr.delete(name);
          rearmable.delete(name);
        }
      await this.dispatchListeners(label, labelPayload!.get(label), scope, cause, true);
    }
  }

  /** Plain listeners of one event (concurrently), then, for a router label, the starts it gates. */
  private async dispatchListeners(event: string, arg: unknown, scope: Scope, cause: number | null, isLabel: boolean): Promise<void> {
    if (event === "") return;
    const listeners = this.compiled.listenersByEvent.get(event);
    if (listeners) {
      const batch: CompiledMethod[] = [];
      for (const listener of listeners) {
        if (listener.multiOr && this.firedOr.has(listener.name)) continue;
        if (this.offer(listener.name, listener.listen!, event)) {
          batch.push(listener);
          if (listener.multiOr) this.firedOr.add(listener.name);
        }
      }
      if (batch.length > 0) await this.runBatch(batch, arg, scope, cause);
    }
    if (isLabel)
      for (const start of this.compiled.conditionalStartsByEvent.get(event) ?? [])
        if (this.offer(`start:${start.name}`, start.startCondition!, event)) await this.runStart(start, scope, true);
  }

  /** Run one batch of listeners concurrently; a racing group inside it races (§2.6.4). */
  private async runBatch(batch: CompiledMethod[], arg: unknown, scope: Scope, cause: number | null): Promise<void> {
    if (batch.length === 1) {
      await this.runListener(batch[0]!, arg, scope, cause);
      return;
    }
    // Look the batch's groups up instead of scanning every group; CrewAI races the first group
    // (in definition order) that has at least two members in the batch.
    let group: RacingGroup | null = null;
    const members = new Map<RacingGroup, number>();
    for (const m of batch) {
      const candidate = this.compiled.racingGroupByEvent.get(m.name);
      if (!candidate) continue;
      const count = (members.get(candidate) ?? 0) + 1;
      members.set(candidate, count);
      if (count === 2 && (group === null || candidate.order < group.order)) group = candidate;
    }
    if (!group) {
      await Promise.all(batch.map((m) => this.runListener(m, arg, scope, cause)));
      return;
    }
    const racing = group.events;
    const racers = batch.filter((m) => racing.has(m.name));
    const others = batch.filter((m) => !racing.has(m.name));
    // Exceptions inside a racing batch are swallowed, pauses and loop caps included (CrewAI does so).
    const othersDone = Promise.all(
      others.map((m) => {
        const own = newScope(scope);
        return this.runListener(m, arg, own, cause).catch(() => undefined);
      }),
    );
    const scopes = racers.map(() => newScope(scope));
    await new Promise<void>((done) => {
      let settled = 0;
      let won = false;
      racers.forEach((m, index) => {
        this.runListener(m, arg, scopes[index]!, cause).then(
          () => {
            settled++;
            if (!won) {
              won = true;
              scopes.forEach((s, j) => j !== index && s.abort());
            }
            if (won || settled === racers.length) done();
          },
          () => {
            settled++;
            if (settled === racers.length) done();
          },
        );
      });
    });
    await othersDone;
  }

  private async runListener(
    method: CompiledMethod,
    arg: unknown,
    scope: Scope,
    cause: number | null,
  ): Promise<{ result: unknown; execution: number } | typeof SKIPPED> {
    const count = (this.callCounts.get(method.name) ?? 0) + 1;
    this.callCounts.set(method.name, count);
    const max = this.compiled.config.max_method_calls;
    if (count > max)
      throw namedError(
        "RecursionError",
        `Method '${method.name}' has been called ${max} times in this flow execution, which indicates an infinite loop. This commonly happens when a @listen label matches the method's own name.`,
      );
    if (this.completed.has(method.name)) {
      if (this.resuming) {
        await this.dispatch(method.name, null, scope, cause);
        if (method.isRouter)
          for (const start of this.compiled.conditionalStarts) if (this.completed.has(start.name)) await this.runStart(start, scope, false);
        return SKIPPED;
      }
      this.completed.delete(method.name);
      this.firedOr.clear();
    }
    const ran = await this.execute(method, arg, true, scope, cause);
    await this.dispatch(method.name, ran.result, scope, ran.execution);
    return ran;
  }

  // ---- one method (spec §2.3) -------------------------------------------------------------------

  private async execute(
    method: CompiledMethod,
    arg: unknown,
    isListener: boolean,
    scope: Scope,
    cause: number | null,
  ): Promise<{ result: unknown; execution: number }> {
    if (scope.signal.aborted) throw new Cancelled();
    const recorded = this.replay?.take(method.name);
    if (recorded) return this.replayed(method, recorded);
    // The execution the crash interrupted: the `each` items it had made durable are not run again.
    const doneItems = this.replay?.takeDoneItems(method.name);
    const action = this.actions.get(method.name)!;
    const execution = ++this.executionSeq;
    const input = isListener && action.takesInput ? arg : undefined;
    this.recordMethod({
      type: "method_execution_started",
      method: method.name,
      execution,
      params: isListener && action.takesInput ? { _0: toJson(arg) } : {},
      state: toJson(this.state),
      triggeredBy: cause,
    });
    const started = performance.now();
    try {
      const raw = await action.body(this.actionContext(method.name, execution, input, scope, doneItems));
      if (scope.signal.aborted) throw new Cancelled();
      let result = raw;
      const feedback = method.definition.human_feedback;
      if (feedback) {
        const step = await runFeedbackStep(this.handle, method.name, feedback, raw, String(this.state.id ?? "unknown"), this.feedbackOptions(), this.options.sourcePath);
        this.pushFeedback(step.result);
        this.recordMethod({ type: "human_feedback_received", method: method.name, execution, feedback: step.result.feedback, outcome: step.outcome });
        result = feedback.emit?.length ? step.outcome : step.result;
      }
      const recorded = feedback?.emit?.length ? raw : result;
      this.recordOutput(method.name, recorded);
      this.executionCounts.set(method.name, (this.executionCounts.get(method.name) ?? 0) + 1);
      this.completed.add(method.name);
      const snapshot = { result: toJson(result), output: toJson(recorded), state: toJson(this.state) };
      this.checkLimits(method.name, snapshot);
      await this.persistIfEnabled(method, execution);
      this.recordMethod({
        type: "method_execution_finished",
        method: method.name,
        execution,
        result: snapshot.result,
        output: snapshot.output,
        label: method.isRouter && result !== null && result !== undefined ? labelOf(result) : null,
        state: snapshot.state,
        durationMs: performance.now() - started,
      });
      await this.commitJournal();
      return { result, execution };
    } catch (err) {
      if (err instanceof Cancelled) throw err;
      if (err instanceof HumanFeedbackPending) {
        err.context.method_name = method.name;
        this.recordMethod({
          type: "method_execution_paused",
          method: method.name,
          execution,
          state: toJson(this.state),
          flowId: err.context.flow_id,
          message: err.context.message,
          emit: err.context.emit,
        });
      } else
        this.recordMethod({ type: "method_execution_failed", method: method.name, execution, error: errorInfo(err), durationMs: performance.now() - started });
      scope.abort(); // siblings stop: they record nothing more (§2.10)
      throw err;
    }
  }

  private actionContext(method: string, execution: number, input: unknown, scope: Scope, doneItems?: ReadonlyMap<number, unknown>): ActionContext {
    const context = new MethodContext(this, method, execution, input, scope.signal);
    if (doneItems) context.doneItems = doneItems;
    return context;
  }

  /** For `each`: an item's event, committed before the next item starts. */
  async itemDone(method: string, execution: number, index: number, result: unknown): Promise<void> {
    this.recordMethod({ type: "each_item_finished", method, execution, index, result: toJson(result), state: toJson(this.state) });
    await this.commitJournal();
  }

  /** `{state, outputs}` as JSON for CEL (and scripts), with an `each` item's locals on top. */
  celContext(local?: EachLocals): Record<string, unknown> {
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of this.latest) outputs[name] = toJson(value);
    if (local) for (const [name, value] of Object.entries(local.outputs)) outputs[name] = toJson(value);
    const context: Record<string, unknown> = { state: toJson(this.state), outputs };
    if (local) context.item = toJson(local.item);
    return context;
  }

  /** For actions: record an event of the running method (LLM calls, streamed tokens). */
  recordFromAction(event: NewFlowEvent): void {
    this.recordMethod(event);
  }

  private recordOutput(method: string, output: unknown): void {
    this.outputs.push({ method, output });
    this.latest.set(method, output);
  }

  private lastOutput(): unknown {
    return this.outputs.length > 0 ? this.outputs[this.outputs.length - 1]!.output : null;
  }

  private pushFeedback(result: HumanFeedbackResult): void {
    this.humanFeedbackHistory.push(result);
    this.lastHumanFeedback = result;
  }

  private feedbackOptions(): FeedbackOptions {
    return {
      ...this.options.feedback,
      refs: {
        ...(this.options.sourcePath ? { sourceDir: dirname(this.options.sourcePath) } : {}),
        ...(this.options.modulePaths ? { modulePaths: this.options.modulePaths } : {}),
        ...(this.options.modules ? { modules: this.options.modules } : {}),
      },
      flowName: this.definition.name,
    };
  }

  // ---- persistence (spec §4.2) -------------------------------------------------------------------

  private defaultBackend(): FlowPersistence {
    return this.options.defaultPersistence ?? processDefaultPersistence;
  }

  private async persistIfEnabled(method: CompiledMethod, execution: number): Promise<void> {
    const block = method.definition.persist ?? this.definition.persist;
    if (!block?.enabled) return;
    const backend = this.options.persistence ?? resolveBackend(block, this.definition.name, this.options) ?? this.defaultBackend();
    const id = this.state.id;
    if (id === undefined || id === null || id === "") throw namedError("ValueError", "Flow state must have an 'id' field for persistence");
    try {
      await backend.saveState(String(id), method.name, toJson(this.state) as State);
    } catch (err) {
      throw namedError("RuntimeError", `State persistence failed: ${(err as Error).message}`);
    }
    this.recordMethod({ type: "state_persisted", method: method.name, execution, stateId: String(id) });
  }

  // ---- events ---------------------------------------------------------------------------------------

  private record(event: NewFlowEvent): void {
    // Completes the caller's fresh object in place (no copy): this runs twice per step.
    const full = event as FlowEvent;
    full.seq = ++this.seq;
    full.at = isoNow();
    full.runId = this.runId;
    full.flowName = this.definition.name;
    this.events.push(full);
    const listener = this.options.onEvent;
    if (listener && !(this.compiled.config.suppress_flow_events && SUPPRESSIBLE.has(full.type))) listener(full);
  }

  /** Hand the events recorded since the last commit to the journal, and wait until they are durable. */
  private async commitJournal(): Promise<void> {
    const journal = this.options.journal;
    if (!journal || this.committed >= this.events.length) return;
    const batch = this.events.slice(this.committed);
    this.committed = this.events.length;
    await journal.commit(this.runId, batch);
  }

  private recordMethod(event: NewFlowEvent): void {
    if (event.type !== "method_execution_failed" && event.type !== "method_execution_paused" && this.root.signal.aborted) return;
    this.record(event);
  }
}

const SKIPPED = Symbol("skipped");

/** What an action sees of its method's run; a class so each execution allocates no closures. */
class MethodContext implements ActionContext {
  readonly flow: FlowHandle;
  constructor(
    private readonly owner: Flow,
    readonly method: string,
    readonly execution: number,
    readonly input: unknown,
    readonly signal: AbortSignal,
  ) {
    this.flow = owner.handleForActions;
  }
  celContext(local?: EachLocals): Record<string, unknown> {
    return this.owner.celContext(local);
  }
  record(event: NewFlowEvent): void {
    this.owner.recordFromAction(event);
  }
  doneItems?: ReadonlyMap<number, unknown>;
  itemDone(index: number, result: unknown): Promise<void> {
    return this.owner.itemDone(this.method, this.execution, index, result);
  }
}

let lastMs = 0;
let lastIso = "";
/** ISO timestamps, formatted once per millisecond. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** A router's return value as an event label (spec §2.5): `str()` of it, Python-style. */
export function labelOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (value && typeof value === "object" && typeof (value as { toString?: unknown }).toString === "function" && (value as object).toString !== Object.prototype.toString)
    return String(value);
  return pyRepr(toJson(value));
}

/** Backend of a persist block: its `persistence_type` from the registry, else null (the default one). */
function resolveBackend(block: PersistDefinition, flowName: string, options: FlowOptions): FlowPersistence | null {
  const config = block.persistence;
  if (config === null || config === undefined) return null;
  if (typeof config === "object" && !Array.isArray(config)) {
    const { persistence_type: type, ...fields } = config as Record<string, unknown>;
    const factory = typeof type === "string" ? options.persistenceTypes?.[type] : undefined;
    if (factory) return factory(fields);
  }
  throw namedError("ValueError", `Cannot resolve persistence backend ${pyRepr(toJson(config))} from the flow definition for flow '${flowName}'.`);
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { type: err.name, message: err.message };
  return { type: "Error", message: String(err) };
}
