// An agent's `llm` (a model name, or `{model, base_url, temperature, max_tokens, …}`) plus the
// environment, turned into the model that answers and how to reach it.
//
// Environment: OPENAI_API_KEY, OPENAI_BASE_URL (also OPENAI_API_BASE), MODEL or OPENAI_MODEL_NAME for the
// default model name (else gpt-4.1-mini, CrewAI's default). With no key and no base URL anywhere, the
// simulated model answers.
import type { JsonValue } from "@crewflow/definition";
import { valueError } from "../errors";
import type { ChatModel, JsonObject, Transport } from "./types";

export const DEFAULT_MODEL = "gpt-4.1-mini";

export interface LlmConfig {
  model: string;
  /** `base_url` (or `api_base`) of the `llm` block. */
  baseURL: string | null;
  /** `api_key` of the `llm` block (discouraged: prefer OPENAI_API_KEY). Never recorded. */
  apiKey: string | null;
  /** Request parameters sent with every call (temperature, max_tokens, …). */
  params: JsonObject;
  /** `timeout` (seconds, as in CrewAI) in ms. */
  timeoutMs: number | null;
  maxRetries: number | null;
  /** `deadline` (seconds, Crewflow's): the whole call, retries included. */
  deadlineMs: number | null;
  stream: boolean | null;
}

/** Keys of an `llm` block sent as request parameters (the rest configure the transport or are ignored). */
const PARAM_KEYS = [
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "reasoning_effort",
  "parallel_tool_calls",
  "tool_choice",
] as const;

export interface LlmEnvironment {
  apiKey: string | null;
  baseURL: string | null;
  defaultModel: string;
}

export function llmEnvironment(env: NodeJS.ProcessEnv): LlmEnvironment {
  return {
    apiKey: env.OPENAI_API_KEY || null,
    baseURL: env.OPENAI_BASE_URL || env.OPENAI_API_BASE || null,
    defaultModel: env.MODEL || env.OPENAI_MODEL_NAME || DEFAULT_MODEL,
  };
}

/** LiteLLM-style `openai/gpt-4o` names the same model as `gpt-4o` on an OpenAI endpoint. */
const modelName = (name: string): string => (name.startsWith("openai/") ? name.slice("openai/".length) : name);

export function llmConfig(definition: unknown, env: LlmEnvironment, where: string): LlmConfig {
  const config: LlmConfig = { model: env.defaultModel, baseURL: null, apiKey: null, params: {}, timeoutMs: null, maxRetries: null, deadlineMs: null, stream: null };
  if (definition === null || definition === undefined || definition === "") return config;
  if (typeof definition === "string") return { ...config, model: modelName(definition) };
  if (typeof definition !== "object" || Array.isArray(definition)) throw valueError(`${where}: llm must be a model name or a mapping`);
  const block = definition as Record<string, unknown>;
  if (typeof block.model === "string" && block.model) config.model = modelName(block.model);
  const base = block.base_url ?? block.api_base;
  if (typeof base === "string" && base) config.baseURL = base;
  if (typeof block.api_key === "string" && block.api_key) config.apiKey = block.api_key;
  if (typeof block.timeout === "number" && block.timeout > 0) config.timeoutMs = block.timeout * 1000;
  if (typeof block.max_retries === "number" && block.max_retries >= 0) config.maxRetries = Math.floor(block.max_retries);
  if (typeof block.deadline === "number" && block.deadline > 0) config.deadlineMs = block.deadline * 1000;
  if (typeof block.stream === "boolean") config.stream = block.stream;
  for (const key of PARAM_KEYS) if (block[key] !== undefined && block[key] !== null) config.params[key] = block[key] as JsonValue;
  return config;
}

export interface ModelChoice {
  model: ChatModel;
  transport: Transport;
}
