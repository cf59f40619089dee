// Guardrails (spec §9.4). A function guardrail is a code ref `{ref: "MODULE:EXPORT"}` to
// `(output: TaskOutput) => {ok: true, value} | {ok: false, error}` (CrewAI's `(bool, value)` tuple is
// accepted too, as `[ok, value]`); it may be async. A text guardrail is judged by an LLM (the task
// agent's model) answering `{valid, feedback}`. A failed check re-runs the agent with the failure as
// context, up to `guardrail_max_retries` (default 3) times.
import { type GuardrailDefinition, isPythonRef } from "@crewflow/definition";
import { type RefContext, resolveRef } from "@crewflow/runtime";
import { Agent } from "./agent";
import { namedError, valueError } from "./errors";
import type { CallOrigin } from "./events";
import { noHooks } from "./hooks";
import type { LlmConfig } from "./llm/config";
import type { JsonObject } from "./llm/types";
import { GUARDRAIL_AGENT, guardrailQuery } from "./prompts";
import type { TaskOutput } from "./results";
import type { Session } from "./session";
import { outputSpec } from "./structured";
import type { UsageMetrics } from "./usage";

export const DEFAULT_GUARDRAIL_MAX_RETRIES = 3;

export type GuardrailVerdict = { ok: true; value: unknown } | { ok: false; error: string };

/** What a function guardrail may return. */
export type GuardrailReturn = { ok: true; value: unknown } | { ok: false; error: unknown } | readonly [boolean, unknown];

export type GuardrailFunction = (output: TaskOutput) => GuardrailReturn | Promise<GuardrailReturn>;

export interface GuardrailCheckContext {
  session: Session;
  /** The task agent's model (text guardrails use it). */
  llm: LlmConfig | null;
  origin: CallOrigin;
  usage: readonly UsageMetrics[];
}

export interface Guardrail {
  /** The ref, or the guardrail text, for the run log. */
  label: string;
  check(output: TaskOutput, context: GuardrailCheckContext): Promise<GuardrailVerdict>;
}

export async function resolveGuardrail(definition: GuardrailDefinition, refs: RefContext, hasAgent: boolean): Promise<Guardrail> {
  if (typeof definition === "string") {
    if (!hasAgent) throw valueError("Agent is required to use non-programmatic guardrails");
    return textGuardrail(definition);
  }
  if (isPythonRef(definition))
    throw valueError(`Crewflow cannot run the Python guardrail '${definition.python}'; give a TypeScript function as {ref: "MODULE:EXPORT"}`);
  const ref = (definition as { ref: string }).ref;
  const fn = await resolveRef(ref, "guardrail", refs);
  if (typeof fn !== "function") throw valueError(`invalid guardrail ref '${ref}'; object is not callable`);
  return functionGuardrail(ref, fn as GuardrailFunction);
}

export function functionGuardrail(label: string, fn: GuardrailFunction): Guardrail {
  return {
    label,
    async check(output) {
      return verdictOf(await fn(output));
    },
  };
}

function verdictOf(result: unknown): GuardrailVerdict {
  if (Array.isArray(result) && result.length === 2 && typeof result[0] === "boolean")
    return result[0] ? { ok: true, value: result[1] } : { ok: false, error: errorText(result[1]) };
  if (result && typeof result === "object" && typeof (result as { ok?: unknown }).ok === "boolean") {
    const record = result as { ok: boolean; value?: unknown; error?: unknown };
    return record.ok ? { ok: true, value: record.value } : { ok: false, error: errorText(record.error) };
  }
  throw namedError("TypeError", "a guardrail must return {ok: true, value} | {ok: false, error} (or [ok, value])");
}

const errorText = (error: unknown): string => (typeof error === "string" ? error : error instanceof Error ? error.message : JSON.stringify(error) ?? String(error));

/** CrewAI's LLMGuardrailResult, as a strict JSON Schema. */
const JUDGE_SCHEMA: JsonObject = {
  title: "LLMGuardrailResult",
  type: "object",
  properties: {
    valid: { type: "boolean", description: "Whether the task output complies with the guardrail" },
    feedback: { anyOf: [{ type: "string" }, { type: "null" }], description: "A feedback about the task output if it is not valid" },
  },
  required: ["valid", "feedback"],
  additionalProperties: false,
};

export function textGuardrail(description: string): Guardrail {
  return {
    label: description,
    async check(output, context) {
      try {
        if (!context.llm) throw valueError("Agent is required to use non-programmatic guardrails");
        const judge = new Agent({ key: null, ...GUARDRAIL_AGENT, llm: context.llm, tools: [], maxIter: 1, allowDelegation: false, hooks: noHooks() });
        const result = await judge.run(context.session, {
          prompt: guardrailQuery(output.raw, description),
          tools: [],
          output: outputSpec(JUDGE_SCHEMA, "pydantic"),
          task: null,
          origin: { ...context.origin, agent: GUARDRAIL_AGENT.role },
          purpose: "guardrail",
          usage: context.usage,
        });
        const verdict = result.parsed as { valid?: unknown; feedback?: unknown } | null;
        if (!verdict || typeof verdict.valid !== "boolean") throw valueError("The guardrail result is not a valid pydantic model");
        return verdict.valid ? { ok: true, value: output.raw } : { ok: false, error: typeof verdict.feedback === "string" ? verdict.feedback : String(verdict.feedback) };
      } catch (err) {
        if (context.session.ctx.signal.aborted) throw err;
        // The judge's own failures count as a failed check (CrewAI).
        return { ok: false, error: `Error while validating the task output: ${(err as Error).message}` };
      }
    },
  };
}
