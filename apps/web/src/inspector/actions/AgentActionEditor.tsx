import { assoc, asMapping, isMapping, str } from "../edit";
import { JsonField, TemplateField } from "../fields";
import { AgentFields } from "./AgentFields";
import { outputModelProblem } from "./outputModel";
import type { ActionEditorProps } from "./types";

/** `call: agent`: one agent answering an input template, optionally in a structured format. */
export function AgentActionEditor({ action, path, roots, prefix, onChange }: ActionEditorProps) {
  const agent = asMapping(action.with);
  const setAgent = (next: typeof agent): void => onChange(assoc(action, "with", next));
  return (
    <>
      <AgentFields agent={agent} path={`${path}.with`} prefix={prefix ? `${prefix}agent ` : "Agent "} onChange={setAgent} />
      <TemplateField
        label={`${prefix}Input`}
        path={`${path}.with.input`}
        roots={roots}
        value={str(agent.input)}
        onChange={(input) => setAgent(assoc(agent, "input", input))}
      />
      <JsonField
        label={`${prefix}Response format`}
        path={`${path}.with.response_format`}
        hint="JSON Schema of the answer, or {&quot;python&quot;: &quot;module.Model&quot;}."
        expect="object"
        validate={outputModelProblem}
        value={isMapping(agent.response_format) ? agent.response_format : undefined}
        onChange={(v) => setAgent(assoc(agent, "response_format", v))}
      />
    </>
  );
}
