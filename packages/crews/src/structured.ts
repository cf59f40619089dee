// Structured outputs (spec §9.5): a task's `output_json` / `output_pydantic` / `response_model` or an
// agent's `response_format`, given as an inline JSON Schema (Crewflow) or CrewAI's `{python: …}` ref.
// The schema is sent as OpenAI's `response_format: json_schema`, the answer is validated with ajv, and
// an invalid answer is re-asked by the agent loop.
import { type JsonValue, isPythonRef } from "@crewflow/definition";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { valueError } from "./errors";
import { canonicalJson } from "./llm/hash";
import type { JsonObject, ResponseFormat } from "./llm/types";

export interface OutputSpec {
  /** Where the parsed object lands: `json_dict` (output_json) or `pydantic` (output_pydantic, response_model, response_format). */
  target: "json" | "pydantic";
  /** The JSON Schema; null for a Python model ref, whose schema Crewflow cannot read (JSON mode, unvalidated). */
  schema: JsonObject | null;
  /** The schema's name for OpenAI (its `title`, sanitised) and for the Python str form. */
  name: string;
  /** The Python ref, when the model was given as one. */
  pythonRef: string | null;
}

interface OutputFields {
  output_json?: unknown;
  output_pydantic?: unknown;
  response_model?: unknown;
}

/** The task's structured-output spec, with CrewAI's rule that only one of json/pydantic may be set. */
export function taskOutputSpec(task: OutputFields): OutputSpec | null {
  if (task.output_json != null && task.output_pydantic != null)
    throw valueError("Only one output type can be set, either output_pydantic or output_json.");
  if (task.output_json != null) return outputSpec(task.output_json, "json");
  if (task.output_pydantic != null) return outputSpec(task.output_pydantic, "pydantic");
  if (task.response_model != null) return outputSpec(task.response_model, "pydantic");
  return null;
}

export function outputSpec(model: unknown, target: OutputSpec["target"]): OutputSpec {
  if (isPythonRef(model)) {
    const ref = model.python;
    return { target, schema: null, name: sanitizeName(ref.split(/[.:]/).pop() ?? "output"), pythonRef: ref };
  }
  if (!model || typeof model !== "object" || Array.isArray(model)) throw valueError("a structured output model must be a JSON Schema object or {python: …}");
  const schema = model as JsonObject;
  compile(schema); // a broken schema fails when the crew loads, not at the first answer
  return { target, schema, name: sanitizeName(typeof schema.title === "string" ? schema.title : "output"), pythonRef: null };
}

/** OpenAI's `response_format` for a spec. `strict` only when the schema already meets strict mode's rules. */
export function responseFormatOf(spec: OutputSpec): ResponseFormat {
  if (!spec.schema) return { type: "json_object" };
  return { type: "json_schema", json_schema: { name: spec.name, strict: isStrictCompatible(spec.schema), schema: spec.schema } };
}

export type Parsed = { ok: true; value: JsonValue } | { ok: false; error: string };

/** The answer as a schema-valid value: the whole text, else a fenced or embedded JSON fragment. */
export function parseStructured(text: string, spec: OutputSpec): Parsed {
  const candidates = jsonCandidates(text);
  if (candidates.length === 0) return { ok: false, error: "the answer is not valid JSON" };
  let firstError = "";
  for (const candidate of candidates) {
    const error = validateAgainst(spec, candidate);
    if (error === null) return { ok: true, value: candidate };
    firstError ||= error;
  }
  return { ok: false, error: firstError };
}

/** Null when `value` fits the spec, else ajv's message. */
export function validateAgainst(spec: OutputSpec, value: JsonValue): string | null {
  if (!spec.schema) return value !== null && typeof value === "object" ? null : "the answer is not a JSON object";
  const validate = compile(spec.schema);
  if (validate(value)) return null;
  return ajv.errorsText(validate.errors, { dataVar: "output" });
}

function jsonCandidates(text: string): JsonValue[] {
  const out: JsonValue[] = [];
  const tryParse = (source: string | undefined) => {
    if (source === undefined) return;
    try {
      out.push(JSON.parse(source) as JsonValue);
    } catch {
      // not JSON; try the next fragment
    }
  };
  const trimmed = text.trim();
  tryParse(trimmed);
  for (const match of trimmed.matchAll(/```(?:json)?\s*([\s\S]*?)```/g)) tryParse(match[1]);
  for (const [open, close] of [["{", "}"], ["[", "]"]] as const) {
    const start = trimmed.indexOf(open);
    const end = trimmed.lastIndexOf(close);
    if (start >= 0 && end > start) tryParse(trimmed.slice(start, end + 1));
  }
  return out;
}

// ajv-formats is CommonJS with a default export; under Node's ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

function compile(schema: JsonObject): ValidateFunction {
  const key = canonicalJson(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw valueError(`invalid JSON Schema for a structured output: ${(err as Error).message}`);
    }
    compiled.set(key, validate);
  }
  return validate;
}

/** OpenAI strict mode: every object closes `additionalProperties` and requires all its properties. */
export function isStrictCompatible(schema: JsonValue): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictCompatible);
  if (!schema || typeof schema !== "object") return true;
  const isObject = schema.type === "object" || (schema.properties !== undefined && typeof schema.properties === "object");
  if (isObject) {
    if (schema.additionalProperties !== false) return false;
    const properties = schema.properties && typeof schema.properties === "object" && !Array.isArray(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? schema.required : [];
    if (!properties.every((key) => required.includes(key))) return false;
  }
  return Object.entries(schema).every(([key, value]) => key === "enum" || key === "const" || key === "default" || key === "examples" || isStrictCompatible(value));
}

/** OpenAI's name rule for schemas and functions: `[a-zA-Z0-9_-]{1,64}`. */
export function sanitizeName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 64);
  return cleaned || "output";
}
