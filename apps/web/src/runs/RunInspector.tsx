// The selected step's details (the right panel shows it instead of the method inspector): the state
// after it (runs.stateAt), the diff from the step before (runs.diffSteps), its output, its LLM calls
// and its error; and "Fork from step n" with a state editor generated from the schema.
import type { JsonValue } from "@crewflow/definition";
import { useMemo } from "react";
import type { PatchOperation, StepDiff } from "./api";
import { llmCallsOf } from "./derive";
import { useEditorDefinition } from "./editor";
import { formatCost, formatDuration } from "./format";
import { type SchemaField, SchemaFormDialog, initialValues, schemaFields } from "./schemaForm";
import { forkRun, selectStep, setForkStep, useRuns } from "./store";

const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? "null";

export function RunInspector() {
  const cursor = useRuns((s) => s.cursor);
  const step = useRuns((s) => (s.cursor === null ? undefined : s.steps[s.cursor - 1]));
  const detail = useRuns((s) => (s.cursor === null ? undefined : s.details[s.cursor]));
  const events = useRuns((s) => s.events);
  const forkStep = useRuns((s) => s.forkStep);
  const calls = useMemo(() => (step ? llmCallsOf(events).filter((c) => c.execution === step.execution) : []), [events, step]);
  if (cursor === null || !step) return null;
  return (
    <section aria-label="Step details" className="run-inspector">
      <header>
        <h2>
          Step {step.number} {step.method}
        </h2>
        <p>
          {step.status}
          {step.label ? ` → "${step.label}"` : ""} · {formatDuration(step.durationMs)}
        </p>
        <button type="button" onClick={() => setForkStep(step.number)}>{`Fork from step ${step.number}`}</button>{" "}
        <button type="button" onClick={() => selectStep(null)}>
          Close step
        </button>
      </header>
      <section aria-label="State after step">
        <h3>State after step</h3>
        {detail?.error ? <p role="alert">{detail.error}</p> : <pre>{detail?.state ? json(detail.state.state) : "Loading…"}</pre>}
      </section>
      <section aria-label="Diff from previous step">
        <h3>Diff from previous step</h3>
        {step.number === 1 ? <p>The first step: nothing before it.</p> : detail?.diff ? <DiffView diff={detail.diff} /> : <p>Loading…</p>}
      </section>
      <section aria-label="Output">
        <h3>Output</h3>
        <pre>{json(step.output)}</pre>
      </section>
      <section aria-label="LLM calls">
        <h3>LLM calls ({calls.length})</h3>
        {calls.length === 0 ? <p>None.</p> : null}
        {calls.map((call, i) => (
          <details key={call.seq} className="run-llm-call">
            <summary>
              {`Call ${i + 1}`}
              {call.model ? ` · ${call.model}` : ""} · {call.tokens.total} tokens ({call.tokens.prompt} in, {call.tokens.completion} out) · {formatDuration(call.latencyMs)} ·{" "}
              {formatCost(call.costUsd)}
            </summary>
            <h4>Messages</h4>
            <pre>{json(call.messages)}</pre>
            <h4>Response</h4>
            <pre>{call.response ?? "(no text)"}</pre>
            {call.error ? <p role="alert">{call.error}</p> : null}
          </details>
        ))}
      </section>
      <section aria-label="Error">
        <h3>Error</h3>
        {step.error ? (
          <p className="run-failure">
            {step.error.type}: {step.error.message}
          </p>
        ) : (
          <p>None.</p>
        )}
      </section>
      {forkStep !== null && detail?.state ? <ForkDialog step={forkStep} state={detail.state.state} /> : null}
    </section>
  );
}

function DiffView({ diff }: { diff: StepDiff }) {
  if (!diff.changed) return <p>No change.</p>;
  return (
    <ul className="run-diff">
      {diff.patch.map((op, i) => (
        <li key={i} className={`run-diff-${op.op}`}>
          <code>
            {op.op === "add" ? "+" : op.op === "remove" ? "−" : "~"} {op.path}
          </code>
          {"value" in op ? <code> = {JSON.stringify(op.value)}</code> : null}
        </li>
      ))}
    </ul>
  );
}

const pointer = (name: string): string => `/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;

/** The RFC 6902 patch that turns `state` into the edited values (only changed fields). */
export function statePatch(fields: readonly SchemaField[], state: JsonValue, values: Record<string, JsonValue>): PatchOperation[] {
  const current = state !== null && typeof state === "object" && !Array.isArray(state) ? state : {};
  const patch: PatchOperation[] = [];
  for (const field of fields) {
    if (!(field.name in values)) continue;
    const next = values[field.name]!;
    if (JSON.stringify(current[field.name] ?? null) === JSON.stringify(next)) continue;
    patch.push({ op: field.name in current ? "replace" : "add", path: pointer(field.name), value: next });
  }
  return patch;
}

function ForkDialog({ step, state }: { step: number; state: JsonValue }) {
  const definition = useEditorDefinition();
  const fields = useMemo(() => {
    const fromSchema = schemaFields(definition);
    if (fromSchema.length > 0) return fromSchema;
    // No schema (dict state): edit the keys the state has.
    const keys = state && typeof state === "object" && !Array.isArray(state) ? Object.keys(state).filter((k) => k !== "id") : [];
    return keys.map((name): SchemaField => ({ name, kind: "json", required: false, schema: {}, options: [], defaultValue: undefined, description: null }));
  }, [definition, state]);
  const busy = useRuns((s) => s.busy);
  const serverError = useRuns((s) => s.error);
  return (
    <SchemaFormDialog
      label="Fork run"
      fields={fields}
      initial={initialValues(fields, state)}
      busy={busy}
      serverError={serverError}
      submitLabel="Start fork"
      onCancel={() => setForkStep(null)}
      onSubmit={(values) => forkRun(step, statePatch(fields, state, values))}
    >
      <h2>Fork from step {step}</h2>
      <p>A new run starts from the state after step {step}, with your edits.</p>
    </SchemaFormDialog>
  );
}
