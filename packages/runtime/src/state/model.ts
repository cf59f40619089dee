// Flow state models (spec §3). Dict state is a plain object mutated in place; typed state (a JSON
// Schema, or a zod schema behind a `pydantic` ref) is validated on every input merge and replaced
// by a new object, as CrewAI's pydantic models are.
import { randomUUID } from "node:crypto";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { ZodType } from "zod";

export type State = Record<string, unknown>;

export class StateValidationError extends Error {
  override name = "ValueError";
}

export interface StateModel {
  readonly typed: boolean;
  /** A fresh state: defaults plus a new `id`. */
  create(defaults: State | null | undefined): State;
  /** Merge kickoff inputs (§3.3): dict state in place, typed state re-validated into a new object. */
  merge(current: State, inputs: State): State;
  /** Validate a whole stored snapshot (hydration); throws the validator's error. */
  restore(snapshot: State): State;
}

/** Plain dict state: every key assigned; `id` kept unless given. Defaults are a shallow copy (§3.2). */
export const dictState: StateModel = {
  typed: false,
  create(defaults) {
    const state: State = { ...(defaults ?? {}) };
    if (!("id" in state)) state.id = randomUUID();
    return state;
  },
  merge(current, inputs) {
    Object.assign(current, inputs);
    return current;
  },
  restore(snapshot) {
    return { ...snapshot };
  },
};

type Validation = { ok: true; value: State } | { ok: false; onlyMissing: boolean; details: string };

/** A typed state from a validator function. */
function typedState(validate: (data: State) => Validation, fill: (data: State) => State): StateModel {
  return {
    typed: true,
    create(defaults) {
      const data = fill({ ...(defaults ?? {}) });
      if (!data.id) data.id = randomUUID();
      const result = validate(data);
      if (result.ok) return result.value;
      // Missing required fields may come from kickoff inputs: keep the state unvalidated (§3.2).
      if (result.onlyMissing) return data;
      throw new StateValidationError(result.details);
    },
    merge(current, inputs) {
      const result = validate({ ...current, ...inputs });
      if (!result.ok) throw new StateValidationError(`Invalid inputs for structured state: ${result.details}`);
      return result.value;
    },
    restore(snapshot) {
      const result = validate({ ...snapshot });
      if (!result.ok) throw new StateValidationError(result.details);
      return result.value;
    },
  };
}

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });

/**
 * A JSON-Schema state. Extra properties are forbidden (CrewAI's generated models forbid them) and
 * `id` is always a property. Coercion is ajv's (`"5"` → 5), close to pydantic's lax mode; see docs/compat.md.
 */
export function jsonSchemaState(schema: Record<string, unknown>): StateModel {
  // A host that builds many flows from one parsed definition (the server) compiles its schema once.
  const cached = compiledStates.get(schema);
  if (cached) return cached;
  const model = buildJsonSchemaState(schema);
  compiledStates.set(schema, model);
  return model;
}

/** State models by the schema object they were compiled from (models are stateless). */
const compiledStates = new WeakMap<object, StateModel>();

function buildJsonSchemaState(schema: Record<string, unknown>): StateModel {
  const properties = { ...((schema.properties as Record<string, unknown>) ?? {}) };
  if (!("id" in properties)) properties.id = { type: "string" };
  const closed = { ...schema, type: "object", properties, additionalProperties: false };
  const check: ValidateFunction = ajv.compile(closed);
  // ajv caches every schema object it compiles, forever: a long-running process must not keep them.
  ajv.removeSchema(closed);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fill = (data: State): State => {
    // Optional properties default to null (or their schema default), as pydantic models do.
    for (const [key, prop] of Object.entries(properties)) {
      if (key in data || required.has(key) || key === "id") continue;
      const declared = (prop as { default?: unknown }).default;
      data[key] = declared === undefined ? null : structuredClone(declared);
    }
    return data;
  };
  const nullable = (data: State): State => {
    // null is allowed for optional properties (pydantic's `Optional[...] = None`).
    const out: State = {};
    for (const [key, value] of Object.entries(data)) if (!(value === null && !required.has(key))) out[key] = value;
    return out;
  };
  return typedState((data) => {
    const candidate = nullable(data);
    // ajv's coercion would turn a null into 0 / "" / false; pydantic rejects None for a non-optional field.
    const nulls = Object.keys(candidate).filter((key) => candidate[key] === null && !allowsNull(properties[key]));
    if (nulls.length > 0) return { ok: false, onlyMissing: false, details: nulls.map((key) => `${key}: Input should not be None`).join("; ") };
    if (check(candidate)) {
      const value = fill(candidate);
      // An explicit null on an optional property stays null (pydantic keeps None), not its default.
      for (const [key, given] of Object.entries(data)) if (given === null && !required.has(key)) value[key] = null;
      return { ok: true, value };
    }
    const errors = check.errors ?? [];
    return { ok: false, onlyMissing: errors.every((e) => e.keyword === "required"), details: describe(errors) };
  }, fill);
}

/** Whether a property schema admits null (no `type` at all: left to the validator). */
function allowsNull(property: unknown): boolean {
  if (property === null || typeof property !== "object") return true;
  const { type, nullable } = property as { type?: unknown; nullable?: unknown };
  if (type === undefined || nullable === true) return true;
  return type === "null" || (Array.isArray(type) && type.includes("null"));
}

function describe(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "";
      if (e.keyword === "additionalProperties")
        return `${(e.params as { additionalProperty: string }).additionalProperty}: Extra inputs are not permitted`;
      if (e.keyword === "required") return `${(e.params as { missingProperty: string }).missingProperty}: Field required`;
      return `${at || "state"}: ${e.message ?? "invalid"}`;
    })
    .join("; ");
}

/** A zod object schema behind a `pydantic` ref: unknown input keys are dropped (pydantic's default). */
export function zodState(schema: ZodType): StateModel {
  return typedState(
    (data) => {
      const parsed = schema.safeParse(data);
      if (parsed.success) {
        const value = { ...(parsed.data as State) };
        value.id = data.id ?? value.id ?? randomUUID();
        return { ok: true, value };
      }
      const issues = parsed.error.issues;
      return {
        ok: false,
        onlyMissing: issues.every((i) => i.code === "invalid_type" && i.input === undefined),
        details: issues.map((i) => `${i.path.join(".") || "state"}: ${i.message}`).join("; "),
      };
    },
    (data) => data,
  );
}

export function isZodSchema(value: unknown): value is ZodType {
  return typeof value === "object" && value !== null && typeof (value as { safeParse?: unknown }).safeParse === "function";
}
