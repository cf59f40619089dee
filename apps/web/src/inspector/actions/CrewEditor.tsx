import { NAME_PATTERN, validateTemplate } from "@crewflow/definition";
import { assoc, asMapping, assocText, isMapping, removeAt, replaceAt, str, swap, uniqueName } from "../edit";
import { DraftField, FieldAlert, FieldProblems, JsonField, Section, SelectField, TextField } from "../fields";
import type { Mapping } from "../types";
import { AgentFields } from "./AgentFields";
import { type AgentEntry, readAgents, writeAgents } from "./crewAgents";
import { LlmField } from "./LlmField";
import { TaskEditor } from "./TaskEditor";
import type { ActionEditorProps } from "./types";

/** `call: crew`: an inline crew (agents + tasks) or one loaded from a crew file. */
export function CrewEditor({ action, path, roots, prefix, onChange }: ActionEditorProps) {
  const inline = action.from_declaration == null || action.with != null;
  const actionInputs = action.inputs;
  const inputErrors = isMapping(actionInputs) ? validateTemplate(actionInputs, roots, `${path}.inputs`) : [];
  return (
    <>
      <SelectField
        label={`${prefix}Crew source`}
        value={inline ? "inline" : "file"}
        choices={[
          { value: "inline", label: "Defined here" },
          { value: "file", label: "From a crew file" },
        ]}
        onChange={(source) =>
          onChange(
            source === "file"
              ? assoc(assoc(action, "with", undefined), "from_declaration", str(action.from_declaration) ?? "")
              : assoc(assoc(action, "from_declaration", undefined), "with", action.with ?? { agents: {}, tasks: [] }),
          )
        }
      />
      <FieldProblems path={path} />
      {inline ? (
        <InlineCrew crew={asMapping(action.with)} path={`${path}.with`} roots={roots} prefix={prefix} onChange={(crew) => onChange(assoc(action, "with", crew))} />
      ) : (
        <TextField
          label={`${prefix}Crew file`}
          path={`${path}.from_declaration`}
          hint="Path of a crew YAML file, relative to the flow file."
          value={str(action.from_declaration)}
          onChange={(v) => onChange(assoc(action, "from_declaration", v))}
        />
      )}
      <JsonField
        label={`${prefix}Crew inputs`}
        path={`${path}.inputs`}
        hint="A JSON object of kickoff inputs; strings may hold ${…} CEL."
        expect="object"
        value={isMapping(actionInputs) ? actionInputs : undefined}
        onChange={(v) => onChange(assoc(action, "inputs", v))}
      />
      <FieldAlert message={inputErrors.join("\n") || null} />
    </>
  );
}

function InlineCrew({
  crew,
  path,
  roots,
  prefix,
  onChange,
}: {
  crew: Mapping;
  path: string;
  roots: readonly string[];
  prefix: string;
  onChange: (next: Mapping) => void;
}) {
  const agents = readAgents(crew.agents);
  const tasks = Array.isArray(crew.tasks) ? (crew.tasks as unknown[]) : [];
  const agentNames = agents.map((a) => a.name);
  const setAgents = (next: AgentEntry[], nextTasks: unknown[] = tasks): void =>
    onChange(assoc(assoc(crew, "agents", writeAgents(crew.agents ?? {}, next)), "tasks", nextTasks));
  const setTasks = (next: unknown[]): void => onChange(assoc(crew, "tasks", next));
  const renameAgent = (index: number, to: string): void => {
    const from = agents[index]!.name;
    // Tasks follow their agent to its new name.
    const nextTasks = tasks.map((t) => (isMapping(t) && t.agent === from ? assoc(t, "agent", to) : t));
    setAgents(replaceAt(agents, index, { ...agents[index]!, name: to }), nextTasks);
  };
  const crewInputs = crew.inputs;
  const inputErrors = isMapping(crewInputs) ? validateTemplate(crewInputs, roots, `${path}.inputs`) : [];
  return (
    <>
      <Section title={`${prefix}Agents (${agents.length})`}>
        <FieldProblems path={`${path}.agents`} />
        {agents.map((entry, i) => {
          const n = `${prefix}Agent ${i + 1}`;
          const agentPath = `${path}.agents.${entry.name}`;
          return (
            <Section key={i} className="cf-crew-item" title={`${n}: ${entry.name}${str(entry.agent.role) ? ` (${str(entry.agent.role)})` : ""}`}>
              <DraftField<string>
                label={`${n} name`}
                path={agentPath}
                commitOn="blur"
                value={entry.name}
                format={(v) => v}
                parse={(text) => {
                  const name = text.trim();
                  if (!NAME_PATTERN.test(name)) return { ok: false, error: "An agent name is letters, digits and _ (not starting with a digit)" };
                  if (name !== entry.name && agentNames.includes(name)) return { ok: false, error: `There is already an agent named '${name}'` };
                  return { ok: true, value: name };
                }}
                onCommit={(name) => renameAgent(i, name)}
              />
              <AgentFields agent={entry.agent} path={agentPath} prefix={`${n} `} onChange={(agent) => setAgents(replaceAt(agents, i, { ...entry, agent }))} />
              <button
                type="button"
                className="cf-remove"
                onClick={() =>
                  setAgents(
                    removeAt(agents, i),
                    tasks.map((t) => (isMapping(t) && t.agent === entry.name ? assoc(t, "agent", undefined) : t)),
                  )
                }
              >
                Remove agent {i + 1}
              </button>
            </Section>
          );
        })}
        <button
          type="button"
          onClick={() => setAgents([...agents, { name: uniqueName("agent", agentNames), agent: { role: "", goal: "", backstory: "" }, form: "named" }])}
        >
          {prefix ? `${prefix}add agent` : "Add agent"}
        </button>
      </Section>
      <Section title={`${prefix}Tasks (${tasks.length})`}>
        <FieldProblems path={`${path}.tasks`} />
        {tasks.map((task, i) => (
          <TaskEditor
            key={i}
            task={asMapping(task)}
            index={i}
            path={`${path}.tasks[${i}]`}
            agentNames={agentNames}
            earlierTasks={tasks.slice(0, i).flatMap((t) => (isMapping(t) && typeof t.name === "string" ? [t.name] : []))}
            onChange={(next) => setTasks(replaceAt(tasks, i, next))}
            onRemove={() => setTasks(removeAt(tasks, i))}
            onMoveUp={i > 0 ? () => setTasks(swap(tasks, i - 1, i)) : undefined}
          />
        ))}
        <button
          type="button"
          onClick={() =>
            setTasks([...tasks, { description: "", expected_output: "", ...(agentNames[0] !== undefined ? { agent: agentNames[0] } : {}) }])
          }
        >
          {prefix ? `${prefix}add task` : "Add task"}
        </button>
      </Section>
      <Section title={`${prefix}Crew settings`} open={false}>
        <TextField label={`${prefix}Crew name`} path={`${path}.name`} value={str(crew.name)} onChange={(v) => onChange(assocText(crew, "name", v))} />
        <SelectField
          label={`${prefix}Process`}
          path={`${path}.process`}
          value={str(crew.process) ?? "sequential"}
          choices={[
            { value: "sequential", label: "sequential" },
            { value: "hierarchical", label: "hierarchical (a manager delegates)" },
          ]}
          onChange={(v) => onChange(assoc(crew, "process", v === "sequential" && crew.process === undefined ? undefined : v))}
        />
        <LlmField label={`${prefix}Manager LLM`} path={`${path}.manager_llm`} value={crew.manager_llm} onChange={(v) => onChange(assoc(crew, "manager_llm", v))} />
        {typeof crew.manager_agent === "object" && crew.manager_agent !== null ? (
          <JsonField label={`${prefix}Manager agent`} path={`${path}.manager_agent`} expect="object" value={crew.manager_agent} onChange={(v) => onChange(assoc(crew, "manager_agent", v))} />
        ) : (
          <TextField label={`${prefix}Manager agent`} path={`${path}.manager_agent`} value={str(crew.manager_agent)} onChange={(v) => onChange(assocText(crew, "manager_agent", v))} />
        )}
        <JsonField
          label={`${prefix}Crew definition inputs`}
          path={`${path}.inputs`}
          hint="Inputs written inside the crew (`with.inputs`); strings may hold ${…} CEL."
          expect="object"
          value={isMapping(crewInputs) ? crewInputs : undefined}
          onChange={(v) => onChange(assoc(crew, "inputs", v))}
        />
        <FieldAlert message={inputErrors.join("\n") || null} />
      </Section>
    </>
  );
}
