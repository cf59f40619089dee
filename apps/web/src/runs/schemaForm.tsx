// A form generated from the flow's state schema (JSON Schema): the run inputs dialog and the fork's
// state editor. Each field is checked with ajv against its property schema (ajv is what the runtime
// validates state with, so the form and the run agree) before anything is sent.
import type { FlowDefinition, JsonValue } from "@crewflow/definition";
import { Ajv } from "ajv";
import { type ReactNode, useId, useState } from "react";

type Json = JsonValue;
type Schema = { [key: string]: Json };

export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

export interface SchemaField {
  name: string;
  kind: FieldKind;
  required: boolean;
  schema: Schema;
  options: string[];
  defaultValue: Json | undefined;
  description: string | null;
}

const isObject = (v: Json | undefined): v is Schema => v !== null && typeof v === "object" && !Array.isArray(v);

function kindOf(schema: Schema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === "string")) return "enum";
  let type = schema.type;
  // Optional[X] comes out of pydantic as anyOf [X, null].
  if (type === undefined && Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf.filter((b): b is Schema => isObject(b) && b.type !== "null");
    if (branches.length === 1) return kindOf(branches[0]!);
  }
  if (Array.isArray(type)) type = type.find((t) => t !== "null") ?? "string";
  if (type === "string" || type === "number" || type === "integer" || type === "boolean") return type;
  return "json";
}

/** The JSON Schema of a definition's state, when it has one. */
export function stateJsonSchema(definition: FlowDefinition): Schema | null {
  const state = definition.state;
  if (!state) return null;
  if (state.type === "json_schema") return state.json_schema as Schema;
  if (state.type === "pydantic" && state.json_schema) return state.json_schema as Schema;
  return null;
}

/** One field per state property (`id` is the run's, not an input). */
export function schemaFields(definition: FlowDefinition): SchemaField[] {
  const schema = stateJsonSchema(definition);
  const defaults = isObject(definition.state?.default as Json | undefined) ? (definition.state!.default as Schema) : {};
  const properties = schema && isObject(schema.properties) ? schema.properties : {};
  const required = new Set(schema && Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
  const fields: SchemaField[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    if (name === "id" || !isObject(raw)) continue;
    const kind = kindOf(raw);
    fields.push({
      name,
      kind,
      required: required.has(name),
      schema: raw,
      options: kind === "enum" ? (raw.enum as string[]) : [],
      defaultValue: name in defaults ? defaults[name] : raw.default,
      description: typeof raw.description === "string" ? raw.description : null,
    });
  }
  // A dict state has no schema: its keys come from the default state.
  if (!schema)
    for (const [name, value] of Object.entries(defaults)) {
      if (name === "id") continue;
      const kind: FieldKind = typeof value === "string" ? "string" : typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "json";
      fields.push({ name, kind, required: false, schema: {}, options: [], defaultValue: value, description: null });
    }
  return fields;
}

/** What a control holds: text for text-like fields, a boolean for checkboxes. */
export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;

export function toFieldValue(field: SchemaField, value: Json | undefined): FieldValue {
  if (field.kind === "boolean") return value === true;
  if (value === undefined || value === null) return "";
  if (field.kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

export function initialValues(fields: readonly SchemaField[], from?: Json): FormValues {
  const source = isObject(from) ? from : undefined;
  return Object.fromEntries(fields.map((f) => [f.name, toFieldValue(f, source ? source[f.name] : f.defaultValue)]));
}

const ajv = new Ajv({ allErrors: true, strict: false });

function check(schema: Schema, value: Json): string | null {
  try {
    const validate = ajv.compile(schema);
    ajv.removeSchema(schema);
    if (validate(value)) return null;
    return (validate.errors ?? []).map((e) => `${e.instancePath || "value"} ${e.message ?? "is invalid"}`.trim()).join("; ");
  } catch {
    return null; // a schema ajv cannot compile is the server's to reject
  }
}

export interface FormResult {
  values: Record<string, Json>;
  errors: Record<string, string>;
}

/**
 * Parses and checks the form. Empty optional fields are left out (the state's defaults apply) unless
 * `keepEmpty`; a required field without a default must be filled.
 */
export function readForm(fields: readonly SchemaField[], form: FormValues, options: { keepEmpty?: boolean } = {}): FormResult {
  const values: Record<string, Json> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = form[field.name];
    let value: Json;
    if (field.kind === "boolean") value = raw === true;
    else {
      const text = typeof raw === "string" ? raw : "";
      if (text.trim() === "") {
        if (field.required && field.defaultValue === undefined && !options.keepEmpty) errors[field.name] = `${field.name} is required`;
        if (options.keepEmpty) values[field.name] = null;
        continue;
      }
      if (field.kind === "number" || field.kind === "integer") {
        value = Number(text);
        if (!Number.isFinite(value)) {
          errors[field.name] = `${field.name} must be a number`;
          continue;
        }
      } else if (field.kind === "json") {
        try {
          value = JSON.parse(text) as Json;
        } catch (err) {
          errors[field.name] = `${field.name} is not valid JSON: ${(err as Error).message}`;
          continue;
        }
      } else value = text;
    }
    const problem = check(field.schema, value);
    if (problem) errors[field.name] = `${field.name}: ${problem}`;
    else values[field.name] = value;
  }
  return { values, errors };
}

/** The controls of a generated form, each labelled by its field name. */
export function SchemaFields(props: {
  fields: readonly SchemaField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: FieldValue) => void;
}) {
  const base = useId();
  return (
    <>
      {props.fields.map((field, i) => {
        const id = `${base}-${i}`;
        const value = props.values[field.name];
        const error = props.errors[field.name];
        const common = {
          id,
          "aria-invalid": error ? true : undefined,
          "aria-describedby": error ? `${id}-error` : undefined,
          "aria-required": field.required ? true : undefined,
        };
        return (
          <div className="run-field" key={field.name}>
            <label htmlFor={id}>{field.name}</label>
            {/* The asterisk is for the eye, outside the label so the control's name stays the field's name; aria-required says it to assistive tech. */}
            {field.required ? (
              <span className="run-field-required" aria-hidden="true">
                {" *"}
              </span>
            ) : null}
            {field.kind === "boolean" ? (
              <input {...common} type="checkbox" checked={value === true} onChange={(e) => props.onChange(field.name, e.target.checked)} />
            ) : field.kind === "enum" ? (
              <select {...common} value={typeof value === "string" ? value : ""} onChange={(e) => props.onChange(field.name, e.target.value)}>
                <option value="">—</option>
                {field.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : field.kind === "json" ? (
              <textarea {...common} rows={3} value={typeof value === "string" ? value : ""} onChange={(e) => props.onChange(field.name, e.target.value)} />
            ) : (
              <input
                {...common}
                type={field.kind === "string" ? "text" : "number"}
                step={field.kind === "integer" ? 1 : "any"}
                value={typeof value === "string" ? value : ""}
                onChange={(e) => props.onChange(field.name, e.target.value)}
              />
            )}
            {field.description ? <small>{field.description}</small> : null}
            {error ? (
              <span role="alert" id={`${id}-error`} className="run-field-error">
                {error}
              </span>
            ) : null}
          </div>
        );
      })}
    </>
  );
}

/**
 * A modal dialog holding a generated form: checks the fields, shows their errors and the server's, and
 * hands the parsed values to `onSubmit` (the run inputs dialog and the fork's state editor).
 */
export function SchemaFormDialog(props: {
  /** The dialog's accessible name. */
  label: string;
  children: ReactNode;
  fields: readonly SchemaField[];
  initial: FormValues;
  busy: boolean;
  serverError: string | null;
  submitLabel: string;
  onCancel: () => void;
  onSubmit: (values: Record<string, Json>) => Promise<unknown>;
}) {
  const [values, setValues] = useState<FormValues>(props.initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async () => {
    const result = readForm(props.fields, values);
    setErrors(result.errors);
    if (Object.keys(result.errors).length > 0) return;
    await props.onSubmit(result.values);
  };
  return (
    <div className="run-dialog-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-label={props.label}
        className="run-dialog"
        onKeyDown={(e) => {
          if (e.key === "Escape") props.onCancel();
        }}
      >
        {props.children}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <SchemaFields fields={props.fields} values={values} errors={errors} onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))} />
          {props.serverError ? (
            <p role="alert" className="run-error">
              {props.serverError}
            </p>
          ) : null}
          <div className="run-dialog-actions">
            <button type="button" onClick={props.onCancel}>
              Cancel
            </button>
            <button type="submit" disabled={props.busy}>
              {props.submitLabel}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
