import type { FlowDefinition } from "@crewflow/definition";
import { assoc, isMapping } from "./edit";
import { FieldProblems, JsonField, ProblemsProvider, Section, TextField } from "./fields";
import { ConfigEditor } from "./flow/ConfigEditor";
import { StateSchemaEditor } from "./flow/StateSchemaEditor";
import { PersistFields } from "./PersistFields";
import type { FlowInspectorProps, Mapping } from "./types";

/** The flow itself (shown when no method is selected): name, state schema, config, persistence. */
export function FlowInspector({ definition, problems, onChange, readOnly = false }: FlowInspectorProps) {
  const flow = definition as Mapping;
  const set = (key: string, value: unknown): void => onChange(assoc(definition, key, value) as FlowDefinition);
  return (
    <ProblemsProvider problems={problems} readOnly={readOnly}>
      <fieldset className="cf-inspector-form" disabled={readOnly}>
        <Section title="Flow">
          <TextField label="Name" path="name" value={typeof flow.name === "string" ? flow.name : ""} onChange={(v) => set("name", v)} />
          <TextField
            label="Description"
            path="description"
            multiline
            rows={2}
            value={typeof flow.description === "string" ? flow.description : ""}
            onChange={(v) => set("description", v || undefined)}
          />
          <FieldProblems path="" />
          <FieldProblems path="schema" />
        </Section>
        <Section title="State">
          <StateSchemaEditor value={flow.state} onChange={(v) => set("state", v)} />
        </Section>
        <Section title="Settings">
          <ConfigEditor value={flow.config} onChange={(v) => set("config", v)} />
        </Section>
        <Section title="Persistence">
          <PersistFields value={flow.persist} path="persist" scope="flow" onChange={(v) => set("persist", v)} />
        </Section>
        <Section title="Conversational" open={isMapping(flow.conversational)}>
          <JsonField
            label="Conversational settings"
            path="conversational"
            hint="CrewAI's experimental conversational mode (validated, not run)."
            expect="object"
            value={isMapping(flow.conversational) ? flow.conversational : undefined}
            onChange={(v) => set("conversational", v)}
          />
        </Section>
      </fieldset>
    </ProblemsProvider>
  );
}
