import { resolveConfig } from "@crewflow/definition";
import { assoc, asMapping, isMapping, str, isTrue } from "../edit";
import { CheckboxField, IntegerField, JsonField, TextField } from "../fields";
import type { Mapping } from "../types";

/** The flow's `config` (runtime settings); an empty block is removed, unknown keys are kept. */
export function ConfigEditor({ value, onChange }: { value: unknown; onChange: (next: Mapping | undefined) => void }) {
  const config = asMapping(value);
  const defaults = resolveConfig(null);
  const set = (key: string, v: unknown): void => {
    const next = assoc(config, key, v);
    onChange(Object.keys(next).length ? next : undefined);
  };
  const flag = (key: string, label: string, hint?: string) => (
    <CheckboxField label={label} path={`config.${key}`} hint={hint} checked={isTrue(config[key])} onChange={(on) => set(key, on ? true : undefined)} />
  );
  return (
    <>
      <IntegerField
        label="Max method calls"
        path="config.max_method_calls"
        hint={`Stops runaway loops; default ${defaults.max_method_calls}.`}
        value={config.max_method_calls}
        onChange={(v) => set("max_method_calls", v)}
      />
      {flag("stream", "Stream LLM output")}
      {flag("tracing", "Tracing")}
      {flag("suppress_flow_events", "Suppress flow events")}
      {flag("defer_trace_finalization", "Defer trace finalization")}
      <TextField label="Input provider" path="config.input_provider" value={str(config.input_provider)} onChange={(v) => set("input_provider", v || undefined)} />
      <JsonField
        label="Memory"
        path="config.memory"
        rows={2}
        expect="object"
        value={isMapping(config.memory) ? config.memory : undefined}
        onChange={(v) => set("memory", v)}
      />
      <JsonField
        label="Checkpoint"
        path="config.checkpoint"
        rows={2}
        hint="true, false, or a JSON object of checkpoint settings."
        validate={(v) => (typeof v === "boolean" || isMapping(v) ? null : "Checkpoint must be true, false or a JSON object")}
        value={config.checkpoint ?? undefined}
        onChange={(v) => set("checkpoint", v)}
      />
    </>
  );
}
