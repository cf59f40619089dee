// The run event log as the server sends it (the runtime's FlowEvent, mirrored here because the web app
// may not import @crewflow/runtime: it only talks to the server).
import type { JsonValue } from "@crewflow/definition";

export type NodeRunStatus = "running" | "done" | "failed" | "skipped" | "paused";

export interface ErrorInfo {
  type: string;
  message: string;
}

interface EventBase {
  seq: number;
  at: string;
  runId: string;
  flowName: string;
}

interface MethodRef {
  method: string;
  execution: number;
}

export type RunEvent = EventBase &
  (
    | { type: "flow_started"; inputs: JsonValue; stateId: string; resumed?: boolean }
    | ({ type: "method_execution_started"; params: JsonValue; state: JsonValue; triggeredBy: number | null } & MethodRef)
    | ({ type: "method_execution_finished"; result: JsonValue; output: JsonValue; label: string | null; state: JsonValue; durationMs: number } & MethodRef)
    | ({ type: "method_execution_failed"; error: ErrorInfo; durationMs: number } & MethodRef)
    | ({ type: "method_execution_paused"; state: JsonValue; flowId: string; message: string; emit: string[] | null } & MethodRef)
    | { type: "flow_paused"; flowId: string; method: string; state: JsonValue; message: string; emit: string[] | null }
    | { type: "flow_finished"; result: JsonValue; state: JsonValue }
    | { type: "flow_failed"; error: ErrorInfo }
    | ({ type: "state_persisted"; stateId: string } & MethodRef)
    | ({ type: "human_feedback_received"; feedback: string; outcome: string | null } & MethodRef)
    | ({ type: "llm_call"; call: JsonValue } & MethodRef)
    | ({ type: "llm_stream"; delta: string } & MethodRef)
  );

/** One LLM call as the crews package records it (`llm_call` events whose `call.kind` is "llm"). */
export interface LlmCall {
  seq: number;
  method: string;
  execution: number;
  model: string | null;
  messages: JsonValue;
  response: string | null;
  tokens: { prompt: number; completion: number; total: number };
  latencyMs: number | null;
  costUsd: number | null;
  error: string | null;
}
