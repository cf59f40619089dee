// The state block seen as a list of fields: JSON Schema properties (type, required, description)
// plus the state's `default` values. Edits change only the keys they touch, so a hand-written
// schema (enums, nested items, $defs…) survives.
import { assoc, asMapping, isMapping, renameKey } from "../edit";
import type { Mapping } from "../types";

export const FIELD_TYPES = ["string", "number", "integer", "boolean", "array", "object"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface StateField {
  name: string;
  /** JSON Schema type as written ("" when absent or not a single type name). */
  type: string;
  required: boolean;
  /** The `state.default` value, if any. */
  default: unknown;
  hasDefault: boolean;
  description: string;
}

/** Whether the state kind carries a JSON Schema the editor can show as fields. */
export function hasSchema(state: Mapping): boolean {
  return state.type === "json_schema" || (state.type === "pydantic" && isMapping(state.json_schema));
}

export function readFields(state: Mapping): StateField[] {
  const defaults = asMapping(state.default);
  const schema = asMapping(state.json_schema);
  const properties = hasSchema(state) ? asMapping(schema.properties) : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  const names = [...Object.keys(properties), ...Object.keys(defaults).filter((k) => !(k in properties))];
  return names.map((name) => {
    const property = asMapping(properties[name]);
    const inferred = name in properties ? (typeof property.type === "string" ? property.type : "") : typeOfValue(defaults[name]);
    return {
      name,
      type: inferred,
      required: required.includes(name),
      default: defaults[name],
      hasDefault: name in defaults,
      description: typeof property.description === "string" ? property.description : "",
    };
  });
}

function typeOfValue(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (Array.isArray(value)) return "array";
  if (isMapping(value)) return "object";
  return "";
}

/** Apply `change` to the schema's properties (creating the schema pieces it needs). */
function withSchema(state: Mapping, change: (schema: Mapping) => Mapping): Mapping {
  if (!hasSchema(state)) return state;
  const schema = isMapping(state.json_schema) ? state.json_schema : { type: "object" };
  return assoc(state, "json_schema", change(schema));
}

function withDefaults(state: Mapping, change: (defaults: Mapping) => Mapping): Mapping {
  const next = change(asMapping(state.default));
  return assoc(state, "default", Object.keys(next).length ? next : undefined);
}

export function addField(state: Mapping, name: string): Mapping {
  if (!hasSchema(state)) return withDefaults(state, (d) => assoc(d, name, ""));
  return withSchema(state, (schema) => assoc(schema, "properties", assoc(asMapping(schema.properties), name, { type: "string" })));
}

export function removeField(state: Mapping, name: string): Mapping {
  const withoutProperty = withSchema(state, (schema) => {
    let next = assoc(schema, "properties", assoc(asMapping(schema.properties), name, undefined));
    if (Array.isArray(schema.required)) {
      const required = schema.required.filter((r) => r !== name);
      next = assoc(next, "required", required.length ? required : undefined);
    }
    return next;
  });
  return withDefaults(withoutProperty, (d) => assoc(d, name, undefined));
}

export function renameField(state: Mapping, from: string, to: string): Mapping {
  const renamed = withSchema(state, (schema) => {
    let next = isMapping(schema.properties) ? assoc(schema, "properties", renameKey(schema.properties, from, to)) : schema;
    if (Array.isArray(schema.required)) next = assoc(next, "required", schema.required.map((r) => (r === from ? to : r)));
    return next;
  });
  return isMapping(renamed.default) ? assoc(renamed, "default", renameKey(renamed.default, from, to)) : renamed;
}

export function setFieldType(state: Mapping, name: string, type: string): Mapping {
  const typed = withSchema(state, (schema) => {
    const properties = asMapping(schema.properties);
    return assoc(schema, "properties", assoc(properties, name, assoc(asMapping(properties[name]), "type", type)));
  });
  // A default of the old type would not validate any more: convert it when it can be, else drop it.
  const defaults = asMapping(typed.default);
  if (!(name in defaults)) return hasSchema(state) ? typed : withDefaults(typed, (d) => assoc(d, name, emptyValue(type)));
  const converted = parseDefault(type, defaultText(defaults[name]));
  return withDefaults(typed, (d) => assoc(d, name, converted.ok ? converted.value : hasSchema(state) ? undefined : emptyValue(type)));
}

export function setFieldRequired(state: Mapping, name: string, required: boolean): Mapping {
  return withSchema(state, (schema) => {
    const list = Array.isArray(schema.required) ? schema.required.filter((r) => r !== name) : [];
    if (required) list.push(name);
    return assoc(schema, "required", list.length ? list : undefined);
  });
}

export function setFieldDescription(state: Mapping, name: string, description: string): Mapping {
  return withSchema(state, (schema) => {
    const properties = asMapping(schema.properties);
    return assoc(schema, "properties", assoc(properties, name, assoc(asMapping(properties[name]), "description", description || undefined)));
  });
}

export function setFieldDefault(state: Mapping, name: string, value: unknown): Mapping {
  return withDefaults(state, (d) => assoc(d, name, value));
}

function emptyValue(type: string): unknown {
  switch (type) {
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return "";
  }
}

/** A default as the user types it: strings verbatim, everything else as JSON. */
export function defaultText(value: unknown): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Read a typed default; empty text means "no default". */
export function parseDefault(type: string, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (text === "") return { ok: true, value: undefined };
  if (type === "string") return { ok: true, value: text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: `not a valid ${type || "JSON"} value: ${text}` };
  }
  const ok =
    type === "" ||
    (type === "number" && typeof value === "number") ||
    (type === "integer" && Number.isInteger(value)) ||
    (type === "boolean" && typeof value === "boolean") ||
    (type === "array" && Array.isArray(value)) ||
    (type === "object" && isMapping(value)) ||
    !FIELD_TYPES.includes(type as FieldType);
  return ok ? { ok: true, value } : { ok: false, error: `the default must be ${article(type)} ${type}` };
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? "an" : "a";
}
