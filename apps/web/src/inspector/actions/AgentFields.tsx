import { assoc, assocText, isMapping, str, isTrue } from "../edit";
import { CheckboxField, IntegerField, JsonField, LinesField, MixedListField, Section, TextField } from "../fields";
import type { Mapping } from "../types";
import { LlmField } from "./LlmField";

const ADVANCED_KEYS = ["allow_delegation", "max_iter", "max_rpm", "max_execution_time", "from_repository", "type", "apps", "mcps", "settings", "planning_config"];

/**
 * The fields of an agent (a crew agent or the `agent` action's `with`): role, goal, backstory, LLM,
 * tools, and CrewAI's less common settings under "Advanced". Keys not shown are kept as they are.
 */
export function AgentFields({
  agent,
  path,
  prefix,
  onChange,
}: {
  agent: Mapping;
  path: string;
  /** "Agent 1 " for crew agents, "" for the agent action. */
  prefix: string;
  onChange: (next: Mapping) => void;
}) {
  const text = (key: string, text: string): void => onChange(assocText(agent, key, text));
  const list = (key: string): unknown[] | undefined => (Array.isArray(agent[key]) ? (agent[key] as unknown[]) : undefined);
  return (
    <>
      <TextField label={`${prefix}role`} path={`${path}.role`} value={str(agent.role)} onChange={(v) => onChange(assoc(agent, "role", v))} />
      <TextField label={`${prefix}goal`} path={`${path}.goal`} multiline rows={2} value={str(agent.goal)} onChange={(v) => onChange(assoc(agent, "goal", v))} />
      <TextField
        label={`${prefix}backstory`}
        path={`${path}.backstory`}
        multiline
        value={str(agent.backstory)}
        onChange={(v) => onChange(assoc(agent, "backstory", v))}
      />
      <LlmField label={`${prefix}LLM`} path={`${path}.llm`} value={agent.llm} onChange={(llm) => onChange(assoc(agent, "llm", llm))} />
      <MixedListField
        label={`${prefix}tools`}
        path={`${path}.tools`}
        hint="One tool name per line (or a JSON list of tool mappings)."
        value={list("tools")}
        onChange={(v) => onChange(assoc(agent, "tools", v))}
      />
      <Section title={`${prefix}advanced settings`} open={ADVANCED_KEYS.some((key) => agent[key] != null)}>
        <CheckboxField
          label={`${prefix}allows delegation`}
          path={`${path}.allow_delegation`}
          checked={isTrue(agent.allow_delegation)}
          onChange={(v) => onChange(assoc(agent, "allow_delegation", v ? true : undefined))}
        />
        <IntegerField label={`${prefix}max iterations`} path={`${path}.max_iter`} value={agent.max_iter} onChange={(v) => onChange(assoc(agent, "max_iter", v))} />
        <IntegerField label={`${prefix}max requests per minute`} path={`${path}.max_rpm`} value={agent.max_rpm} onChange={(v) => onChange(assoc(agent, "max_rpm", v))} />
        <IntegerField
          label={`${prefix}max execution time (s)`}
          path={`${path}.max_execution_time`}
          value={agent.max_execution_time}
          onChange={(v) => onChange(assoc(agent, "max_execution_time", v))}
        />
        <TextField
          label={`${prefix}from repository`}
          path={`${path}.from_repository`}
          hint="Load the agent from the CrewAI repository instead of role/goal/backstory."
          value={str(agent.from_repository)}
          onChange={(v) => text("from_repository", v)}
        />
        {typeof agent.type !== "object" || agent.type === null ? (
          <TextField label={`${prefix}type`} path={`${path}.type`} value={str(agent.type)} onChange={(v) => text("type", v)} />
        ) : (
          <JsonField label={`${prefix}type`} path={`${path}.type`} expect="object" value={agent.type} onChange={(v) => onChange(assoc(agent, "type", v))} />
        )}
        <LinesField
          label={`${prefix}apps`}
          path={`${path}.apps`}
          value={list("apps")?.filter((a): a is string => typeof a === "string")}
          onChange={(v) => onChange(assoc(agent, "apps", v))}
        />
        <MixedListField label={`${prefix}MCP servers`} path={`${path}.mcps`} value={list("mcps")} onChange={(v) => onChange(assoc(agent, "mcps", v))} />
        <JsonField
          label={`${prefix}settings`}
          path={`${path}.settings`}
          expect="object"
          value={isMapping(agent.settings) ? agent.settings : undefined}
          onChange={(v) => onChange(assoc(agent, "settings", v))}
        />
        <JsonField
          label={`${prefix}planning config`}
          path={`${path}.planning_config`}
          expect="object"
          value={isMapping(agent.planning_config) ? agent.planning_config : undefined}
          onChange={(v) => onChange(assoc(agent, "planning_config", v))}
        />
      </Section>
    </>
  );
}
