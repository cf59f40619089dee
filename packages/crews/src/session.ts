// One crew or agent action at run time: the flow method's context plus everything an LLM call needs.
// `call()` is the single path to a model: hooks before, the request and its hash, the model, the
// recorded event (request, hash, response, usage, cost, latency), usage sums, hooks after.
import { type ActionContext, errorInfo } from "@crewflow/runtime";
import { valueError } from "./errors";
import { type CallOrigin, EventSink, type LlmCallRecord } from "./events";
import { type HookAgentInfo, type HookTaskInfo, type LlmHookContext, type LlmHooks, concatHooks, runAfterHooks, runBeforeHooks } from "./hooks";
import type { LlmConfig, ModelChoice } from "./llm/config";
import { requestHash } from "./llm/hash";
import type { CallPurpose, ChatMessage, JsonObject, LlmRequest, LlmResponse, ResponseFormat, ToolSpec } from "./llm/types";
import type { Redactor } from "./redact";
import { type PriceTable, type UsageMetrics, addUsage, costOf } from "./usage";

/** What the session needs from the runner. */
export interface SessionRuntime {
  redactor: Redactor;
  prices: PriceTable;
  /** Flow-wide hooks (declared in `x-crewflow.hooks` or given to the runner). */
  hooks: LlmHooks;
  /** Picks the model and transport for an agent's `llm`. */
  choose(llm: LlmConfig): ModelChoice;
  stream: boolean;
  structuredRetries: number;
}

export interface CallSpec {
  origin: CallOrigin;
  agent: HookAgentInfo | null;
  task: HookTaskInfo | null;
  llm: LlmConfig;
  /** The agent loop's live messages: before-hooks edit this list. */
  messages: ChatMessage[];
  tools: readonly ToolSpec[];
  responseFormat: ResponseFormat | null;
  purpose: CallPurpose;
  iterations: number;
  /** The agent's own hooks (after the flow's). */
  hooks: LlmHooks;
  /** Usage sums the call adds to (task, crew, agent action). */
  usage: readonly UsageMetrics[];
}

export interface CallResult {
  response: LlmResponse;
  /** The answer text after after-hooks (null when the model answered with tool calls only). */
  text: string | null;
  simulated: boolean;
}

/** How often a call that is still waiting records an `llm_waiting` event. */
const WAIT_NOTICE_MS = 5_000;

export class Session {
  readonly sink: EventSink;

  constructor(
    readonly ctx: ActionContext,
    readonly runtime: SessionRuntime,
    /** The router labels of the method (for the simulated model). */
    readonly labels: readonly string[] | undefined,
  ) {
    this.sink = new EventSink(ctx, runtime.redactor);
  }

  async call(spec: CallSpec): Promise<CallResult> {
    const choice = this.runtime.choose(spec.llm);
    const hooks = concatHooks(this.runtime.hooks, spec.hooks);
    const hookContext: LlmHookContext = {
      messages: spec.messages,
      agent: spec.agent,
      task: spec.task,
      crew: spec.origin.crew !== null ? { name: spec.origin.crew } : null,
      llm: { model: spec.llm.model, provider: choice.model.provider },
      iterations: spec.iterations,
      method: this.ctx.method,
      execution: this.ctx.execution,
      response: null,
    };
    const onHookError = (hook: string, err: unknown) => this.sink.emit({ kind: "hook_error", ...spec.origin, hook, error: errorInfo(err) });
    const allowed = await runBeforeHooks(hooks.before, hookContext, onHookError);
    const messages = hookContext.messages;
    const request: LlmRequest = {
      model: spec.llm.model,
      messages: structuredClone(messages),
      ...(spec.tools.length > 0 ? { tools: structuredClone([...spec.tools]) } : {}),
      params: { ...spec.llm.params, ...(spec.responseFormat ? { response_format: spec.responseFormat as unknown as JsonObject } : {}) },
    };
    const hash = requestHash(request);
    const stream = spec.llm.stream ?? this.runtime.stream;
    const base = {
      kind: "llm" as const,
      ...spec.origin,
      provider: choice.model.provider,
      purpose: spec.purpose,
      request,
      hash,
      stream,
    };
    if (!allowed) {
      this.sink.emit({ ...base, source: null, response: null, usage: zero(), cost_usd: null, latency_ms: 0, attempts: 0, blocked: true });
      throw valueError("LLM call blocked by before_llm_call hook");
    }
    const started = performance.now();
    // A slow or hung endpoint shows as progress in the log ("waiting for the model… 30 s"), not silence.
    const notice = Math.min(WAIT_NOTICE_MS, Math.max(250, Math.floor(choice.transport.deadlineMs / 4)));
    const waiting = setInterval(() => this.sink.waiting(Math.round((performance.now() - started) / 100) / 10, choice.transport.baseURL), notice);
    waiting.unref();
    let result;
    try {
      result = await choice.model.complete(request, {
        signal: this.ctx.signal,
        stream,
        onDelta: (text) => this.sink.delta(text),
        hints: { purpose: spec.purpose, ...(this.labels ? { labels: this.labels } : {}) },
        transport: choice.transport,
      });
    } catch (err) {
      const safe = this.runtime.redactor.error(err);
      this.sink.emit({ ...base, source: choice.transport.baseURL, response: null, usage: zero(), cost_usd: null, latency_ms: performance.now() - started, attempts: 0, error: errorInfo(safe) });
      throw safe;
    } finally {
      clearInterval(waiting);
    }
    const { response } = result;
    // The simulated model is free whatever model name the agent asked for.
    const cost = costOf(choice.model.provider === "simulated" ? "simulated" : spec.llm.model, response.usage, this.runtime.prices);
    for (const sum of spec.usage) addUsage(sum, response.usage, cost);
    let text = response.content;
    let rewritten: string | undefined;
    // Tool-call turns skip after-hooks: a rewritten text would hide the calls (CrewAI #6529).
    if (response.tool_calls.length === 0 && hooks.after.length > 0) {
      hookContext.response = text ?? "";
      const after = await runAfterHooks(hooks.after, hookContext, onHookError);
      if (after !== (text ?? "")) rewritten = after ?? "";
      text = after;
    }
    const record: LlmCallRecord = {
      ...base,
      source: result.source,
      response,
      ...(rewritten !== undefined ? { rewritten } : {}),
      usage: response.usage,
      cost_usd: cost,
      latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
      attempts: result.attempts,
    };
    this.sink.emit(record);
    return { response, text, simulated: choice.model.provider === "simulated" };
  }
}

const zero = () => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_prompt_tokens: 0, reasoning_tokens: 0 });

export const emptyResponseError = (): Error => valueError("Invalid response from LLM call - None or empty.");
