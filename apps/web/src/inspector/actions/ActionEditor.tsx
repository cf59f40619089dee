import { isMapping } from "../edit";
import { FieldProblems, SelectField } from "../fields";
import type { Mapping } from "../types";
import { AgentActionEditor } from "./AgentActionEditor";
import { CrewEditor } from "./CrewEditor";
import { ACTION_CHOICES, type ActionChoice, callOf, newAction } from "./defaults";
import { EachEditor } from "./EachEditor";
import { ExpressionEditor } from "./ExpressionEditor";
import { RefEditor } from "./RefEditor";
import { ScriptEditor } from "./ScriptEditor";
import type { ActionEditorProps } from "./types";

/** The "Action" select and the editor of the chosen kind (one small editor per kind). */
export function ActionEditor({
  action,
  path,
  roots,
  prefix,
  allowEach,
  onChange,
}: Omit<ActionEditorProps, "action" | "onChange"> & {
  action: unknown;
  /** `each` cannot nest (CrewAI's steps take atomic actions only). */
  allowEach: boolean;
  onChange: (next: Mapping | undefined) => void;
}) {
  const call = callOf(action);
  const choices = ACTION_CHOICES.filter((c) => allowEach || c.value !== "each");
  const props: ActionEditorProps = { action: isMapping(action) ? action : {}, path, roots, prefix, onChange };
  return (
    <>
      <SelectField
        label={prefix ? `${prefix}action` : "Action"}
        path={path}
        value={call}
        choices={choices}
        onChange={(next) => {
          if (next === call) return;
          onChange(next === "none" ? undefined : newAction(next as Exclude<ActionChoice, "none">));
        }}
      />
      {call !== "none" && <FieldProblems path={`${path}.call`} />}
      {call === "crew" && <CrewEditor {...props} />}
      {call === "agent" && <AgentActionEditor {...props} />}
      {call === "expression" && <ExpressionEditor {...props} />}
      {call === "each" && allowEach && <EachEditor {...props} />}
      {call === "script" && <ScriptEditor {...props} />}
      {(call === "code" || call === "tool") && <RefEditor {...props} />}
    </>
  );
}
