// State diffs as data the server and UI can show: between two steps of one run, and between the aligned
// steps of two runs. Each diff carries jsondiffpatch's delta (for its visual formatters) and the same
// change as RFC 6902 operations (for everything else).
import { create, type Delta } from "jsondiffpatch";
import { format as toJsonPatch, type Op as JsonPatchOp } from "jsondiffpatch/formatters/jsonpatch";
import type { RunStore, StepView } from "@crewflow/runtime";

export type { Delta, JsonPatchOp };

const differ = create({
  // Arrays of objects are matched by a stable id when they have one, so an insertion is not a cascade of edits.
  objectHash: (item: object, index?: number) => {
    const record = item as Record<string, unknown>;
    const id = record.id ?? record._id ?? record.name;
    return typeof id === "string" || typeof id === "number" ? `${id}` : `$$index:${index}`;
  },
  arrays: { detectMove: true },
  omitRemovedValues: false,
});

export interface StateDiff {
  /** jsondiffpatch's delta (undefined when equal). */
  delta: Delta | undefined;
  /** The same change as RFC 6902 operations (empty when equal). */
  patch: JsonPatchOp[];
  changed: boolean;
}

/** Top-level keys dropped before diffing (two runs always differ in their state id). */
export interface DiffOptions {
  ignoreKeys?: readonly string[];
}

function without(state: unknown, keys: readonly string[]): unknown {
  if (!keys.length || state === null || typeof state !== "object" || Array.isArray(state)) return state;
  const copy = { ...(state as Record<string, unknown>) };
  for (const key of keys) delete copy[key];
  return copy;
}

/** Object keys sorted, recursively: PostgreSQL's jsonb reorders keys, and a diff must not depend on the database. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
  return out;
}

export function diffStates(left: unknown, right: unknown, options: DiffOptions = {}): StateDiff {
  const keys = options.ignoreKeys ?? [];
  const delta = differ.diff(canonical(without(left, keys)), canonical(without(right, keys)));
  return { delta, patch: delta === undefined ? [] : toJsonPatch(delta), changed: delta !== undefined };
}

export interface StepRef {
  runId: string;
  number: number;
  seq: number;
  method: string;
  execution: number;
  status: StepView["status"];
}

const refOf = (runId: string, step: StepView): StepRef => ({
  runId,
  number: step.number,
  seq: step.seq,
  method: step.method,
  execution: step.execution,
  status: step.status,
});

export class DiffError extends Error {
  override name = "ValueError";
}

async function findStep(store: RunStore, runId: string, at: { number: number } | { seq: number }): Promise<StepView> {
  const step = await store.step(runId, at);
  if (!step) throw new DiffError(`run ${runId} has no step ${"number" in at ? `#${at.number}` : `at seq ${at.seq}`}`);
  return step;
}

/** The state change between two steps of one run (from the state after `from` to the state after `to`). */
export async function diffSteps(
  store: RunStore,
  runId: string,
  from: { number: number } | { seq: number },
  to: { number: number } | { seq: number },
  options: DiffOptions = {},
): Promise<StateDiff & { from: StepRef; to: StepRef }> {
  const [a, b] = await Promise.all([findStep(store, runId, from), findStep(store, runId, to)]);
  return { from: refOf(runId, a), to: refOf(runId, b), ...diffStates(a.state, b.state, options) };
}

export interface AlignedStep extends StateDiff {
  /** `method#k`: the k-th execution of that method in its run (counted from the fork point for a fork). */
  key: string;
  left: StepRef | null;
  right: StepRef | null;
  /** Whether the steps' outputs differ. */
  outputChanged: boolean;
}

export interface RunDiff {
  left: string;
  right: string;
  steps: AlignedStep[];
  /** The first aligned step whose state or output differs (or that only one run has). */
  firstDifference: AlignedStep | null;
  final: StateDiff;
}

/**
 * Aligns the steps of two runs by method and occurrence (the k-th execution of `m` in one run with the
 * k-th in the other), which survives parallel branches finishing in another order. A fork or checkpoint
 * run counts its occurrences on from its parent's counts at the fork point, so its steps align with the
 * parent's later steps. State ids are ignored unless `ignoreKeys` says otherwise.
 */
export async function diffRuns(store: RunStore, leftRunId: string, rightRunId: string, options: DiffOptions = {}): Promise<RunDiff> {
  const opts = { ignoreKeys: options.ignoreKeys ?? ["id"] };
  const [left, right] = await Promise.all([keyed(store, leftRunId), keyed(store, rightRunId)]);
  const keys: string[] = [];
  const seen = new Set<string>();
  // Keys in the order of the left run, then the right run's extra keys in their order.
  for (const key of [...left.keys(), ...right.keys()])
    if (!seen.has(key)) {
      seen.add(key);
      keys.push(key);
    }
  const steps = keys.map((key): AlignedStep => {
    const a = left.get(key) ?? null;
    const b = right.get(key) ?? null;
    // A step only one run has is reported as such, not as a state "change" from nothing.
    const state = a && b ? diffStates(a.state, b.state, opts) : { delta: undefined, patch: [], changed: false };
    return {
      key,
      left: a ? refOf(leftRunId, a) : null,
      right: b ? refOf(rightRunId, b) : null,
      ...state,
      outputChanged: diffStates(a?.output ?? null, b?.output ?? null).changed || (a?.status ?? null) !== (b?.status ?? null),
    };
  });
  const lastState = (m: Map<string, StepView>) => [...m.values()].filter((s) => s.state !== null).at(-1)?.state ?? null;
  return {
    left: leftRunId,
    right: rightRunId,
    steps,
    firstDifference: steps.find((s) => s.changed || s.outputChanged || !s.left || !s.right) ?? null,
    final: diffStates(lastState(left), lastState(right), opts),
  };
}

async function keyed(store: RunStore, runId: string): Promise<Map<string, StepView>> {
  const run = await store.getRun(runId);
  if (!run) throw new DiffError(`no run '${runId}'`);
  const counts = new Map<string, number>();
  if (run.parentRunId !== null && run.parentSeq !== null && (run.origin === "fork" || run.origin === "checkpoint")) {
    // A fork skipped its parent's completed steps: continue the parent's occurrence counts.
    for (const step of await store.steps(run.parentRunId)) if (step.seq <= run.parentSeq) counts.set(step.method, (counts.get(step.method) ?? 0) + 1);
  }
  const out = new Map<string, StepView>();
  for (const step of await store.steps(runId)) {
    const k = (counts.get(step.method) ?? 0) + 1;
    counts.set(step.method, k);
    out.set(`${step.method}#${k}`, step);
  }
  return out;
}
