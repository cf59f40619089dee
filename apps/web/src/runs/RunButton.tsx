// The top bar's Run button and the inputs dialog generated from the flow's state schema.
import { useMemo, useState } from "react";
import { useEditorDefinition, useEditorFlowId } from "./editor";
import { type FormValues, SchemaFields, initialValues, readForm, schemaFields } from "./schemaForm";
import { setInputsOpen, startRun, useRuns } from "./store";

export function RunButton() {
  const open = useRuns((s) => s.inputsOpen);
  const flowId = useEditorFlowId();
  return (
    <>
      <button type="button" className="run-button" disabled={!flowId} title={flowId ? "Run this flow" : "Save the flow first"} onClick={() => setInputsOpen(true)}>
        <span aria-hidden="true">▶ </span>Run
      </button>
      {open ? <RunInputsDialog /> : null}
    </>
  );
}

export function RunInputsDialog() {
  const definition = useEditorDefinition();
  const fields = useMemo(() => schemaFields(definition), [definition]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const busy = useRuns((s) => s.busy);
  const serverError = useRuns((s) => s.error);
  const submit = async () => {
    const result = readForm(fields, values);
    setErrors(result.errors);
    if (Object.keys(result.errors).length > 0) return;
    await startRun(result.values);
  };
  return (
    <div className="run-dialog-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-label="Run inputs"
        className="run-dialog"
        onKeyDown={(e) => {
          if (e.key === "Escape") setInputsOpen(false);
        }}
      >
        <h2>Run inputs</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {fields.length === 0 ? <p>This flow's state has no fields to fill in.</p> : null}
          <SchemaFields fields={fields} values={values} errors={errors} onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))} />
          {serverError ? (
            <p role="alert" className="run-error">
              {serverError}
            </p>
          ) : null}
          <div className="run-dialog-actions">
            <button type="button" onClick={() => setInputsOpen(false)}>
              Cancel
            </button>
            <button type="submit" disabled={busy}>
              Start run
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
