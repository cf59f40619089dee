// The run event log as the server sends it: the runtime's FlowEvent, typed through the server (the web
// app talks only to the server and may only `import type` from it).
import type { JsonValue } from "@crewflow/definition";
import type { ErrorInfo, FlowEvent } from "@crewflow/server";

export type { ErrorInfo };

/** `stopped`: the step was under way when its run ended (cancelled, or failed in another step). */
export type NodeRunStatus = "running" | "done" | "failed" | "skipped" | "paused" | "stopped";

export type RunEvent = FlowEvent;

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
