// What the crews package writes into the run log. The runtime has two LLM event kinds today
// (`llm_call`, `llm_stream`); every record here travels as an `llm_call` whose `call.kind` says what it
// is (an LLM call, a tool call, a guardrail attempt, a task or crew summary). One adapter (`EventSink`)
// does the mapping, so dedicated event kinds later change only this file.
import type { JsonValue } from "@crewflow/definition";
import { type ActionContext, type FlowEvent, toJson } from "@crewflow/runtime";
import type { CallPurpose, LlmRequest, LlmResponse, ModelProvider, Usage } from "./llm/types";
import type { Redactor } from "./redact";
import { type UsageMetrics, addUsage, emptyMetrics } from "./usage";

export interface ErrorRecord {
  type: string;
  message: string;
}

/** Who made a call: the agent's role, the task's name (or description), the crew's name. */
export interface CallOrigin {
  agent: string | null;
  task: string | null;
  crew: string | null;
}

/** One LLM call: the request and its hash, the answer, usage, cost and timing (replay reads these). */
export interface LlmCallRecord extends CallOrigin {
  kind: "llm";
  provider: ModelProvider;
  /** The endpoint URL, `simulated`, or `replay:<hash>`. */
  source: string | null;
  purpose: CallPurpose;
  request: LlmRequest;
  hash: string;
  /** The model's answer (before after-hooks); null when the call failed or was blocked. */
  response: LlmResponse | null;
  /** The text after `after_llm_call` hooks, when they changed it. */
  rewritten?: string;
  usage: Usage;
  cost_usd: number | null;
  latency_ms: number;
  attempts: number;
  stream: boolean;
  blocked?: true;
  error?: ErrorRecord;
}

export interface ToolCallRecord extends CallOrigin {
  kind: "tool";
  tool: string;
  call_id: string;
  arguments: JsonValue;
  result: string | null;
  error?: ErrorRecord;
  latency_ms: number;
}

export interface GuardrailRecord extends CallOrigin {
  kind: "guardrail";
  /** Position in `guardrails`, or null for the single `guardrail`. */
  index: number | null;
  guardrail: string;
  /** 1-based; attempt n follows n-1 re-executions of the agent. */
  attempt: number;
  max_retries: number;
  ok: boolean;
  error: string | null;
}

export interface StructuredOutputRecord extends CallOrigin {
  kind: "structured_output";
  attempt: number;
  ok: boolean;
  error: string | null;
}

export interface TaskRecord extends CallOrigin {
  kind: "task";
  status: "completed" | "failed";
  token_usage: UsageMetrics;
  error?: ErrorRecord;
}

export interface CrewRecord extends CallOrigin {
  kind: "crew";
  status: "completed" | "failed";
  token_usage: UsageMetrics;
  error?: ErrorRecord;
}

export interface HookErrorRecord extends CallOrigin {
  kind: "hook_error";
  hook: string;
  error: ErrorRecord;
}

export type CrewEvent =
  | LlmCallRecord
  | ToolCallRecord
  | GuardrailRecord
  | StructuredOutputRecord
  | TaskRecord
  | CrewRecord
  | HookErrorRecord;

/** Appends crew events and streamed tokens to the method's log, with secrets removed. */
export class EventSink {
  constructor(
    private readonly ctx: Pick<ActionContext, "record" | "method" | "execution">,
    private readonly redactor: Redactor,
  ) {}

  emit(event: CrewEvent): void {
    this.ctx.record({ type: "llm_call", method: this.ctx.method, execution: this.ctx.execution, call: this.redactor.json(toJson(event)) });
  }

  waiting(seconds: number, endpoint: string | null): void {
    this.ctx.record({ type: "llm_waiting", method: this.ctx.method, execution: this.ctx.execution, seconds, endpoint: endpoint === null ? null : this.redactor.text(endpoint) });
  }

  delta(text: string): void {
    this.ctx.record({ type: "llm_stream", method: this.ctx.method, execution: this.ctx.execution, delta: this.redactor.text(text) });
  }
}

/** The crew events of a run log, in order. */
export function crewEventsOf(events: readonly FlowEvent[]): CrewEvent[] {
  const out: CrewEvent[] = [];
  for (const event of events)
    if (event.type === "llm_call" && event.call && typeof event.call === "object" && !Array.isArray(event.call) && typeof event.call.kind === "string")
      out.push(event.call as unknown as CrewEvent);
  return out;
}

export function llmCallsOf(events: readonly FlowEvent[]): LlmCallRecord[] {
  return crewEventsOf(events).filter((event): event is LlmCallRecord => event.kind === "llm");
}

/** Usage and cost of a whole run (every LLM call in its log: crews, agents, guardrails). */
export function runUsage(events: readonly FlowEvent[]): UsageMetrics {
  const total = emptyMetrics();
  for (const call of llmCallsOf(events)) if (call.response) addUsage(total, call.usage, call.cost_usd);
  return total;
}
