// Crewflow's crash-resume: the run is re-driven from its starts through the same dispatch code, and
// every method execution the log says finished is answered from the log instead of being run again.
// Dispatch depends only on method results (labels, payloads) and on its own bookkeeping (pending
// and/or sets, fired-or listeners, call counts), so replaying the results rebuilds exactly the position
// the run had: which listeners were due, labels not yet dispatched, join progress, loop iterations.
// The first execution with no recorded finish runs live, from the state of the last committed step.
// (CrewAI's checkpoint restore, a set of completed method names, cannot place a run inside a loop.)
import type { JsonValue } from "@crewflow/definition";
import type { FlowEvent } from "../events";
import type { State } from "../state/model";

/** One method execution that finished, as the log recorded it. */
export interface RecordedExecution {
  method: string;
  execution: number;
  /** Position of its `method_execution_finished` in the log. */
  seq: number;
  result: JsonValue;
  output: JsonValue;
  label: string | null;
  feedback: { feedback: string; outcome: string | null; at: string } | null;
}

/** Where a run continues from: the executions to answer from the log and the state to go on with. */
export interface ResumePoint {
  executions: RecordedExecution[];
  /** The state after the last finished execution (or before the first step, when none finished). */
  state: State;
  /** The highest execution number used, so new executions get fresh numbers. */
  lastExecution: number;
  /** Per method, `each` item results of executions that did not finish (by item index). */
  doneItems: Map<string, Map<number, JsonValue>>;
}

/**
 * The resume point after event `uptoSeq` (default: the whole log), or null when no step ever started.
 * `prefix` holds executions inherited from a run this one was forked from (they come first).
 */
export function resumePointFromEvents(events: readonly FlowEvent[], uptoSeq = Number.POSITIVE_INFINITY, prefix?: ResumePoint): ResumePoint | null {
  const executions: RecordedExecution[] = prefix ? [...prefix.executions] : [];
  const feedback = new Map<string, RecordedExecution["feedback"]>();
  let state: State | null = null;
  let lastExecution = prefix?.lastExecution ?? 0;
  // Item results per execution (`method#execution`), dropped once that execution finishes.
  const items = new Map<string, { method: string; results: Map<number, JsonValue> }>();
  for (const event of events) {
    if (event.seq > uptoSeq) break;
    switch (event.type) {
      case "method_execution_started":
        lastExecution = Math.max(lastExecution, event.execution);
        state ??= event.state as State;
        break;
      case "each_item_finished": {
        const key = `${event.method}#${event.execution}`;
        let entry = items.get(key);
        if (!entry) items.set(key, (entry = { method: event.method, results: new Map() }));
        entry.results.set(event.index, event.result);
        state = event.state as State;
        break;
      }
      case "human_feedback_received":
        feedback.set(`${event.method}#${event.execution}`, { feedback: event.feedback, outcome: event.outcome, at: event.at });
        break;
      case "method_execution_finished":
        lastExecution = Math.max(lastExecution, event.execution);
        executions.push({
          method: event.method,
          execution: event.execution,
          seq: event.seq,
          result: event.result,
          output: event.output,
          label: event.label,
          feedback: feedback.get(`${event.method}#${event.execution}`) ?? null,
        });
        state = event.state as State;
        items.delete(`${event.method}#${event.execution}`);
        break;
      default:
        break;
    }
  }
  if (prefix && state === null) state = prefix.state;
  if (state === null) return null;
  // A method interrupted twice has two unfinished executions: the later one went further.
  const doneItems = new Map<string, Map<number, JsonValue>>();
  for (const { method, results } of items.values()) {
    const merged = doneItems.get(method) ?? new Map<number, JsonValue>();
    for (const [index, result] of results) merged.set(index, result);
    doneItems.set(method, merged);
  }
  return { executions, state, lastExecution, doneItems };
}

/** Hands out recorded executions per method, in the order the log has them. */
export class ReplayCursor {
  private readonly queues = new Map<string, RecordedExecution[]>();
  private left: number;

  constructor(
    executions: readonly RecordedExecution[],
    private readonly doneItems: Map<string, ReadonlyMap<number, unknown>> = new Map(),
  ) {
    for (const execution of executions) {
      let queue = this.queues.get(execution.method);
      if (!queue) this.queues.set(execution.method, (queue = []));
      queue.push(execution);
    }
    this.left = executions.length;
  }

  /** The next recorded execution of `method`, if the log has one. */
  take(method: string): RecordedExecution | undefined {
    const next = this.queues.get(method)?.shift();
    if (next) this.left -= 1;
    return next;
  }

  /** The item results of `method`'s interrupted `each`, once (for its first live execution). */
  takeDoneItems(method: string): ReadonlyMap<number, unknown> | undefined {
    const done = this.doneItems.get(method);
    this.doneItems.delete(method);
    return done;
  }

  get exhausted(): boolean {
    return this.left === 0;
  }
}
