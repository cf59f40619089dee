import { z } from "zod";
import { jsonObject, laxBool, laxInt, type PythonRef, pythonRef } from "./common";

/**
 * A structured-output model: CrewAI's `{python: "module.Model"}` ref, or (Crewflow) a JSON Schema
 * object given inline. A mapping with a `python` key is a ref; any other mapping is a schema.
 */
export const outputModelSchema = jsonObject.superRefine((value, ctx) => {
  if (!("python" in value)) return;
  const ref = pythonRef.safeParse(value);
  if (!ref.success) for (const issue of ref.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
});
export type OutputModel = z.output<typeof outputModelSchema>;

/** Whether a structured-output model is CrewAI's `{python: …}` ref (else it is an inline JSON Schema). */
export function isPythonRef(value: unknown): value is PythonRef {
  return typeof value === "object" && value !== null && typeof (value as { python?: unknown }).python === "string";
}

/** An LLM: a model name, or `{model, max_tokens, base_url, temperature, …}` (extra keys kept). */
export const llmSchema = z.union([
  z.string(),
  z.looseObject({ model: z.string(), max_tokens: laxInt.nullish() }),
]);
export type LlmDefinition = z.output<typeof llmSchema>;

/** A guardrail: a description judged by an LLM, CrewAI's `{python: …}` callable, or (Crewflow) `{ref: "MODULE:EXPORT"}`. */
export const guardrailSchema = z.union([z.string(), pythonRef, z.object({ ref: z.string() })]);
export type GuardrailDefinition = z.output<typeof guardrailSchema>;

const settingsField = z.preprocess(
  (value) => (value === null ? undefined : value),
  z.record(z.string(), z.unknown(), { error: "agent.settings must be a mapping" }).optional(),
);

/** Agent fields shared by crew agents and the single-agent action (extra keys kept: checked when the crew loads). */
const agentShape = {
  role: z.string().nullish(),
  goal: z.string().nullish(),
  backstory: z.string().nullish(),
  type: z.union([z.string(), pythonRef]).nullish(),
  from_repository: z.string().nullish(),
  settings: settingsField,
  llm: llmSchema.nullish(),
  planning_config: jsonObject.nullish(),
  allow_delegation: laxBool.nullish(),
  max_iter: laxInt.nullish(),
  max_rpm: laxInt.nullish(),
  max_execution_time: laxInt.nullish(),
  tools: z.array(z.union([z.string(), jsonObject])).nullish(),
  apps: z.array(z.string()).nullish(),
  mcps: z.array(z.union([z.string(), jsonObject])).nullish(),
};

export const crewAgentSchema = z.looseObject(agentShape);
export type CrewAgentDefinition = z.output<typeof crewAgentSchema>;

/** The `with` of an `agent` action: an agent plus its `input` template (rule V8). */
export const agentActionAgentSchema = z.looseObject({
  ...agentShape,
  input: z.string({
    error: (issue) => (issue.input === undefined ? "Field required" : "agent.input must be a string"),
  }),
  response_format: outputModelSchema.nullish(),
});
export type AgentActionAgentDefinition = z.output<typeof agentActionAgentSchema>;

export const crewTaskSchema = z.looseObject({
  description: z.string(),
  expected_output: z.string(),
  name: z.string().nullish(),
  agent: z.string().nullish(),
  context: z.array(z.string()).nullish(),
  type: z.union([z.string(), pythonRef]).nullish(),
  output_json: outputModelSchema.nullish(),
  output_pydantic: outputModelSchema.nullish(),
  response_model: outputModelSchema.nullish(),
  guardrail: guardrailSchema.nullish(),
  guardrails: z.array(guardrailSchema).nullish(),
  guardrail_max_retries: laxInt.nullish(),
  async_execution: laxBool.nullish(),
  output_file: z.string().nullish(),
  human_input: laxBool.nullish(),
});
export type CrewTaskDefinition = z.output<typeof crewTaskSchema>;

/** The list form of `agents` (`[{name: x, …}]` or `[{x: {…}}]`) normalised to a mapping, with CrewAI's messages (V7). */
const agentsField = z.preprocess((value, ctx) => {
  if (!Array.isArray(value)) return value;
  const agents: Record<string, unknown> = {};
  for (const [index, item] of value.entries()) {
    if (!item || typeof item !== "object" || Array.isArray(item)) {
      ctx.addIssue({ code: "custom", message: `agents[${index}] must be an inline agent mapping`, input: value });
      return z.NEVER;
    }
    const record = item as Record<string, unknown>;
    if ("name" in record) {
      const name = record.name;
      if (typeof name !== "string" || !name) {
        ctx.addIssue({ code: "custom", message: `agents[${index}].name must be a non-empty string`, input: value });
        return z.NEVER;
      }
      const { name: _drop, ...rest } = record;
      agents[name] = rest;
      continue;
    }
    const keys = Object.keys(record);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `agents[${index}] must include a name field or be a one-key mapping`,
        input: value,
      });
      return z.NEVER;
    }
    agents[keys[0]!] = record[keys[0]!];
  }
  return agents;
}, z.record(z.string(), crewAgentSchema));

/** An inline crew (`crew.with`); extra keys are kept and checked when the crew is loaded (V7). */
export const crewSchema = z
  .looseObject({
    agents: agentsField,
    tasks: z.array(crewTaskSchema),
    inputs: z.preprocess(
      (value) => (value === null ? undefined : value),
      z.record(z.string(), z.unknown(), { error: "crew.inputs must be a mapping" }).optional(),
    ),
    manager_agent: z.union([z.string(), pythonRef]).nullish(),
    name: z.string().nullish(),
    process: z.string().nullish(),
    manager_llm: llmSchema.nullish(),
  })
  .superRefine((crew, ctx) => {
    if (Object.keys(crew.agents).length === 0)
      ctx.addIssue({ code: "custom", message: "crew action requires inline agent definitions", path: ["agents"] });
    if (crew.tasks.length === 0)
      ctx.addIssue({ code: "custom", message: "crew action requires a non-empty tasks list", path: ["tasks"] });
  });
export type CrewDefinition = z.output<typeof crewSchema>;
