// Any OpenAI-compatible endpoint through the official `openai` SDK. The SDK does the HTTP work,
// timeouts and retries (exponential backoff on 408/409/429/5xx and connection errors, honouring
// `retry-after`); this file adds attempt counting, token streaming and errors that name the endpoint.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { namedError } from "../errors";
import type { Redactor } from "../redact";
import type { ChatModel, CompleteOptions, CompleteResult, LlmRequest, LlmResponse, ToolCall, Usage } from "./types";

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

/**
 * Whether two base URLs name the same endpoint (scheme, host, port, path; a trailing slash ignored).
 * A key is only sent to the endpoint it was configured for, so a flow cannot steer it elsewhere.
 */
export function sameEndpoint(a: string, b: string): boolean {
  const normal = (text: string): string | null => {
    try {
      const url = new URL(text);
      if (url.username || url.password) return null;
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}${url.search}`;
    } catch {
      return null;
    }
  };
  const left = normal(a);
  return left !== null && left === normal(b);
}

export interface OpenAIModelOptions {
  redactor: Redactor;
  /** Receives the SDK's warnings (already redacted). */
  log?: (line: string) => void;
  /** Used when neither the agent nor the environment gives a key (local servers accept any). */
  placeholderKey?: string;
}

export class OpenAIChatModel implements ChatModel {
  readonly provider = "openai" as const;

  constructor(private readonly options: OpenAIModelOptions) {}

  async complete(request: LlmRequest, options: CompleteOptions): Promise<CompleteResult> {
    const { transport } = options;
    const endpoint = transport.baseURL ?? OPENAI_DEFAULT_BASE_URL;
    let attempts = 0;
    const log = this.options.log;
    const redactor = this.options.redactor;
    // One client per call is cheap (connections are pooled by Node's fetch) and lets the fetch
    // wrapper count this call's attempts, retries included.
    const client = new OpenAI({
      baseURL: endpoint,
      apiKey: transport.apiKey ?? this.options.placeholderKey ?? "no-key",
      timeout: transport.timeoutMs,
      maxRetries: transport.maxRetries,
      fetch: (url: string | URL | Request, init?: RequestInit) => {
        attempts += 1;
        return fetch(url, init);
      },
      logLevel: log ? "warn" : "off",
      ...(log
        ? {
            logger: {
              debug: () => undefined,
              info: () => undefined,
              warn: (...args: unknown[]) => log(redactor.text(args.map(String).join(" "))),
              error: (...args: unknown[]) => log(redactor.text(args.map(String).join(" "))),
            },
          }
        : {}),
    });
    const body = {
      ...request.params,
      model: request.model,
      messages: request.messages,
      ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
    } as unknown as ChatCompletionCreateParamsNonStreaming;
    // One deadline for the whole call: the SDK's timeout is per attempt, and with retries a hung
    // endpoint would otherwise take timeout × (retries + 1) plus backoff.
    const deadline = AbortSignal.timeout(transport.deadlineMs);
    const signal = AbortSignal.any([options.signal, deadline]);
    try {
      const response = options.stream
        ? await this.streamed(client, body, { ...options, signal })
        : fromCompletion(await client.chat.completions.create(body, { signal }));
      return { response, attempts, source: endpoint };
    } catch (err) {
      if (deadline.aborted && !options.signal.aborted)
        throw namedError(
          "TimeoutError",
          redactor.text(
            `LLM call to ${endpoint} got no answer within its deadline of ${Math.round(transport.deadlineMs / 1000)} s (model ${request.model}, ${attempts} attempt${attempts === 1 ? "" : "s"}); raise CREWFLOW_LLM_DEADLINE_MS or the agent's llm.deadline (seconds) if the model is just slow`,
          ),
        );
      const error = callError(err, endpoint, request.model, attempts, transport.timeoutMs, redactor);
      if (transport.withheldKeyOf && err instanceof APIError && (err.status === 401 || err.status === 403))
        error.message += ` (no key was sent: the configured OPENAI_API_KEY belongs to ${transport.withheldKeyOf} and is never sent to another base_url; give this agent's llm its own api_key)`;
      throw error;
    }
  }

  /**
   * `stream: true`: tokens go to `onDelta` as they arrive; the chunks are folded into one response. The
   * SDK's timeout ends when the headers arrive, so a stream that stalls longer than the timeout is
   * aborted here.
   */
  private async streamed(client: OpenAI, body: ChatCompletionCreateParamsNonStreaming, options: CompleteOptions): Promise<LlmResponse> {
    const idle = new AbortController();
    const signal = AbortSignal.any([options.signal, idle.signal]);
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), options.transport.timeoutMs);
    };
    try {
      const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal });
      const folded = new ChunkFolder();
      arm();
      for await (const chunk of stream) {
        arm();
        const text = folded.add(chunk);
        if (text) options.onDelta?.(text);
      }
      // An aborted stream may just end: a stall must still fail the call.
      if (idle.signal.aborted && !options.signal.aborted) throw new APIConnectionTimeoutError({ message: "Stream stalled." });
      return folded.result();
    } catch (err) {
      if (idle.signal.aborted && !options.signal.aborted && !(err instanceof APIConnectionTimeoutError))
        throw new APIConnectionTimeoutError({ message: "Stream stalled." });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

function usageOf(usage: ChatCompletion["usage"] | null | undefined): Usage {
  const prompt = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.total_tokens ?? prompt + completion,
    cached_prompt_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

function fromCompletion(completion: ChatCompletion): LlmResponse {
  const choice = completion.choices?.[0];
  if (!choice) throw namedError("ValueError", "Invalid response from LLM call - no choices.");
  const calls: ToolCall[] = [];
  for (const call of choice.message.tool_calls ?? [])
    if (call.type === "function") calls.push({ id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments } });
  return { content: choice.message.content ?? null, tool_calls: calls, finish_reason: choice.finish_reason ?? null, usage: usageOf(completion.usage) };
}

/** Accumulates streamed chunks (text pieces and tool-call fragments by index) into one response. */
class ChunkFolder {
  private content = "";
  private sawContent = false;
  private calls: { id: string; name: string; arguments: string }[] = [];
  private finish: string | null = null;
  private usage: Usage | null = null;

  add(chunk: ChatCompletionChunk): string {
    if (chunk.usage) this.usage = usageOf(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) return "";
    if (choice.finish_reason) this.finish = choice.finish_reason;
    for (const part of choice.delta?.tool_calls ?? []) {
      const slot = (this.calls[part.index] ??= { id: "", name: "", arguments: "" });
      if (part.id) slot.id = part.id;
      if (part.function?.name) slot.name += part.function.name;
      if (part.function?.arguments) slot.arguments += part.function.arguments;
    }
    const text = choice.delta?.content ?? "";
    if (typeof choice.delta?.content === "string") this.sawContent = true;
    this.content += text;
    return text;
  }

  result(): LlmResponse {
    return {
      content: this.sawContent ? this.content : null,
      tool_calls: this.calls.filter(Boolean).map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
      finish_reason: this.finish,
      usage: this.usage ?? usageOf(null),
    };
  }
}

/** Where the failing call went, why (the SDK's message and the network cause), and how often it tried. */
function callError(err: unknown, endpoint: string, model: string, attempts: number, timeoutMs: number, redactor: Redactor): Error {
  if (err instanceof Error && err.name === "AbortError") return err;
  const name = err instanceof Error ? err.constructor.name || err.name : "Error";
  let cause = err instanceof Error ? err.message : String(err);
  if (err instanceof APIConnectionTimeoutError) cause = `${cause} (timeout ${timeoutMs} ms)`;
  else if (err instanceof APIConnectionError) {
    const detail = networkCause(err);
    if (detail && !cause.includes(detail)) cause = `${cause} (${detail})`;
  } else if (err instanceof APIError && err.status !== undefined && !cause.startsWith(String(err.status))) cause = `${err.status} ${cause}`;
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  return namedError(name, redactor.text(`LLM call to ${endpoint} failed (model ${model}, ${tries}): ${cause}`));
}

/** The innermost cause of a connection failure (`connect ECONNREFUSED 127.0.0.1:9`). */
function networkCause(err: Error): string | null {
  let current: unknown = err.cause;
  let last: string | null = null;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    const text = current.message || code || "";
    if (text) last = code && !text.includes(code) ? `${code}: ${text}` : text;
    current = current.cause;
  }
  return last;
}
