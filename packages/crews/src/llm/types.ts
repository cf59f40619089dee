// The model port: one chat-completion request in, one response out. The OpenAI-compatible HTTP model,
// the offline simulated model and the replay model all implement it, so agents never know which runs.
import type { JsonValue } from "@crewflow/definition";

export type JsonObject = { [key: string]: JsonValue };

export type ChatRole = "system" | "user" | "assistant" | "tool";

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A chat message in OpenAI's wire shape (kept JSON-plain so it can be hashed and recorded). */
export interface ChatMessage {
  role: ChatRole;
  content: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface ToolSpec {
  type: "function";
  function: { name: string; description: string; parameters: JsonObject; strict?: boolean };
}

export type ResponseFormat =
  | { type: "json_schema"; json_schema: { name: string; strict: boolean; schema: JsonObject } }
  | { type: "json_object" };

/**
 * What is sent, minus transport (endpoint, key, stream, timeout, retries): the part that decides the
 * answer, so its hash identifies a call across runs and endpoints.
 */
export interface LlmRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** Sampling and output parameters (`temperature`, `max_tokens`, `response_format`, …). */
  params: JsonObject;
}

/** OpenAI's usage block, flattened (cached and reasoning tokens come from its `*_details`). */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_prompt_tokens: number;
  reasoning_tokens: number;
}

export interface LlmResponse {
  content: string | null;
  tool_calls: ToolCall[];
  finish_reason: string | null;
  usage: Usage;
}

export type ModelProvider = "openai" | "simulated" | "replay";

/** Why a call is made; recorded with it and used by the simulated model. */
export type CallPurpose = "task" | "agent" | "guardrail" | "final_answer" | "format_retry";

export interface CallHints {
  purpose: CallPurpose;
  /** The labels a router method may return (its `emit`), when the call runs inside one. */
  labels?: readonly string[];
}

export interface CompleteOptions {
  signal: AbortSignal;
  /** Ask for server-sent tokens; `onDelta` receives each text piece. */
  stream: boolean;
  onDelta?: (text: string) => void;
  hints: CallHints;
  /** Transport settings of the agent's `llm`. */
  transport: Transport;
}

export interface Transport {
  /** The agent's `base_url` (else `OPENAI_BASE_URL`, else OpenAI's). */
  baseURL: string | null;
  apiKey: string | null;
  /**
   * Set when the environment's key was not sent because the agent points at another endpoint (a key
   * only ever goes to its own base URL): named in the error if that endpoint refuses the call.
   */
  withheldKeyOf?: string;
  /** Per attempt (CrewAI's `llm.timeout`). */
  timeoutMs: number;
  maxRetries: number;
  /** The whole call, retries and backoff included: past it the call fails, however many attempts are left. */
  deadlineMs: number;
}

export interface CompleteResult {
  response: LlmResponse;
  /** HTTP attempts, counting retries (1 for offline models). */
  attempts: number;
  /** Where the answer came from (a URL, `simulated`, or `replay:<hash>`). */
  source: string;
}

export interface ChatModel {
  /** `openai` decides per call; the others answer every call themselves. */
  readonly provider: ModelProvider;
  complete(request: LlmRequest, options: CompleteOptions): Promise<CompleteResult>;
}

export const ZERO_USAGE: Usage = Object.freeze({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cached_prompt_tokens: 0,
  reasoning_tokens: 0,
});
