// Result objects (spec §9.6). The method output of a crew action is a CrewOutput, of an agent action an
// AgentOutput. `toJSON()` is what the CEL context, the run log and `--json` see (`outputs.x.raw`,
// `outputs.x.json_dict.f`, …); `toString()` is CrewAI's `__str__`, which a router uses as its label.
import { type JsonValue, pyRepr, pyReprString } from "@crewflow/definition";
import type { JsonObject } from "./llm/types";
import type { OutputSpec } from "./structured";
import { type UsageMetrics, emptyMetrics } from "./usage";

export type OutputFormat = "raw" | "json" | "pydantic";

/**
 * A structured answer in the `pydantic` slot: the validated object (its JSON is the object itself, like
 * `model_dump()`), printed the way pydantic prints a model (`score=9 summary='ok'`).
 */
export class StructuredValue {
  constructor(
    readonly value: JsonObject,
    private readonly schema: JsonObject | null,
  ) {}

  get(key: string): JsonValue | undefined {
    return this.value[key];
  }

  toJSON(): JsonObject {
    return this.value;
  }

  toString(): string {
    return pydanticStr(this.value, this.schema, this.schema);
  }
}

/** pydantic's `str(model)`: `field=repr(value)` joined by spaces; nested titled objects as `Title(a=1)`. */
function pydanticStr(value: JsonObject, schema: JsonObject | null, root: JsonObject | null): string {
  return Object.entries(value)
    .map(([key, item]) => `${key}=${fieldRepr(item, propertySchema(schema, key, root), root)}`)
    .join(" ");
}

function fieldRepr(value: JsonValue, schema: JsonObject | null, root: JsonObject | null): string {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const title = schema && typeof schema.title === "string" && schema.properties ? schema.title : null;
    if (title)
      return `${title}(${Object.entries(value)
        .map(([k, v]) => `${k}=${fieldRepr(v, propertySchema(schema, k, root), root)}`)
        .join(", ")})`;
    return pyRepr(value);
  }
  if (Array.isArray(value)) {
    const items = schema && typeof schema.items === "object" && !Array.isArray(schema.items) ? deref(schema.items as JsonObject, root) : null;
    return `[${value.map((item) => fieldRepr(item, items, root)).join(", ")}]`;
  }
  if (typeof value === "string") return pyReprString(value);
  return pyRepr(value);
}

function propertySchema(schema: JsonObject | null, key: string, root: JsonObject | null): JsonObject | null {
  const properties = schema?.properties;
  if (!properties || typeof properties !== "object" || Array.isArray(properties)) return null;
  const property = properties[key];
  return property && typeof property === "object" && !Array.isArray(property) ? deref(property, root) : null;
}

/** Follows a local `$ref` (`#/$defs/Name`, how pydantic exports nested models). */
function deref(schema: JsonObject, root: JsonObject | null): JsonObject {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/") || !root) return schema;
  let target: JsonValue = root;
  for (const part of ref.slice(2).split("/")) {
    if (!target || typeof target !== "object" || Array.isArray(target)) return schema;
    target = target[part] ?? null;
  }
  if (!target || typeof target !== "object" || Array.isArray(target)) return schema;
  return typeof target.title === "string" ? target : { ...target, title: ref.split("/").pop() ?? "Model" };
}

/** `json_dict` / `pydantic` for a parsed answer, by the spec's target. */
export function structuredFields(parsed: JsonValue | null, spec: OutputSpec | null): { json_dict: JsonObject | null; pydantic: StructuredValue | null } {
  if (!spec || parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { json_dict: null, pydantic: null };
  if (spec.target === "json") return { json_dict: parsed, pydantic: null };
  return { json_dict: null, pydantic: new StructuredValue(parsed, spec.schema) };
}

export interface TaskOutputInit {
  description: string;
  name: string | null;
  expected_output: string;
  raw: string;
  json_dict: JsonObject | null;
  pydantic: StructuredValue | null;
  agent: string;
  output_format: OutputFormat;
  token_usage?: UsageMetrics;
  simulated?: boolean;
}

/** CrewAI's TaskOutput. Crewflow adds the task's `token_usage` (its calls, cost included). */
export class TaskOutput {
  description: string;
  name: string | null;
  expected_output: string;
  raw: string;
  json_dict: JsonObject | null;
  pydantic: StructuredValue | null;
  agent: string;
  output_format: OutputFormat;
  token_usage: UsageMetrics;
  simulated: boolean;

  constructor(init: TaskOutputInit) {
    this.description = init.description;
    this.name = init.name;
    this.expected_output = init.expected_output;
    this.raw = init.raw;
    this.json_dict = init.json_dict;
    this.pydantic = init.pydantic;
    this.agent = init.agent;
    this.output_format = init.output_format;
    this.token_usage = init.token_usage ?? emptyMetrics();
    this.simulated = init.simulated ?? false;
  }

  /** The first ten words of the description, then "..." (CrewAI's summary). */
  get summary(): string {
    return `${this.description.split(" ").slice(0, 10).join(" ")}...`;
  }

  toJSON(): JsonObject {
    return {
      description: this.description,
      name: this.name,
      expected_output: this.expected_output,
      summary: this.summary,
      raw: this.raw,
      pydantic: this.pydantic ? this.pydantic.toJSON() : null,
      json_dict: this.json_dict,
      agent: this.agent,
      output_format: this.output_format,
      tool_failures: [],
      token_usage: { ...this.token_usage },
      ...(this.simulated ? { simulated: true } : {}),
    };
  }

  toString(): string {
    return strForm(this.pydantic, this.json_dict, this.raw);
  }
}

function strForm(pydantic: StructuredValue | null, json: JsonObject | null, raw: string): string {
  if (pydantic) return pydantic.toString();
  // A Python dict is falsy when empty: `str()` then falls through to raw.
  if (json && Object.keys(json).length > 0) return pyRepr(json);
  return raw;
}

/** CrewAI's CrewOutput: the last non-empty task output's raw/structured fields, all task outputs, usage. */
export class CrewOutput {
  readonly raw: string;
  readonly pydantic: StructuredValue | null;
  readonly json_dict: JsonObject | null;
  readonly tasks_output: TaskOutput[];
  readonly token_usage: UsageMetrics;
  readonly simulated: boolean;

  constructor(tasksOutput: TaskOutput[], tokenUsage: UsageMetrics) {
    const final = [...tasksOutput].reverse().find((output) => output.raw);
    this.raw = final?.raw ?? "";
    this.pydantic = final?.pydantic ?? null;
    this.json_dict = final?.json_dict ?? null;
    this.tasks_output = tasksOutput;
    this.token_usage = tokenUsage;
    this.simulated = tasksOutput.some((output) => output.simulated);
  }

  /** `crew_output["k"]`: the pydantic field, else the json_dict key. */
  get(key: string): JsonValue | undefined {
    if (this.pydantic && key in this.pydantic.value) return this.pydantic.value[key];
    if (this.json_dict && key in this.json_dict) return this.json_dict[key];
    return undefined;
  }

  toJSON(): JsonObject {
    return {
      raw: this.raw,
      pydantic: this.pydantic ? this.pydantic.toJSON() : null,
      json_dict: this.json_dict,
      tasks_output: this.tasks_output.map((output) => output.toJSON()),
      token_usage: { ...this.token_usage },
      ...(this.simulated ? { simulated: true } : {}),
    };
  }

  toString(): string {
    return strForm(this.pydantic, this.json_dict, this.raw);
  }
}

/** The result of `call: agent` (CrewAI's LiteAgentOutput); its string form is `raw`. */
export class AgentOutput {
  constructor(
    readonly raw: string,
    readonly pydantic: StructuredValue | null,
    readonly agent_role: string,
    readonly usage_metrics: UsageMetrics,
    readonly simulated: boolean,
  ) {}

  toJSON(): JsonObject {
    return {
      raw: this.raw,
      pydantic: this.pydantic ? this.pydantic.toJSON() : null,
      agent_role: this.agent_role,
      usage_metrics: { ...this.usage_metrics },
      tool_failures: [],
      ...(this.simulated ? { simulated: true } : {}),
    };
  }

  toString(): string {
    return this.raw;
  }
}
