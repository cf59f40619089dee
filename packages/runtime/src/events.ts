// The run's event log: an ordered, append-only list that is the one source for persistence, the live
// view, replay, fork and diffs. Names follow CrewAI's flow events (spec §7); Crewflow adds a
// sequence number, the execution that caused each method and its timing.

import type { JsonValue } from "@crewflow/definition";
export type { JsonValue };

interface EventBase {
  /** 1-based position in the run's log; gap-free, so a reconnecting reader resumes after the last it saw. */
  seq: number;
  /** Wall-clock time (ISO 8601, UTC). */
  at: string;
  runId: string;
  flowName: string;
}

/** One execution of a method: unique within a run, numbered in start order. */
export interface MethodRef {
  method: string;
  execution: number;
}

export type FlowEvent = EventBase &
  (
    | { type: "flow_started"; inputs: JsonValue; stateId: string; resumed?: boolean }
    | ({ type: "method_execution_started"; params: JsonValue; state: JsonValue; triggeredBy: number | null } & MethodRef)
    | ({
        type: "method_execution_finished";
        result: JsonValue;
        /** The output recorded for the method (differs from `result` for human-feedback routers). */
        output: JsonValue;
        /** The label a router emitted, if any. */
        label: string | null;
        state: JsonValue;
        durationMs: number;
      } & MethodRef)
    | ({ type: "method_execution_failed"; error: ErrorInfo; durationMs: number } & MethodRef)
    | ({ type: "method_execution_paused"; state: JsonValue; flowId: string; message: string; emit: string[] | null } & MethodRef)
    | { type: "flow_paused"; flowId: string; method: string; state: JsonValue; message: string; emit: string[] | null }
    | { type: "flow_finished"; result: JsonValue; state: JsonValue }
    | { type: "flow_failed"; error: ErrorInfo }
    | ({ type: "state_persisted"; stateId: string } & MethodRef)
    | ({ type: "human_feedback_received"; feedback: string; outcome: string | null } & MethodRef)
    | ({ type: "llm_call"; call: JsonValue } & MethodRef)
    /** One item of an `each` action done: its result and the state after it (what a resume skips). */
    | ({ type: "each_item_finished"; index: number; result: JsonValue; state: JsonValue } & MethodRef)
    | ({ type: "llm_stream"; delta: string } & MethodRef)
    /** A model call still waiting for its answer after `seconds` (recorded every few seconds while it waits). */
    | ({ type: "llm_waiting"; seconds: number; endpoint: string | null } & MethodRef)
  );

export type FlowEventType = FlowEvent["type"];

/** Distributes Omit over the union so each event kind keeps its own fields. */
export type NewFlowEvent = FlowEvent extends infer E ? (E extends FlowEvent ? Omit<E, keyof EventBase> : never) : never;

export interface ErrorInfo {
  type: string;
  message: string;
}

export type EventListener = (event: FlowEvent) => void;

/** Events CrewAI mutes under `suppress_flow_events` (the log still records them for replay). */
export const SUPPRESSIBLE: ReadonlySet<FlowEventType> = new Set([
  "method_execution_started",
  "method_execution_finished",
  "method_execution_failed",
  "method_execution_paused",
]);
