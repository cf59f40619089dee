import { validateTemplate } from "@crewflow/definition";
import { assoc, isMapping, str } from "../edit";
import { FieldAlert, JsonField, TextField } from "../fields";
import type { ActionEditorProps } from "./types";

/** `call: code` / `call: tool`: a `module:export` reference and its `with` arguments (templates). */
export function RefEditor({ action, path, roots, prefix, onChange }: ActionEditorProps) {
  const args = action.with;
  const celErrors = isMapping(args) ? validateTemplate(args, roots, `${path}.with`) : [];
  return (
    <>
      <TextField
        label={`${prefix}Reference`}
        path={`${path}.ref`}
        hint={action.call === "tool" ? "The tool's module:export" : "module:export of the function to call"}
        placeholder="module:function"
        value={str(action.ref)}
        onChange={(ref) => onChange(assoc(action, "ref", ref))}
      />
      <JsonField
        label={`${prefix}Arguments`}
        path={`${path}.with`}
        hint="A JSON object passed as `with`; strings may hold ${…} CEL."
        expect="object"
        value={args ?? undefined}
        onChange={(value) => onChange(assoc(action, "with", value))}
      />
      <FieldAlert message={celErrors.join("\n") || null} />
    </>
  );
}
