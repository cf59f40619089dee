// Agents (role, goal, backstory, llm, tools, max_iter) and their loop: a role-playing system prompt and
// the task as the user message; tool calls are run and fed back until the model answers in text or
// `max_iter` turns are used (then it is told to give its final answer, without tools); a structured
// answer that does not fit its schema is re-asked.
import type { JsonValue } from "@crewflow/definition";
import { errorInfo } from "@crewflow/runtime";
import type { CallOrigin } from "./events";
import type { HookAgentInfo, HookTaskInfo, LlmHooks } from "./hooks";
import { interpolateOnly } from "./interpolate";
import type { LlmConfig } from "./llm/config";
import type { CallPurpose, ChatMessage } from "./llm/types";
import { FORCE_FINAL_ANSWER, currentTask, rolePlaying, structuredRetry } from "./prompts";
import { type Session, emptyResponseError } from "./session";
import { type OutputSpec, parseStructured, responseFormatOf } from "./structured";
import { type Tool, runToolCall, toolSpecs } from "./tools";
import type { UsageMetrics } from "./usage";

/** CrewAI's default `max_iter`. */
export const DEFAULT_MAX_ITER = 25;

export interface AgentSpec {
  /** The agent's key in the crew's `agents` mapping (null for generated agents). */
  key: string | null;
  role: string;
  goal: string;
  backstory: string;
  llm: LlmConfig;
  tools: Tool[];
  maxIter: number;
  allowDelegation: boolean;
  hooks: LlmHooks;
}

export interface AgentRun {
  prompt: string;
  tools: readonly Tool[];
  output: OutputSpec | null;
  task: HookTaskInfo | null;
  origin: CallOrigin;
  purpose: CallPurpose;
  usage: readonly UsageMetrics[];
}

export interface AgentRunResult {
  raw: string;
  /** The schema-valid value of a structured answer (null when there is no schema or it never fit). */
  parsed: JsonValue | null;
  messages: ChatMessage[];
  simulated: boolean;
}

export class Agent {
  role: string;
  goal: string;
  backstory: string;

  constructor(readonly spec: AgentSpec) {
    this.role = spec.role;
    this.goal = spec.goal;
    this.backstory = spec.backstory;
  }

  /** Fills `{placeholders}` in role, goal and backstory from the original texts (§9.1). */
  interpolate(inputs: Readonly<Record<string, unknown>>): void {
    if (Object.keys(inputs).length === 0) return;
    this.role = interpolateOnly(this.spec.role, inputs);
    this.goal = interpolateOnly(this.spec.goal, inputs);
    this.backstory = interpolateOnly(this.spec.backstory, inputs);
  }

  info(): HookAgentInfo {
    return { role: this.role, goal: this.goal, backstory: this.backstory };
  }

  async run(session: Session, run: AgentRun): Promise<AgentRunResult> {
    const { specs, byName } = toolSpecs(run.tools);
    const messages: ChatMessage[] = [
      { role: "system", content: rolePlaying(this.role, this.goal, this.backstory) },
      { role: "user", content: currentTask(run.prompt, specs.length > 0) },
    ];
    const responseFormat = run.output ? responseFormatOf(run.output) : null;
    let iterations = 0;
    let formatRetries = 0;
    let simulated = false;
    const call = async (purpose: CallPurpose, withTools: boolean) => {
      const result = await session.call({
        origin: run.origin,
        agent: this.info(),
        task: run.task,
        llm: this.spec.llm,
        messages,
        tools: withTools ? specs : [],
        responseFormat,
        purpose,
        iterations,
        hooks: this.spec.hooks,
        usage: run.usage,
      });
      simulated ||= result.simulated;
      return result;
    };
    for (;;) {
      let text: string | null;
      if (specs.length > 0 && iterations >= this.spec.maxIter) {
        // Out of turns: one more call, without tools, asking for the final answer (CrewAI's rule).
        messages.push({ role: "assistant", content: FORCE_FINAL_ANSWER });
        text = (await call("final_answer", false)).text;
      } else {
        const result = await call(formatRetries > 0 ? "format_retry" : run.purpose, true);
        iterations += 1;
        const calls = result.response.tool_calls;
        if (calls.length > 0) {
          messages.push({ role: "assistant", content: result.response.content, tool_calls: calls });
          for (const toolCall of calls) {
            const started = performance.now();
            const outcome = await runToolCall(toolCall, byName, { agent: this.role, task: run.origin.task, signal: session.ctx.signal });
            session.sink.emit({
              kind: "tool",
              ...run.origin,
              tool: toolCall.function.name,
              call_id: toolCall.id,
              arguments: outcome.arguments as JsonValue,
              result: outcome.content,
              ...(outcome.error ? { error: errorInfo(outcome.error) } : {}),
              latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
            });
            messages.push({ role: "tool", tool_call_id: toolCall.id, content: outcome.content });
          }
          continue;
        }
        text = result.text;
      }
      if (text === null || text.trim() === "") throw emptyResponseError();
      messages.push({ role: "assistant", content: text });
      if (!run.output) return { raw: text, parsed: null, messages, simulated };
      const parsed = parseStructured(text, run.output);
      session.sink.emit({ kind: "structured_output", ...run.origin, attempt: formatRetries + 1, ok: parsed.ok, error: parsed.ok ? null : parsed.error });
      if (parsed.ok) return { raw: text, parsed: parsed.value, messages, simulated };
      if (formatRetries >= session.runtime.structuredRetries) return { raw: text, parsed: null, messages, simulated };
      formatRetries += 1;
      const schema = run.output.schema ? JSON.stringify(run.output.schema, null, 2) : null;
      messages.push({ role: "user", content: structuredRetry(parsed.error, schema) });
    }
  }
}
