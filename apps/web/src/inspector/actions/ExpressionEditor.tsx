import { assoc, str } from "../edit";
import { CelField } from "../fields";
import type { ActionEditorProps } from "./types";

/** `call: expression`: one CEL expression whose value is the method's output. */
export function ExpressionEditor({ action, path, roots, prefix, onChange }: ActionEditorProps) {
  return (
    <CelField
      label={`${prefix}Expression`}
      path={`${path}.expr`}
      roots={roots}
      multiline
      value={str(action.expr)}
      onChange={(expr) => onChange(assoc(action, "expr", expr))}
    />
  );
}
