import { LlmField } from "./actions/LlmField";
import { assoc, assocText, asMapping, isMapping, str, isTrue } from "./edit";
import { CheckboxField, JsonField, LinesField, SelectField, TextField } from "./fields";
import type { Mapping } from "./types";

/**
 * A method's `human_feedback`: after the action, a person reviews the output. With outcomes (`emit`)
 * an LLM maps the feedback to one of them and the method routes on it, like a router.
 */
export function HumanFeedbackEditor({
  value,
  path,
  onChange,
}: {
  value: unknown;
  path: string;
  onChange: (next: Mapping | undefined) => void;
}) {
  const on = isMapping(value);
  const feedback = asMapping(value);
  const outcomes = Array.isArray(feedback.emit) ? feedback.emit.filter((e): e is string => typeof e === "string") : [];
  return (
    <>
      <CheckboxField
        label="Ask for human feedback"
        path={path}
        checked={on}
        onChange={(checked) => onChange(checked ? { message: "" } : undefined)}
      />
      {on && (
        <>
          <TextField
            label="Feedback message"
            path={`${path}.message`}
            multiline
            hint="Shown to the reviewer with the method's output."
            value={str(feedback.message)}
            onChange={(v) => onChange(assoc(feedback, "message", v))}
          />
          <LinesField
            label="Feedback outcomes"
            path={`${path}.emit`}
            hint="Optional: one label per line. The method then routes on the outcome the LLM reads from the feedback."
            value={outcomes.length ? outcomes : undefined}
            onChange={(v) => onChange(assoc(feedback, "emit", v))}
          />
          {outcomes.length > 0 && (
            <>
              <LlmField
                label="Feedback LLM"
                path={`${path}.llm`}
                value={"llm" in feedback ? feedback.llm : undefined}
                onChange={(v) => onChange(assoc(feedback, "llm", v))}
              />
              <SelectField
                label="Default outcome"
                path={`${path}.default_outcome`}
                value={str(feedback.default_outcome) ?? ""}
                choices={[{ value: "", label: "(none)" }, ...outcomes.map((o) => ({ value: o, label: o }))]}
                onChange={(v) => onChange(assocText(feedback, "default_outcome", v))}
              />
            </>
          )}
          <CheckboxField
            label="Learn from feedback"
            path={`${path}.learn`}
            checked={isTrue(feedback.learn)}
            onChange={(v) => onChange(assoc(feedback, "learn", v ? true : undefined))}
          />
          {isTrue(feedback.learn) && (
            <>
              <TextField label="Learn source" path={`${path}.learn_source`} value={str(feedback.learn_source)} onChange={(v) => onChange(assocText(feedback, "learn_source", v))} />
              <CheckboxField
                label="Learn strictly"
                path={`${path}.learn_strict`}
                checked={isTrue(feedback.learn_strict)}
                onChange={(v) => onChange(assoc(feedback, "learn_strict", v ? true : undefined))}
              />
            </>
          )}
          <JsonField
            label="Feedback metadata"
            path={`${path}.metadata`}
            expect="object"
            value={isMapping(feedback.metadata) ? feedback.metadata : undefined}
            onChange={(v) => onChange(assoc(feedback, "metadata", v))}
          />
        </>
      )}
    </>
  );
}
