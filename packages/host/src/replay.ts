// Deterministic replay: re-execute a recorded run on its own flow version (or on another text, to see
// where a changed version diverges), answering every LLM call from the run's recordings through the
// replay model of @crewflow/crews. A faithful replay makes no live calls and ends with the same steps
// and the same final state; otherwise the report names the first step whose request differs.
import { type FlowDefinition, loadDefinitionText } from "@crewflow/definition";
import { type CrewRunner, type FlowEvent, type FlowOptions, type JsonValue, type RunStore, type StepView, type StoredRun, HumanFeedbackPending } from "@crewflow/runtime";
import { type StateDiff, diffStates } from "./diff";
import { type HostOptions, type HostResult, HostError, runFlow } from "./host";

/**
 * Builds the crew runner a replay runs with from the calls the run recorded (each `llm_call` event's
 * `call`, in order). The crews package provides the real one; any CrewRunner that answers from the
 * recordings (same request hash → same response, a miss is an error naming the request) fits.
 */
export type ReplayModelFactory = (recordedCalls: readonly JsonValue[]) => CrewRunner;

export interface ReplayOptions {
  /** Another definition to replay instead of the run's own version (to find where it diverges). */
  definition?: { text: string; sourcePath: string | null };
  /** Needed when the run made LLM calls. */
  replayModel?: ReplayModelFactory;
  /** Engine options (modules, feedback…); crews comes from `replayModel`. */
  flowOptions?: FlowOptions;
  onRunCreated?: HostOptions["onRunCreated"];
  onCommitted?: HostOptions["onCommitted"];
  /** Stops the replay as `HostOptions.signal` stops a run. */
  signal?: AbortSignal;
}

export interface RequestDifference {
  /** 0-based index of the call in the run's order. */
  index: number;
  /** The step (method execution) that made the call in the replay, and in the recording. */
  method: string | null;
  recordedMethod: string | null;
  expected: JsonValue;
  actual: JsonValue;
  /** How the request changed (jsondiffpatch delta + RFC 6902). */
  diff: StateDiff;
}

export interface ReplayReport {
  of: string;
  result: HostResult;
  sameVersion: boolean;
  /** Model calls (kind `llm`) in the recording and in the replay. */
  recordedCalls: number;
  replayedCalls: number;
  /** Replayed model calls that a live provider answered (the crews package records `provider`); 0 for a faithful replay. */
  liveCalls: number;
  stepsMatch: boolean;
  stateMatch: boolean;
  /** Steps, final state and LLM requests all match. */
  identical: boolean;
  /** The first call whose request differs from the recording (or that the recording lacks). */
  firstDifference: RequestDifference | null;
  /** The first step (by position) that differs in method, status or output. */
  firstStepDifference: { number: number; recorded: StepSummary | null; replayed: StepSummary | null } | null;
  finalState: StateDiff;
}

export interface StepSummary {
  method: string;
  status: StepView["status"];
  output: JsonValue;
}

export class ReplayUnavailable extends Error {
  override name = "ReplayUnavailable";
}

const requestOf = (call: JsonValue): JsonValue =>
  call !== null && typeof call === "object" && !Array.isArray(call) && "request" in call ? (call.request ?? null) : call;
const hashOf = (call: JsonValue): string | null =>
  call !== null && typeof call === "object" && !Array.isArray(call) && typeof call.hash === "string" ? call.hash : null;

export async function replayRun(store: RunStore, runId: string, options: ReplayOptions = {}): Promise<ReplayReport> {
  const source = await store.loadRun(runId);
  if (!source) throw new HostError(`no run '${runId}' in ${store.url}`);
  const version = await store.getVersion(source.record.versionId);
  const text = options.definition?.text ?? version?.definition ?? null;
  if (text === null) throw new ReplayUnavailable(`run ${runId} was recorded without its definition text; pass the definition to replay it`);
  const sourcePath = options.definition ? options.definition.sourcePath : (version?.sourcePath ?? source.record.definitionPath);
  const loaded = loadDefinitionText(text, sourcePath ? { sourcePath } : {});
  if (!loaded.definition) throw new HostError(`the definition to replay is invalid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  const definition: FlowDefinition = loaded.definition;

  const recorded = await store.recordedCalls(runId);
  if (recorded.length > 0 && !options.replayModel)
    throw new ReplayUnavailable(`run ${runId} made ${recorded.length} LLM call(s); replaying them needs a replay model (@crewflow/crews)`);
  const calls = recorded.map((c) => c.call);
  const flowOptions: FlowOptions = { ...options.flowOptions, ...(options.replayModel ? { crews: options.replayModel(calls) } : {}) };
  const host: HostOptions = {
    definition,
    text,
    sourcePath,
    flowOptions,
    replayOf: runId,
    ...(options.onRunCreated ? { onRunCreated: options.onRunCreated } : {}),
    ...(options.onCommitted ? { onCommitted: options.onCommitted } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const inputs = (source.record.inputs ?? null) as Record<string, unknown> | null;
  let result = await start(store, host, source.record, inputs);
  // A run that paused for feedback and was resumed: answer each pause with the feedback it got.
  const answers = source.events.filter((e): e is Extract<FlowEvent, { type: "human_feedback_received" }> => e.type === "human_feedback_received");
  let answered = 0;
  while (result.outcome instanceof HumanFeedbackPending && answered < answers.length) {
    result = await runFlow(store, host, { kind: "resume", runId: result.runId, feedback: answers[answered++]!.feedback });
  }
  return compare(
    store,
    source.record,
    result,
    recorded.filter((c) => c.kind === "llm").map((c) => ({ call: c.call, method: c.method })),
    text === version?.definition,
  );
}

async function start(store: RunStore, host: HostOptions, source: StoredRun, inputs: Record<string, unknown> | null): Promise<HostResult> {
  if (source.parentRunId !== null && source.parentSeq !== null && (source.origin === "fork" || source.origin === "checkpoint")) {
    // Start where the recorded run started: its parent's snapshot, with the same patch.
    return runFlow(store, host, { kind: "fork", runId: source.parentRunId, seq: source.parentSeq, patch: source.forkPatch ?? [], inputs });
  }
  return runFlow(store, host, { kind: "new", inputs });
}

async function compare(
  store: RunStore,
  source: StoredRun,
  result: HostResult,
  recorded: { call: JsonValue; method: string }[],
  sameVersion: boolean,
): Promise<ReplayReport> {
  const [before, after, allReplayed] = await Promise.all([store.steps(source.runId), store.steps(result.runId), store.recordedCalls(result.runId)]);
  const replayedCalls = allReplayed.filter((c) => c.kind === "llm");
  const summary = (s: StepView | undefined): StepSummary | null => (s ? { method: s.method, status: s.status, output: s.output } : null);
  let firstStepDifference: ReplayReport["firstStepDifference"] = null;
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const a = summary(before[i]);
    const b = summary(after[i]);
    if (!a || !b || a.method !== b.method || a.status !== b.status || diffStates(a.output, b.output).changed) {
      firstStepDifference = { number: i + 1, recorded: a, replayed: b };
      break;
    }
  }
  let firstDifference: RequestDifference | null = null;
  for (let i = 0; i < Math.max(recorded.length, replayedCalls.length); i++) {
    const expected = recorded[i];
    const actual = replayedCalls[i];
    const expectedRequest = expected ? requestOf(expected.call) : null;
    const actualRequest = actual ? requestOf(actual.call) : null;
    const sameHash = expected && actual && hashOf(expected.call) !== null && hashOf(expected.call) === hashOf(actual.call);
    const diff = diffStates(expectedRequest, actualRequest);
    if (!expected || !actual || (!sameHash && diff.changed)) {
      firstDifference = { index: i, method: actual?.method ?? null, recordedMethod: expected?.method ?? null, expected: expectedRequest, actual: actualRequest, diff };
      break;
    }
  }
  // A replay model reports a miss by failing the call with an error that carries the request it could not answer.
  const missed = (result.error as { request?: JsonValue } | null)?.request;
  if (missed !== undefined && (!firstDifference || firstDifference.actual === null)) {
    const index = replayedCalls.length;
    const expected = recorded[index];
    const expectedRequest = expected ? requestOf(expected.call) : null;
    firstDifference = { index, method: null, recordedMethod: expected?.method ?? null, expected: expectedRequest, actual: missed, diff: diffStates(expectedRequest, missed) };
  }
  const lastState = (steps: StepView[]) => steps.filter((s) => s.state !== null).at(-1)?.state ?? null;
  const finalState = diffStates(lastState(before), lastState(after), { ignoreKeys: ["id"] });
  const stepsMatch = firstStepDifference === null;
  return {
    of: source.runId,
    result,
    sameVersion,
    recordedCalls: recorded.length,
    replayedCalls: replayedCalls.length,
    liveCalls: replayedCalls.filter((c) => {
      const provider = (c.call as { provider?: unknown } | null)?.provider;
      return typeof provider === "string" && provider !== "replay";
    }).length,
    stepsMatch,
    stateMatch: !finalState.changed,
    identical: stepsMatch && !finalState.changed && firstDifference === null && result.status === source.status,
    firstDifference,
    firstStepDifference,
    finalState,
  };
}
