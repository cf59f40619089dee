// The simulated model: the default when neither OPENAI_API_KEY nor OPENAI_BASE_URL is set, so every
// example runs offline without an account. It is deterministic (same request → same answer) and says
// "simulated" wherever its text shows. Its rules, in order:
//   1. `response_format: json_schema` → an object sampled from the schema (enum → first value, numbers →
//      their minimum or 0, booleans → true, plain strings → "simulated"), checked against the schema;
//      `json_object` → {"simulated": true}.
//   2. A choice of labels → one of them, picked by a hash of the last user message. The labels are the
//      router method's `emit` list when the call runs inside a router, else a list the prompt asks for:
//      "exactly one … : a or b", "only one of: a, b, c", "one of [a, b]", "Possible outcomes: …".
//   3. Otherwise plain text: "[simulated] <first line of the current task>".
// It never calls tools.
import type { JsonValue } from "@crewflow/definition";
import { sample } from "openapi-sampler";
import { type OutputSpec, validateAgainst } from "../structured";
import { textHash } from "./hash";
import type { ChatMessage, ChatModel, CompleteOptions, CompleteResult, JsonObject, LlmRequest } from "./types";

export const SIMULATED_LABEL = "simulated";

export class SimulatedChatModel implements ChatModel {
  readonly provider = "simulated" as const;

  async complete(request: LlmRequest, options: CompleteOptions): Promise<CompleteResult> {
    const content = simulatedAnswer(request, options.hints.labels);
    if (options.stream && options.onDelta) for (const piece of content.match(/\S+\s*|\s+/g) ?? []) options.onDelta(piece);
    const prompt = estimateTokens(request.messages.map((m) => m.content ?? "").join("\n"));
    const completion = estimateTokens(content);
    return {
      response: {
        content,
        tool_calls: [],
        finish_reason: "stop",
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, cached_prompt_tokens: 0, reasoning_tokens: 0 },
      },
      attempts: 1,
      source: SIMULATED_LABEL,
    };
  }
}

/** A rough, deterministic count (about four characters a token) so usage is not all zeros. */
const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export function simulatedAnswer(request: LlmRequest, labels: readonly string[] | undefined): string {
  const format = request.params.response_format as JsonObject | undefined;
  if (format?.type === "json_schema") {
    const schema = (format.json_schema as JsonObject | undefined)?.schema as JsonObject | undefined;
    return JSON.stringify(schema ? sampleObject(schema) : { simulated: true });
  }
  if (format?.type === "json_object") return JSON.stringify({ simulated: true });
  const lastUser = [...request.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const choices = labels && labels.length > 0 ? labels : labelsAskedFor(request.messages);
  if (choices.length > 0) return choices[textHash(lastUser) % choices.length]!;
  return `[${SIMULATED_LABEL}] ${currentTask(lastUser).replace(/^(\[simulated\]\s*)+/, "")}`;
}

/** A schema-valid sample: the sampler's value with placeholder strings renamed, when that stays valid. */
export function sampleObject(schema: JsonObject): JsonValue {
  const raw = sample(schema as Parameters<typeof sample>[0], { skipReadOnly: true, quiet: true }, schema) as JsonValue;
  const spec: OutputSpec = { target: "json", schema, name: "output", pythonRef: null };
  const relabelled = relabel(raw);
  if (validateAgainst(spec, relabelled) === null) return relabelled;
  return raw;
}

function relabel(value: JsonValue): JsonValue {
  if (value === "string") return SIMULATED_LABEL;
  if (Array.isArray(value)) return value.map(relabel);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relabel(v)]));
  return value;
}

const LIST_PATTERNS: RegExp[] = [
  /\b(?:exactly|only)\s+one\b[^:\n]{0,80}:\s*([^\n]+)/i,
  /\bone\s+of\b[^:\n[]{0,60}[:]?\s*\[([^\]\n]+)\]/i,
  /\bone\s+of\b(?:\s+the\s+following)?(?:\s+(?:values|labels|options|words|outcomes))?\s*:\s*([^\n]+)/i,
  /\bPossible outcomes:\s*([^\n]+)/i,
];

/** The labels a prompt asks to choose from (system and last user message), or []. */
export function labelsAskedFor(messages: readonly ChatMessage[]): string[] {
  const texts = [
    ...messages.filter((m) => m.role === "system").map((m) => m.content ?? ""),
    [...messages].reverse().find((m) => m.role === "user")?.content ?? "",
  ];
  for (const text of texts)
    for (const pattern of LIST_PATTERNS) {
      const match = pattern.exec(text);
      if (!match?.[1]) continue;
      const labels = splitLabels(match[1]);
      if (labels.length >= 2) return labels;
    }
  return [];
}

function splitLabels(list: string): string[] {
  // "followup or done. Do not explain." → the list ends at the first sentence break.
  const head = list.split(/\.\s|\.$|;/)[0] ?? list;
  const labels: string[] = [];
  for (const part of head.split(/,|\bor\b|\||\band\b/i)) {
    const word = part.trim().replace(/^[\s'"`[(]+|[\s'"`\])]+$/g, "");
    if (/^[A-Za-z0-9_-]+$/.test(word) && !labels.includes(word)) labels.push(word);
  }
  return labels;
}

function currentTask(prompt: string): string {
  const marker = prompt.indexOf("Current Task:");
  const text = (marker >= 0 ? prompt.slice(marker + "Current Task:".length) : prompt).trim();
  const line = text.split("\n")[0]?.trim() ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}...` : line || "(empty prompt)";
}
