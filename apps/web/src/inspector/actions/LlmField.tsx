import { assoc, isMapping, str } from "../edit";
import { JsonField, TextField } from "../fields";

/** An LLM: a model name, or a mapping whose `model` is edited here and other keys kept (shown as JSON). */
export function LlmField({
  label,
  path,
  value,
  onChange,
}: {
  label: string;
  path: string;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  if (isMapping(value))
    return (
      <>
        <TextField label={label} path={`${path}.model`} value={str(value.model)} onChange={(model) => onChange(assoc(value, "model", model))} />
        <JsonField label={`${label} options`} path={path} expect="object" value={value} onChange={onChange} />
      </>
    );
  return (
    <TextField
      label={label}
      path={path}
      placeholder="e.g. openai/gpt-4o-mini"
      value={str(value)}
      onChange={(model) => onChange(model === "" ? undefined : model)}
    />
  );
}
