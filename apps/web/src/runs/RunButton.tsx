// The top bar's Run button and the inputs dialog generated from the flow's state schema.
import { useMemo } from "react";
import { useEditorDefinition, useEditorFlowId } from "./editor";
import { SchemaFormDialog, initialValues, schemaFields } from "./schemaForm";
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
  const busy = useRuns((s) => s.busy);
  const serverError = useRuns((s) => s.error);
  return (
    <SchemaFormDialog
      label="Run inputs"
      fields={fields}
      initial={initialValues(fields)}
      busy={busy}
      serverError={serverError}
      submitLabel="Start run"
      onCancel={() => setInputsOpen(false)}
      onSubmit={startRun}
    >
      <h2>Run inputs</h2>
      {fields.length === 0 ? <p>This flow's state has no fields to fill in.</p> : null}
    </SchemaFormDialog>
  );
}
