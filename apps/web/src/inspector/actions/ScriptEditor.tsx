import { SCRIPT_LANGUAGES } from "@crewflow/definition";
import { assoc, str } from "../edit";
import { SelectField, TextField } from "../fields";
import type { ActionEditorProps } from "./types";

/** `call: script`: inline code (Python as in CrewAI, or Crewflow's sandboxed JavaScript). */
export function ScriptEditor({ action, path, prefix, onChange }: ActionEditorProps) {
  return (
    <>
      <SelectField
        label={`${prefix}Language`}
        path={`${path}.language`}
        value={str(action.language) ?? "python"}
        choices={SCRIPT_LANGUAGES.map((l) => ({ value: l, label: l === "python" ? "Python" : "JavaScript" }))}
        // Python is the default: leave the key out rather than write what CrewAI assumes anyway.
        onChange={(language) => onChange(assoc(action, "language", language === "python" && action.language === undefined ? undefined : language))}
      />
      <TextField
        label={`${prefix}Code`}
        path={`${path}.code`}
        multiline
        rows={8}
        value={str(action.code)}
        onChange={(code) => onChange(assoc(action, "code", code))}
      />
    </>
  );
}
