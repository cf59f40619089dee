// Pure views of a run's event log: node statuses, traversed edges, steps, the timeline's lanes and
// the LLM calls, each "as of" a seq so the step slider can scrub through the run. No React here.
import type { JsonValue } from "@crewflow/definition";
import type { ErrorInfo, LlmCall, NodeRunStatus, RunEvent } from "./types";

/** One execution of a method (a bar in the timeline). */
export interface Execution {
  method: string;
  execution: number;
  /** 1-based count of this method's executions so far (loop iterations). */
  iteration: number;
  startSeq: number;
  endSeq: number | null;
  status: NodeRunStatus;
  /** Execution number of the method whose event triggered it (null for starts). */
  triggeredBy: number | null;
  label: string | null;
  durationMs: number | null;
  error: ErrorInfo | null;
}

/** A step: the end of one execution (completion order), as the server's `runs.steps` numbers them. */
export interface Step {
  number: number;
  seq: number;
  method: string;
  execution: number;
  status: "completed" | "failed" | "paused";
  output: JsonValue;
  label: string | null;
  error: ErrorInfo | null;
  durationMs: number | null;
}

export type RunOutcome = "completed" | "failed" | "paused" | null;

export interface RunFold {
  executions: Map<number, Execution>;
  /** Per method: its latest execution's status (running wins while any execution runs). */
  statuses: Map<string, NodeRunStatus>;
  /** Keys `source␀target␀label` of trigger edges that fired. */
  traversed: Set<string>;
  /** Keys `source␀label` of every method end (label "" when none). */
  fired: Set<string>;
  /** Methods that some execution triggered (whatever the cause). */
  triggered: Set<string>;
  outcome: RunOutcome;
  error: ErrorInfo | null;
}

const SEP = "\u0000";
export const edgeKey = (source: string, target: string, label: string | null): string => `${source}${SEP}${target}${SEP}${label ?? ""}`;

/** Folds the log up to (and including) `uptoSeq`; methods never run in a finished run are skipped. */
export function foldEvents(events: readonly RunEvent[], methods: readonly string[], uptoSeq = Number.POSITIVE_INFINITY): RunFold {
  const executions = new Map<number, Execution>();
  const iterations = new Map<string, number>();
  const traversed = new Set<string>();
  const fired = new Set<string>();
  const triggered = new Set<string>();
  let outcome: RunOutcome = null;
  let error: ErrorInfo | null = null;
  for (const event of events) {
    if (event.seq > uptoSeq) break;
    switch (event.type) {
      case "flow_started":
        outcome = null;
        break;
      case "method_execution_started": {
        const iteration = (iterations.get(event.method) ?? 0) + 1;
        iterations.set(event.method, iteration);
        executions.set(event.execution, {
          method: event.method,
          execution: event.execution,
          iteration,
          startSeq: event.seq,
          endSeq: null,
          status: "running",
          triggeredBy: event.triggeredBy,
          label: null,
          durationMs: null,
          error: null,
        });
        const cause = event.triggeredBy === null ? undefined : executions.get(event.triggeredBy);
        if (cause) {
          traversed.add(edgeKey(cause.method, event.method, cause.label));
          triggered.add(event.method);
        }
        break;
      }
      case "method_execution_finished":
      case "method_execution_failed":
      case "method_execution_paused": {
        const run = executions.get(event.execution);
        if (!run) break;
        run.endSeq = event.seq;
        if (event.type === "method_execution_finished") {
          run.status = "done";
          run.label = event.label;
          run.durationMs = event.durationMs;
        } else if (event.type === "method_execution_failed") {
          run.status = "failed";
          run.error = event.error;
          run.durationMs = event.durationMs;
        } else run.status = "paused";
        if (run.status === "done") fired.add(`${run.method}${SEP}${run.label ?? ""}`);
        break;
      }
      case "flow_finished":
        outcome = "completed";
        break;
      case "flow_failed":
        outcome = "failed";
        error = event.error;
        break;
      case "flow_paused":
        outcome = "paused";
        break;
      default:
        break;
    }
  }
  // A step still under way when its run ended never finishes: it was stopped with the run.
  if (outcome === "completed" || outcome === "failed") for (const run of executions.values()) if (run.status === "running") run.status = "stopped";
  const statuses = new Map<string, NodeRunStatus>();
  for (const run of executions.values()) {
    if (statuses.get(run.method) === "running") continue;
    statuses.set(run.method, run.status);
  }
  if (outcome === "completed" || outcome === "failed") for (const method of methods) if (!statuses.has(method)) statuses.set(method, "skipped");
  return { executions, statuses, traversed, fired, triggered, outcome, error };
}

const isNode = (id: string, prefix: string) => id.startsWith(prefix);

/**
 * Whether the canvas edge source → target (with a router's emit label) carried the run. Join nodes
 * (`join:*`) and label nodes (`event:*`) sit between methods: an edge into one counts once its source
 * fired (the label, if given), an edge out of one once its target was triggered.
 */
export function isEdgeTraversed(fold: RunFold, source: string, target: string, label?: string): boolean {
  const intoJunction = isNode(target, "join:") || isNode(target, "event:");
  const outOfJunction = isNode(source, "join:") || isNode(source, "event:");
  if (outOfJunction) return fold.triggered.has(target);
  if (intoJunction) {
    if (label !== undefined) return fold.fired.has(`${source}${SEP}${label}`);
    for (const key of fold.fired) if (key.startsWith(`${source}${SEP}`)) return true;
    return false;
  }
  if (label !== undefined) return fold.traversed.has(edgeKey(source, target, label));
  for (const key of fold.traversed) if (key.startsWith(`${source}${SEP}${target}${SEP}`)) return true;
  return false;
}

/** The steps of a log: every method end in seq order (the server's step log). */
export function stepsOf(events: readonly RunEvent[]): Step[] {
  const steps: Step[] = [];
  for (const event of events) {
    if (event.type === "method_execution_finished")
      steps.push({ number: steps.length + 1, seq: event.seq, method: event.method, execution: event.execution, status: "completed", output: event.output, label: event.label, error: null, durationMs: event.durationMs });
    else if (event.type === "method_execution_failed")
      steps.push({ number: steps.length + 1, seq: event.seq, method: event.method, execution: event.execution, status: "failed", output: null, label: null, error: event.error, durationMs: event.durationMs });
    else if (event.type === "method_execution_paused")
      steps.push({ number: steps.length + 1, seq: event.seq, method: event.method, execution: event.execution, status: "paused", output: null, label: null, error: null, durationMs: null });
  }
  return steps;
}

/** A timeline bar: an execution placed on a lane (overlapping executions are parallel branches). */
export interface Bar extends Execution {
  lane: number;
  /** Logical span in seq units (wall time is too coarse for simulated runs to draw). */
  from: number;
  to: number;
  /** Whether the method ran more than once (the bar then shows its iteration number). */
  repeated: boolean;
}

export function timelineBars(fold: RunFold, lastSeq: number): { bars: Bar[]; lanes: number; span: [number, number] } {
  const ordered = [...fold.executions.values()].sort((a, b) => a.startSeq - b.startSeq);
  const laneEnds: number[] = [];
  const counts = new Map<string, number>();
  for (const run of ordered) counts.set(run.method, (counts.get(run.method) ?? 0) + 1);
  const bars: Bar[] = [];
  for (const run of ordered) {
    const to = run.endSeq ?? lastSeq + 1;
    let lane = laneEnds.findIndex((end) => end < run.startSeq);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(to);
    } else laneEnds[lane] = to;
    bars.push({ ...run, lane, from: run.startSeq, to, repeated: (counts.get(run.method) ?? 0) > 1 });
  }
  const first = ordered[0]?.startSeq ?? 0;
  const last = Math.max(lastSeq, ...bars.map((b) => b.to));
  return { bars, lanes: laneEnds.length, span: [first, last] };
}

const isObject = (v: JsonValue | undefined): v is { [key: string]: JsonValue } => v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: JsonValue | undefined): number => (typeof v === "number" ? v : 0);

/** The model calls in a log (the crews package records them as `llm_call` events of kind "llm"). */
export function llmCallsOf(events: readonly RunEvent[]): LlmCall[] {
  const calls: LlmCall[] = [];
  for (const event of events) {
    if (event.type !== "llm_call" || !isObject(event.call)) continue;
    const call = event.call;
    if (call.kind !== undefined && call.kind !== "llm") continue;
    const request = isObject(call.request) ? call.request : {};
    const response = isObject(call.response) ? call.response : null;
    const usage = isObject(call.usage) ? call.usage : {};
    const failure = isObject(call.error) ? call.error : null;
    calls.push({
      seq: event.seq,
      method: event.method,
      execution: event.execution,
      model: typeof request.model === "string" ? request.model : null,
      messages: request.messages ?? [],
      response: response && typeof response.content === "string" ? response.content : null,
      tokens: { prompt: num(usage.prompt_tokens), completion: num(usage.completion_tokens), total: num(usage.total_tokens) },
      latencyMs: typeof call.latency_ms === "number" ? call.latency_ms : null,
      costUsd: typeof call.cost_usd === "number" ? call.cost_usd : null,
      error: failure && typeof failure.message === "string" ? failure.message : null,
    });
  }
  return calls;
}

/** Token and cost totals of a run's model calls (cost null when no call had a price). */
export function totalsOf(calls: readonly LlmCall[]): { tokens: number; costUsd: number | null } {
  let tokens = 0;
  let cost: number | null = null;
  for (const call of calls) {
    tokens += call.tokens.total;
    if (call.costUsd !== null) cost = (cost ?? 0) + call.costUsd;
  }
  return { tokens, costUsd: cost };
}

/** Tokens streamed into each method's running execution (what the node shows while it runs). */
export function streamedText(events: readonly RunEvent[]): Map<string, string> {
  const text = new Map<string, string>();
  for (const event of events) {
    if (event.type === "method_execution_started") text.set(event.method, "");
    else if (event.type === "llm_stream") text.set(event.method, (text.get(event.method) ?? "") + event.delta);
  }
  return text;
}
