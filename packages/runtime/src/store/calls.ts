// What a recorded call's columns are (kind, hash, model, tokens, latency): every store reads them the same way.
import { createHash } from "node:crypto";
import type { JsonValue } from "@crewflow/definition";

type JsonObject = { [key: string]: JsonValue };

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** sha256 (hex) of a definition text: a flow version's hash. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * What the columns of llm_calls read from a recorded call. The crews package defines the call's shape
 * (request, hash, response, usage, latency); both snake_case and camelCase usage keys are accepted.
 */
export function callColumns(call: JsonValue): {
  kind: string;
  hash: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  latencyMs: number | null;
} {
  const c = isObject(call) ? call : {};
  const request = isObject(c.request) ? c.request : {};
  const usage = isObject(c.usage) ? c.usage : {};
  const prompt = num(usage.prompt_tokens) ?? num(usage.promptTokens) ?? 0;
  const completion = num(usage.completion_tokens) ?? num(usage.completionTokens) ?? 0;
  return {
    kind: typeof c.kind === "string" ? c.kind : "llm",
    hash: typeof c.hash === "string" ? c.hash : null,
    model: typeof request.model === "string" ? request.model : typeof c.model === "string" ? c.model : null,
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: num(usage.total_tokens) ?? num(usage.totalTokens) ?? prompt + completion,
    latencyMs: num(c.latencyMs) ?? num(c.latency_ms),
  };
}
