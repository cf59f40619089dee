// The run side's state: the open run, its event log (history first, then live over SSE), the step the
// slider points at and the panels' data. Node statuses and traversed edges are folds of the log up to
// that step, recomputed when either changes, so the canvas, the state and the diff move together.
import type { JsonValue } from "@crewflow/definition";
import { create } from "zustand";
import { flowPath, navigate, parseRoute } from "../editor/routing";
import { type Lineage, type PatchOperation, type RunDiff, type RunView, type StepDiff, type StepState, runsClient } from "./api";
import { type RunFold, type Step, foldEvents, stepsOf } from "./derive";
import { editorView, savedVersion, showVersion } from "./editor";
import type { RunEvent } from "./types";

export interface StepDetail {
  state: StepState | null;
  diff: StepDiff | null;
  error: string | null;
}

export interface RunsState {
  runId: string | null;
  run: RunView | null;
  events: RunEvent[];
  /** Names of the flow's methods (never-run methods of a finished run are "skipped"). */
  methods: string[];
  steps: Step[];
  /** The step the slider and the inspector show (1-based); null follows the run's latest event. */
  cursor: number | null;
  fold: RunFold;
  /** Tokens streamed live into each method's current execution. */
  streams: Record<string, string>;
  /** Seconds a running method's model call has been waiting for its answer (live channel). */
  waits: Record<string, number>;
  /**
   * Executions the server's live channel says started but whose start is not committed yet (the store
   * commits a method's events when it ends): shown running meanwhile. Keyed by execution number.
   */
  liveStarts: Record<number, { method: string; seq: number }>;
  /** Whether the event subscription is open. */
  live: boolean;
  panelOpen: boolean;
  inputsOpen: boolean;
  /** The step a fork dialog is open for. */
  forkStep: number | null;
  /** The flow's runs (loaded for the runs list and the compare picker). */
  history: RunView[] | null;
  historyOpen: boolean;
  lineage: Lineage | null;
  comparison: RunDiff | null;
  details: Record<number, StepDetail>;
  error: string | null;
  busy: boolean;
}

const emptyFold = (): RunFold => foldEvents([], []);

const initial = (): RunsState => ({
  runId: null,
  run: null,
  events: [],
  methods: [],
  steps: [],
  cursor: null,
  fold: emptyFold(),
  streams: {},
  waits: {},
  liveStarts: {},
  live: false,
  panelOpen: true,
  inputsOpen: false,
  forkStep: null,
  history: null,
  historyOpen: false,
  lineage: null,
  comparison: null,
  details: {},
  error: null,
  busy: false,
});

export const useRuns = create<RunsState>(() => initial());

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Seqs of tokens already shown from the live channel (the committed log repeats them). */
let shownTokens = new Set<number>();

/** The seq the fold stops at for a cursor (a step's end event). */
function foldAt(state: Pick<RunsState, "events" | "methods" | "steps" | "liveStarts">, cursor: number | null): RunFold {
  const step = cursor === null ? undefined : state.steps[cursor - 1];
  const fold = foldEvents(state.events, state.methods, step?.seq);
  // Starts the live channel showed before their commit: running, or stopped once the log says the run ended.
  const ended = fold.outcome === "completed" || fold.outcome === "failed";
  if (cursor === null)
    for (const [execution, start] of Object.entries(state.liveStarts)) if (!fold.executions.has(Number(execution))) fold.statuses.set(start.method, ended ? "stopped" : "running");
  return fold;
}

let subscription: { unsubscribe(): void } | null = null;
let liveSubscription: { unsubscribe(): void } | null = null;

function closeSubscription(): void {
  subscription?.unsubscribe();
  subscription = null;
  liveSubscription?.unsubscribe();
  liveSubscription = null;
  shownTokens = new Set();
  useRuns.setState({ liveStarts: {} });
}

/** Adds a batch of events (deduplicated by seq: a reconnect never repeats one) and refolds. */
export function receiveEvents(batch: readonly RunEvent[]): void {
  const state = useRuns.getState();
  const last = state.events.at(-1)?.seq ?? 0;
  const fresh = batch.filter((e) => e.seq > last);
  if (fresh.length === 0) return;
  const events = [...state.events, ...fresh];
  const steps = stepsOf(events);
  const streams = { ...state.streams };
  const liveStarts = { ...state.liveStarts };
  for (const event of fresh) {
    if (event.type === "method_execution_started") {
      delete liveStarts[event.execution];
      if (!shownTokens.has(event.seq)) streams[event.method] = "";
    } else if (event.type === "llm_stream" && !shownTokens.has(event.seq)) streams[event.method] = (streams[event.method] ?? "") + event.delta;
  }
  useRuns.setState({ events, steps, streams, liveStarts, fold: foldAt({ events, methods: state.methods, steps, liveStarts }, state.cursor) });
}

export type LiveEvent =
  | { type: "started"; seq: number; method: string; execution: number }
  | { type: "token"; seq: number; method: string; execution: number; delta: string }
  | { type: "waiting"; seq: number; method: string; execution: number; seconds: number };

/** Method starts, tokens and model waits from the server's live channel (ahead of the committed log). */
export function receiveLive(batch: readonly LiveEvent[]): void {
  const state = useRuns.getState();
  const committed = state.events.at(-1)?.seq ?? 0;
  const streams = { ...state.streams };
  const waits = { ...state.waits };
  const liveStarts = { ...state.liveStarts };
  let started = false;
  for (const event of batch) {
    if (event.seq <= committed || shownTokens.has(event.seq)) continue;
    shownTokens.add(event.seq);
    if (event.type === "started") {
      liveStarts[event.execution] = { method: event.method, seq: event.seq };
      streams[event.method] = "";
      delete waits[event.method];
      started = true;
    } else if (event.type === "waiting") waits[event.method] = event.seconds;
    else {
      streams[event.method] = (streams[event.method] ?? "") + event.delta;
      delete waits[event.method];
    }
  }
  useRuns.setState(started ? { streams, waits, liveStarts, fold: foldAt({ ...state, liveStarts }, state.cursor) } : { streams, waits });
}

function subscribe(runId: string): void {
  closeSubscription();
  const lastEventId = useRuns.getState().events.at(-1)?.seq;
  useRuns.setState({ live: true });
  liveSubscription = runsClient().events.live.subscribe(
    { runId },
    {
      onData(msg) {
        if (useRuns.getState().runId === runId) receiveLive(msg.events);
      },
      // Only a preview: the committed log below carries everything, so a failure here loses nothing.
      onError() {},
    },
  );
  const current = runsClient().events.run.subscribe(
    { runId, ...(lastEventId ? { lastEventId: String(lastEventId) } : {}) },
    {
      onData(msg) {
        if (useRuns.getState().runId !== runId) return;
        receiveEvents(msg.data.events as RunEvent[]);
      },
      onError(err) {
        if (subscription === current) subscription = null;
        if (useRuns.getState().runId !== runId) return;
        useRuns.setState({ live: false, error: message(err) });
      },
      onComplete() {
        if (subscription === current) subscription = null;
        if (useRuns.getState().runId !== runId) return;
        useRuns.setState({ live: false });
        void refreshRun();
        if (useRuns.getState().historyOpen) void loadHistory();
      },
    },
  );
  subscription = current;
}

/** Bumped by every change of the run row here: an older reload's answer is stale and dropped. */
let rowVersion = 0;

/** Reloads the open run's row (status, totals, pending question). */
export async function refreshRun(): Promise<void> {
  const runId = useRuns.getState().runId;
  if (!runId) return;
  const version = ++rowVersion;
  try {
    const run = await runsClient().runs.get.query({ runId });
    if (useRuns.getState().runId === runId && version === rowVersion) useRuns.setState({ run });
  } catch (err) {
    useRuns.setState({ error: message(err) });
  }
}

/** The run id in `/flows/:flowId/runs/:runId`, if the page shows one. */
export function runIdFromUrl(pathname: string): string | null {
  const route = parseRoute(pathname);
  return route.page === "editor" ? route.runId : null;
}

/**
 * Opens a run: loads it, shows its version on the canvas, replays its log and follows it live.
 * `push` puts its URL in the history (false when the URL already names it).
 */
export async function openRun(runId: string, options: { push?: boolean } = {}): Promise<void> {
  closeSubscription();
  useRuns.setState({ ...initial(), panelOpen: true, runId, busy: true, history: useRuns.getState().history, historyOpen: useRuns.getState().historyOpen });
  try {
    rowVersion++;
    const run = await runsClient().runs.get.query({ runId });
    if (useRuns.getState().runId !== runId) return;
    const notice = await showVersion(run.flowId, run.version);
    const methods = Object.keys(editorView().definition.methods ?? {});
    useRuns.setState({ run, methods, busy: false, fold: foldEvents([], methods), error: notice });
    if (options.push !== false && typeof location !== "undefined") navigate(flowPath(run.flowId, runId));
    subscribe(runId);
  } catch (err) {
    useRuns.setState({ busy: false, error: message(err) });
  }
}

/** Forgets the open run (the canvas goes back to plain editing). */
export function closeRun(): void {
  closeSubscription();
  useRuns.setState({ ...initial(), history: useRuns.getState().history, historyOpen: useRuns.getState().historyOpen });
}

export function setInputsOpen(open: boolean): void {
  useRuns.setState({ inputsOpen: open, error: null });
}

/** Starts a run of the flow on the canvas (saving pending edits first) and shows it. */
export async function startRun(inputs: Record<string, JsonValue>): Promise<string | null> {
  useRuns.setState({ busy: true, error: null });
  try {
    const { flowId, version } = await savedVersion();
    const started = await runsClient().runs.start.mutate({ flowId, ...(version ? { version } : {}), inputs });
    useRuns.setState({ inputsOpen: false, busy: false });
    await openRun(started.runId);
    return started.runId;
  } catch (err) {
    useRuns.setState({ busy: false, error: message(err) });
    return null;
  }
}

async function act(work: () => Promise<{ runId: string } | void>): Promise<void> {
  useRuns.setState({ busy: true, error: null });
  try {
    const result = await work();
    useRuns.setState({ busy: false });
    if (result) await openRun(result.runId);
  } catch (err) {
    useRuns.setState({ busy: false, error: message(err) });
  }
}

export const cancelRun = (): Promise<void> =>
  act(async () => {
    const runId = useRuns.getState().runId;
    if (!runId) return;
    await runsClient().runs.cancel.mutate({ runId });
    await refreshRun();
  });

/** Replays the open run from its recorded model answers (a new run). */
export const replayRun = (): Promise<void> =>
  act(async () => {
    const runId = useRuns.getState().runId;
    if (runId) return runsClient().runs.replay.mutate({ runId });
  });

/** Starts the open run's version again with the same inputs. */
export const rerun = (): Promise<void> =>
  act(async () => {
    const run = useRuns.getState().run;
    if (!run) return;
    const inputs = run.inputs && typeof run.inputs === "object" && !Array.isArray(run.inputs) ? run.inputs : {};
    return runsClient().runs.start.mutate({ flowId: run.flowId, version: run.version, inputs });
  });

export function setForkStep(step: number | null): void {
  useRuns.setState({ forkStep: step, error: null });
}

/** A new run from the state after `step`, with the patch applied; shows it. */
export const forkRun = (step: number, patch: PatchOperation[]): Promise<void> =>
  act(async () => {
    const runId = useRuns.getState().runId;
    if (!runId) return;
    const forked = await runsClient().runs.fork.mutate({ runId, at: { step }, patch });
    useRuns.setState({ forkStep: null });
    return forked;
  });

/** Answers the question a paused run waits on; the run resumes and is followed again. */
export async function sendFeedback(feedback: string): Promise<void> {
  const runId = useRuns.getState().runId;
  if (!runId) return;
  useRuns.setState({ busy: true, error: null });
  try {
    const resumed = await runsClient().feedback.submit.mutate({ runId, feedback });
    rowVersion++; // a reload sent before the answer would show the run paused again
    // Follow the resumed job before anything else can show the run's old state as current.
    subscribe(runId);
    const run = useRuns.getState().run;
    useRuns.setState({ busy: false, ...(run ? { run: { ...run, status: resumed.status, pending: null } } : {}) });
  } catch (err) {
    useRuns.setState({ busy: false, error: message(err) });
  }
}

/** Points the slider (and canvas, state and diff) at a step; null follows the run again. */
export function selectStep(step: number | null): void {
  const state = useRuns.getState();
  const cursor = step === null ? null : Math.min(Math.max(1, step), Math.max(1, state.steps.length));
  useRuns.setState({ cursor, fold: foldAt(state, cursor) });
  if (cursor !== null) void loadStepDetail(cursor);
}

/** The state after a step and its diff from the step before, from the server's stores. */
export async function loadStepDetail(step: number): Promise<void> {
  const { runId, run, details } = useRuns.getState();
  // No run row: a log shown without the server (nothing to ask it).
  if (!runId || !run || details[step]) return;
  const client = runsClient();
  try {
    const [state, diff] = await Promise.all([
      client.runs.stateAt.query({ runId, at: { step } }),
      step > 1 ? client.runs.diffSteps.query({ runId, from: { step: step - 1 }, to: { step } }) : Promise.resolve(null),
    ]);
    if (useRuns.getState().runId === runId) useRuns.setState({ details: { ...useRuns.getState().details, [step]: { state, diff, error: null } } });
  } catch (err) {
    if (useRuns.getState().runId === runId)
      useRuns.setState({ details: { ...useRuns.getState().details, [step]: { state: null, diff: null, error: message(err) } } });
  }
}

/** The flow's runs, newest first. */
export async function loadHistory(): Promise<void> {
  const flowId = useRuns.getState().run?.flowId ?? editorView().flowId;
  if (!flowId) return;
  try {
    const page = await runsClient().runs.list.query({ flowId, limit: 50 });
    useRuns.setState({ history: page.items });
  } catch (err) {
    useRuns.setState({ error: message(err) });
  }
}

/** Shows or hides the runs list (loading it fresh when shown). */
export function toggleHistory(): void {
  const open = !useRuns.getState().historyOpen;
  useRuns.setState({ historyOpen: open, panelOpen: true });
  if (open) void loadHistory();
}

export async function loadLineage(): Promise<void> {
  const runId = useRuns.getState().runId;
  if (!runId) return;
  try {
    const lineage = await runsClient().runs.lineage.query({ runId });
    if (useRuns.getState().runId === runId) useRuns.setState({ lineage });
  } catch (err) {
    useRuns.setState({ error: message(err) });
  }
}

/** Compares the open run with another, step by step (the server's diff). */
export async function compareWith(other: string): Promise<void> {
  const runId = useRuns.getState().runId;
  if (!runId) return;
  try {
    const comparison = await runsClient().runs.diffRuns.query({ left: runId, right: other });
    useRuns.setState({ comparison });
  } catch (err) {
    useRuns.setState({ error: message(err) });
  }
}

export function closeComparison(): void {
  useRuns.setState({ comparison: null });
}

export function setPanelOpen(open: boolean): void {
  useRuns.setState({ panelOpen: open });
}

/** Test hook: back to nothing open (and no subscription). */
export function resetRuns(): void {
  closeSubscription();
  useRuns.setState(initial());
}

/** Test hook: shows a log without a server (the store's folds are what is under test). */
export function showEvents(runId: string, methods: string[], events: readonly RunEvent[]): void {
  closeSubscription();
  useRuns.setState({ ...initial(), runId, methods, fold: foldEvents([], methods) });
  receiveEvents(events);
}
