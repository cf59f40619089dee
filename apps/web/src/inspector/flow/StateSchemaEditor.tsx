import { NAME_PATTERN, stateSchema } from "@crewflow/definition";
import { assoc, asMapping, isMapping, str, uniqueName } from "../edit";
import { CheckboxField, DraftField, FieldProblems, JsonField, Section, SelectField, TextField } from "../fields";
import type { Mapping } from "../types";
import {
  addField,
  defaultText,
  FIELD_TYPES,
  hasSchema,
  parseDefault,
  readFields,
  removeField,
  renameField,
  setFieldDefault,
  setFieldDescription,
  setFieldRequired,
  setFieldType,
} from "./stateFields";

const KIND_LABELS: Record<string, string> = {
  json_schema: "typed (JSON Schema)",
  dict: "untyped (dict)",
  pydantic: "Pydantic model",
  unknown: "unknown",
};

/** "none" plus the state kinds the definition's schema knows (its `type` discriminator). */
const STATE_KINDS = [
  { value: "none", label: "none (just an id)" },
  ...stateSchema.options.map((option) => {
    const kind = option.shape.type.value;
    return { value: kind, label: KIND_LABELS[kind] ?? kind };
  }),
];

/** The flow's `state`: its kind, its fields (JSON Schema properties + defaults), and the raw schema. */
export function StateSchemaEditor({ value, onChange }: { value: unknown; onChange: (next: Mapping | undefined) => void }) {
  const state = asMapping(value);
  const kind = isMapping(value) ? (str(state.type) ?? "") : "none";
  const fields = readFields(state);
  const schemaShown = hasSchema(state);
  const path = "state";
  const changeKind = (next: string): void => {
    if (next === "none") return onChange(undefined);
    // Keep what the new kind allows (its keys are strict) and start a schema for typed state.
    const base: Mapping = { type: next };
    if (state.default !== undefined) base.default = state.default;
    if (next === "json_schema") base.json_schema = isMapping(state.json_schema) ? state.json_schema : { type: "object", properties: {} };
    if (next === "pydantic") {
      if (state.ref !== undefined) base.ref = state.ref;
      if (state.json_schema !== undefined) base.json_schema = state.json_schema;
    }
    if (next === "unknown" && state.ref !== undefined) base.ref = state.ref;
    onChange(base);
  };
  const start = (): Mapping => (isMapping(value) ? state : { type: "json_schema", json_schema: { type: "object", properties: {} } });
  return (
    <>
      <SelectField label="State kind" path={`${path}.type`} value={kind} choices={STATE_KINDS} onChange={changeKind} />
      <FieldProblems path={path} />
      {(kind === "pydantic" || kind === "unknown") && (
        <TextField label="State model" path={`${path}.ref`} hint="module.Model of the state class." value={str(state.ref)} onChange={(v) => onChange(assoc(state, "ref", v || undefined))} />
      )}
      {fields.map((field, i) => {
        const n = `Field ${i + 1}`;
        return (
          <Section key={i} className="cf-state-field" title={`${n}: ${field.name}`}>
            <DraftField<string>
              label={`${n} name`}
              commitOn="blur"
              value={field.name}
              format={(v) => v}
              parse={(text) => {
                const name = text.trim();
                if (!NAME_PATTERN.test(name)) return { ok: false, error: "A field name is letters, digits and _ (not starting with a digit)" };
                if (name !== field.name && fields.some((f) => f.name === name)) return { ok: false, error: `There is already a field named '${name}'` };
                return { ok: true, value: name };
              }}
              onCommit={(name) => onChange(renameField(state, field.name, name))}
            />
            <SelectField
              label={`${n} type`}
              path={`${path}.json_schema.properties.${field.name}.type`}
              value={field.type}
              choices={FIELD_TYPES.map((t) => ({ value: t, label: t }))}
              onChange={(type) => onChange(setFieldType(state, field.name, type))}
            />
            {schemaShown && (
              <CheckboxField
                label={`${n} required`}
                hint="Required fields must come from the run inputs or a default."
                checked={field.required}
                onChange={(on) => onChange(setFieldRequired(state, field.name, on))}
              />
            )}
            <DraftField<unknown>
              label={`${n} default`}
              path={`${path}.default.${field.name}`}
              hint={field.type === "string" || field.type === "" ? undefined : "JSON, e.g. 3, true, [\"a\"]"}
              value={field.default}
              format={defaultText}
              parse={(text) => parseDefault(field.type, text)}
              onCommit={(v) => onChange(setFieldDefault(state, field.name, v))}
            />
            {schemaShown && (
              <TextField
                label={`${n} description`}
                value={field.description}
                onChange={(v) => onChange(setFieldDescription(state, field.name, v))}
              />
            )}
            <button type="button" className="cf-remove" onClick={() => onChange(removeField(state, field.name))}>
              Remove field {i + 1}
            </button>
          </Section>
        );
      })}
      <button
        type="button"
        onClick={() => {
          const base = start();
          onChange(addField(base, uniqueName("field", readFields(base).map((f) => f.name))));
        }}
      >
        Add state field
      </button>
      <Section title="Raw state block" open={false}>
        <JsonField
          label="State JSON"
          path={path}
          hint="The whole state block (type, json_schema, default), for what the fields above do not show."
          expect="object"
          rows={8}
          validate={(v) => {
            const parsed = stateSchema.safeParse(v);
            return parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join(".") || "state"}: ${i.message}`).join("; ");
          }}
          value={isMapping(value) ? value : undefined}
          onChange={(v) => onChange(isMapping(v) ? v : undefined)}
        />
      </Section>
    </>
  );
}
