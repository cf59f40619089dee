import { assoc, assocText, isMapping, str, isTrue } from "../edit";
import { CheckboxField, IntegerField, JsonField, LinesField, MixedListField, Section, SelectField, TextField } from "../fields";
import type { Mapping } from "../types";
import { outputModelProblem } from "./outputModel";

/** CrewAI's three ways to ask a task for structured output; the first one present is edited. */
const OUTPUT_KEYS = ["output_json", "output_pydantic", "response_model"] as const;

/** Task keys shown under "more settings" (open by default when one is set). */
const MORE_KEYS = ["name", "context", "guardrails", "guardrail", "guardrail_max_retries", "async_execution", "human_input", "output_file"];

/** One task of an inline crew: what to do, who does it, what it builds on and what it returns. */
export function TaskEditor({
  task,
  index,
  path,
  agentNames,
  earlierTasks,
  onChange,
  onRemove,
  onMoveUp,
}: {
  task: Mapping;
  index: number;
  /** `…do.with.tasks[i]` */
  path: string;
  agentNames: readonly string[];
  /** Names of the tasks before this one (context may only name those). */
  earlierTasks: readonly string[];
  onChange: (next: Mapping) => void;
  onRemove: () => void;
  /** Absent for the first task. */
  onMoveUp?: (() => void) | undefined;
}) {
  const n = `Task ${index + 1}`;
  const outputKey = OUTPUT_KEYS.find((key) => task[key] != null) ?? "output_json";
  const guardrail = task.guardrail;
  const hasMore = MORE_KEYS.some((key) => task[key] != null) || outputKey !== "output_json";
  const title = str(task.name) || str(task.description)?.slice(0, 40) || "(new task)";
  return (
    <Section className="cf-crew-item" title={`${n}: ${title}`}>
      <TextField
        label={`${n} description`}
        path={`${path}.description`}
        multiline
        value={str(task.description)}
        onChange={(v) => onChange(assoc(task, "description", v))}
      />
      <TextField
        label={`${n} expected output`}
        path={`${path}.expected_output`}
        multiline
        rows={2}
        value={str(task.expected_output)}
        onChange={(v) => onChange(assoc(task, "expected_output", v))}
      />
      <SelectField
        label={`${n} agent`}
        path={`${path}.agent`}
        value={str(task.agent) ?? ""}
        choices={[{ value: "", label: "(none)" }, ...agentNames.map((a) => ({ value: a, label: a }))]}
        onChange={(v) => onChange(assocText(task, "agent", v))}
      />
      <JsonField
        label={`${n} output schema`}
        path={`${path}.${outputKey}`}
        hint="JSON Schema of the task's result, or {&quot;python&quot;: &quot;module.Model&quot;}."
        expect="object"
        validate={outputModelProblem}
        value={isMapping(task[outputKey]) ? task[outputKey] : undefined}
        onChange={(v) => onChange(assoc(task, outputKey, v))}
      />
      <Section title={`${n} more settings`} open={hasMore}>
        <TextField label={`${n} name`} path={`${path}.name`} hint="Needed when later tasks use this one as context." value={str(task.name)} onChange={(v) => onChange(assocText(task, "name", v))} />
        <LinesField
          label={`${n} context`}
          path={`${path}.context`}
          hint={earlierTasks.length ? `Names of earlier tasks, one per line: ${earlierTasks.join(", ")}` : "Names of earlier tasks, one per line."}
          value={Array.isArray(task.context) ? task.context.filter((c): c is string => typeof c === "string") : undefined}
          onChange={(v) => onChange(assoc(task, "context", v))}
        />
        <SelectField
          label={`${n} output kind`}
          value={outputKey}
          choices={OUTPUT_KEYS.map((key) => ({ value: key, label: key }))}
          onChange={(key) => onChange(assoc(assoc(task, outputKey, undefined), key, task[outputKey] ?? undefined))}
        />
        <MixedListField
          label={`${n} guardrails`}
          path={`${path}.guardrails`}
          hint="One description per line (judged by an LLM), or a JSON list with {python: …} / {ref: …} entries."
          value={Array.isArray(task.guardrails) ? task.guardrails : undefined}
          onChange={(v) => onChange(assoc(task, "guardrails", v))}
        />
        {guardrail != null && typeof guardrail !== "string" ? (
          <JsonField label={`${n} guardrail`} path={`${path}.guardrail`} expect="object" value={guardrail} onChange={(v) => onChange(assoc(task, "guardrail", v))} />
        ) : (
          <TextField label={`${n} guardrail`} path={`${path}.guardrail`} value={str(guardrail)} onChange={(v) => onChange(assocText(task, "guardrail", v))} />
        )}
        <IntegerField
          label={`${n} guardrail max retries`}
          path={`${path}.guardrail_max_retries`}
          value={task.guardrail_max_retries}
          onChange={(v) => onChange(assoc(task, "guardrail_max_retries", v))}
        />
        <CheckboxField
          label={`${n} runs asynchronously`}
          path={`${path}.async_execution`}
          checked={isTrue(task.async_execution)}
          onChange={(v) => onChange(assoc(task, "async_execution", v ? true : undefined))}
        />
        <CheckboxField
          label={`${n} asks for human input`}
          path={`${path}.human_input`}
          checked={isTrue(task.human_input)}
          onChange={(v) => onChange(assoc(task, "human_input", v ? true : undefined))}
        />
        <TextField label={`${n} output file`} path={`${path}.output_file`} value={str(task.output_file)} onChange={(v) => onChange(assocText(task, "output_file", v))} />
      </Section>
      <div className="cf-row">
        {onMoveUp && (
          <button type="button" onClick={onMoveUp}>
            Move task {index + 1} up
          </button>
        )}
        <button type="button" className="cf-remove" onClick={onRemove}>
          Remove task {index + 1}
        </button>
      </div>
    </Section>
  );
}
