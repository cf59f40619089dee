// FlowEvents ⇄ rows. An event row keeps the event minus its columns; a step's row (the event that ends a
// method execution) carries its status, output and state snapshot as columns, an llm_call's call goes to
// llm_calls. Nothing is stored twice, and reading the log back gives the events as recorded.
import { type FlowEvent, type JsonValue, callColumns } from "@crewflow/runtime";
import type { CallRow, EventRow } from "./columns";

export { callColumns };
export type { CallRow, EventRow };

/** A step's columns of its run_events row (null on other events). */
export interface StepColumns {
  status: "completed" | "failed" | "paused" | null;
  startSeq: number | null;
  output: string | null;
  label: string | null;
  error: string | null;
  durationMs: number | null;
  stateId: string | null;
  state: string | null;
}

const NOT_A_STEP: StepColumns = { status: null, startSeq: null, output: null, label: null, error: null, durationMs: null, stateId: null, state: null };

export interface EventRows {
  events: EventRow[];
  calls: CallRow[];
}

/** Fields that are columns of run_events (or implied by the run), never repeated in the payload. */
const COLUMNS = new Set(["runId", "flowName", "seq", "type", "method", "execution", "at"]);

type JsonObject = { [key: string]: JsonValue };

/** Wraps a call that is not an object (the crews package records objects; anything else survives). */
const SCALAR = "$crewflow.scalar";

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Rows for a batch of one run's events. `starts` maps an execution to the seq of its start event; it is
 * kept by the caller across batches (a parallel sibling may start in one batch and end in the next).
 */
export function toRows(runId: string, events: readonly FlowEvent[], starts: Map<number, number>): EventRows {
  const rows: EventRows = { events: [], calls: [] };
  for (const event of events) {
    const payload: Record<string, unknown> = {};
    for (const key in event) if (!COLUMNS.has(key)) payload[key] = (event as unknown as Record<string, unknown>)[key];
    let step: StepColumns = NOT_A_STEP;
    switch (event.type) {
      case "method_execution_started":
        starts.set(event.execution, event.seq);
        break;
      case "method_execution_finished":
        delete payload.state;
        delete payload.output;
        step = {
          status: "completed",
          startSeq: starts.get(event.execution) ?? null,
          output: JSON.stringify(event.output),
          label: event.label,
          error: null,
          durationMs: event.durationMs,
          stateId: stateIdOf(event.state),
          state: JSON.stringify(event.state),
        };
        starts.delete(event.execution);
        break;
      case "method_execution_failed":
        step = { ...NOT_A_STEP, status: "failed", startSeq: starts.get(event.execution) ?? null, error: JSON.stringify(event.error), durationMs: event.durationMs };
        starts.delete(event.execution);
        break;
      case "method_execution_paused":
        delete payload.state;
        step = { ...NOT_A_STEP, status: "paused", startSeq: starts.get(event.execution) ?? null, stateId: stateIdOf(event.state), state: JSON.stringify(event.state) };
        starts.delete(event.execution);
        break;
      case "llm_call": {
        delete payload.call;
        const call = event.call;
        const { request, response, ...rest } = isObject(call) ? call : { [SCALAR]: call };
        rows.calls.push({
          runId,
          seq: event.seq,
          method: event.method,
          execution: event.execution,
          ...callColumns(call),
          request: request === undefined ? null : JSON.stringify(request),
          response: response === undefined ? null : JSON.stringify(response),
          call: JSON.stringify(rest),
          at: event.at,
        });
        break;
      }
    }
    rows.events.push({
      runId,
      seq: event.seq,
      type: event.type,
      method: "method" in event ? event.method : null,
      execution: "execution" in event ? event.execution : null,
      at: event.at,
      payload: JSON.stringify(payload),
      ...step,
    });
  }
  return rows;
}

function stateIdOf(state: JsonValue): string | null {
  return isObject(state) && state.id !== undefined && state.id !== null ? String(state.id) : null;
}

export interface StoredEvent {
  seq: number;
  type: string;
  method: string | null;
  execution: number | null;
  at: Date;
  payload: unknown;
  output: unknown;
  state: unknown;
}

export interface StoredCall {
  seq: number;
  request: unknown;
  response: unknown;
  call: unknown;
}

/** The events of a run as recorded, from its rows (the inverse of `toRows`). */
export function fromRows(runId: string, flowName: string, events: StoredEvent[], calls: StoredCall[]): FlowEvent[] {
  const callBySeq = new Map(calls.map((c) => [c.seq, c]));
  return events.map((row) => {
    const event: Record<string, unknown> = { ...(row.payload as Record<string, unknown>), seq: row.seq, at: row.at.toISOString(), runId, flowName, type: row.type };
    if (row.method !== null) event.method = row.method;
    if (row.execution !== null) event.execution = row.execution;
    if (row.type === "method_execution_finished") {
      event.state = row.state ?? null;
      event.output = row.output ?? null;
    } else if (row.type === "method_execution_paused") event.state = row.state ?? null;
    else if (row.type === "llm_call") {
      const call = callBySeq.get(row.seq);
      event.call = call ? recordedCall(call) : null;
    }
    return event as unknown as FlowEvent;
  });
}

/** The call as the runtime recorded it (request and response put back beside the rest). */
export function recordedCall(call: { request: unknown; response: unknown; call: unknown }): JsonValue {
  const rest = (call.call ?? {}) as JsonObject;
  if (SCALAR in rest) return rest[SCALAR] ?? null;
  return {
    ...rest,
    ...(call.request !== null ? { request: call.request as JsonValue } : {}),
    ...(call.response !== null ? { response: call.response as JsonValue } : {}),
  };
}
