// How a run's log is read back: a checkpoint at any step, the trace, the pending pause. The log is the
// one source; everything here is derived from it. The store itself is the port in port.ts.
import type { JsonValue } from "@crewflow/definition";
import type { Checkpoint } from "../engine/flow";
import type { FlowEvent } from "../events";
import type { PendingFeedbackContext } from "../persistence";
import type { State } from "../state/model";

/**
 * The engine's checkpoint after step `uptoSeq` (default: the whole log): completed methods, their
 * recorded outputs in order, execution counts and the state after the last finished method.
 */
export function checkpointFromEvents(events: readonly FlowEvent[], uptoSeq = Number.POSITIVE_INFINITY): Checkpoint | null {
  const completed = new Set<string>();
  const outputs: Checkpoint["outputs"] = [];
  const executionCounts: Record<string, number> = {};
  let state: State | null = null;
  for (const event of events) {
    if (event.seq > uptoSeq) break;
    if (event.type === "method_execution_finished") {
      completed.add(event.method);
      outputs.push({ method: event.method, output: event.output });
      executionCounts[event.method] = (executionCounts[event.method] ?? 0) + 1;
      state = event.state as State;
    }
  }
  if (state === null) {
    const first = events.find((e) => e.type === "method_execution_started" && e.seq <= uptoSeq);
    if (!first || first.type !== "method_execution_started") return null;
    state = first.state as State;
  }
  return { completed: [...completed], outputs, executionCounts, state };
}

export interface TraceEntry {
  method: string;
  status: "completed" | "failed" | "paused";
  output: JsonValue;
}

/** Method outcomes in completion order (the CLI's `trace`). */
export function traceOf(events: readonly FlowEvent[]): TraceEntry[] {
  const trace: TraceEntry[] = [];
  for (const event of events) {
    if (event.type === "method_execution_finished") trace.push({ method: event.method, status: "completed", output: event.output });
    else if (event.type === "method_execution_failed") trace.push({ method: event.method, status: "failed", output: null });
    else if (event.type === "method_execution_paused") trace.push({ method: event.method, status: "paused", output: null });
  }
  return trace;
}

/** The pause a run is waiting on, if its last terminal event is `flow_paused`. */
export function pendingPause(events: readonly FlowEvent[]): { flowId: string; method: string } | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.type === "flow_paused") return { flowId: event.flowId, method: event.method };
    if (event.type === "flow_finished" || event.type === "flow_failed" || (event.type === "flow_started" && event.resumed)) return null;
  }
  return null;
}

export type { PendingFeedbackContext };
