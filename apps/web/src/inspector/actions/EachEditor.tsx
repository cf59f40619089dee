import { EACH_STEP_ROOTS, FLOW_ROOTS, NAME_PATTERN } from "@crewflow/definition";
import { assoc, asMapping, removeAt, replaceAt, str, uniqueName } from "../edit";
import { CelField, DraftField, FieldProblems, Section } from "../fields";
import type { Mapping } from "../types";
import { ActionEditor } from "./ActionEditor";
import type { ActionEditorProps } from "./types";

/** `call: each`: for every item of a CEL list, run the steps (each may be skipped by its `if`). */
export function EachEditor({ action, path, prefix, onChange }: ActionEditorProps) {
  const steps = Array.isArray(action.do) ? (action.do as unknown[]) : [];
  const names = steps.map((s) => str(asMapping(s).name) ?? "");
  const setSteps = (next: unknown[]): void => onChange(assoc(action, "do", next));
  return (
    <>
      <CelField
        label={`${prefix}Items`}
        path={`${path}.in`}
        roots={FLOW_ROOTS}
        hint="A CEL list to loop over, e.g. state.topics; each step sees the current one as item."
        value={str(action.in)}
        onChange={(v) => onChange(assoc(action, "in", v))}
      />
      <FieldProblems path={`${path}.do`} />
      {steps.map((raw, i) => {
        const step = asMapping(raw);
        const n = `${prefix}Step ${i + 1}`;
        const stepPath = `${path}.do[${i}]`;
        const setStep = (next: Mapping): void => setSteps(replaceAt(steps, i, next));
        return (
          <Section key={i} className="cf-crew-item" title={`${n}: ${names[i] || "(unnamed)"}`}>
            <DraftField<string>
              label={`${n} name`}
              path={`${stepPath}.name`}
              value={names[i] ?? ""}
              format={(v) => v}
              parse={(text) =>
                NAME_PATTERN.test(text.trim())
                  ? { ok: true, value: text.trim() }
                  : { ok: false, error: "A step name is letters, digits and _ (not starting with a digit)" }
              }
              onCommit={(name) => setStep(assoc(step, "name", name))}
            />
            <CelField
              label={`${n} condition`}
              path={`${stepPath}.if`}
              roots={EACH_STEP_ROOTS}
              hint="Optional CEL (item, state, outputs): the step runs only when it is true."
              value={str(step.if)}
              onChange={(v) => setStep(assoc(step, "if", v === "" ? undefined : v))}
            />
            <ActionEditor
              action={step.action}
              path={`${stepPath}.action`}
              roots={EACH_STEP_ROOTS}
              prefix={`${n} `}
              allowEach={false}
              onChange={(next) => setStep(assoc(step, "action", next))}
            />
            <button type="button" className="cf-remove" onClick={() => setSteps(removeAt(steps, i))}>
              Remove step {i + 1}
            </button>
          </Section>
        );
      })}
      <button
        type="button"
        onClick={() => setSteps([...steps, { name: uniqueName("step", names), action: { call: "expression", expr: "item" } }])}
      >
        {prefix ? `${prefix}add step` : "Add step"}
      </button>
    </>
  );
}
