// A crew's `agents` as written: a mapping `{name: agent}` or CrewAI's list forms `[{name: x, …}]` /
// `[{x: {…}}]`. The editor works on entries and writes them back in the form the file used.
import { isMapping } from "../edit";
import type { Mapping } from "../types";

export interface AgentEntry {
  name: string;
  agent: Mapping;
  /** How the entry is written in a list form (mapping form: undefined). */
  form?: "named" | "keyed";
}

export function readAgents(agents: unknown): AgentEntry[] {
  if (Array.isArray(agents))
    return agents.flatMap((item): AgentEntry[] => {
      if (!isMapping(item)) return [];
      if (typeof item.name === "string") {
        const { name, ...agent } = item;
        return [{ name, agent, form: "named" }];
      }
      const keys = Object.keys(item);
      return keys.length === 1 ? [{ name: keys[0]!, agent: isMapping(item[keys[0]!]) ? (item[keys[0]!] as Mapping) : {}, form: "keyed" }] : [];
    });
  if (isMapping(agents)) return Object.entries(agents).map(([name, agent]) => ({ name, agent: isMapping(agent) ? agent : {} }));
  return [];
}

export function writeAgents(original: unknown, entries: readonly AgentEntry[]): unknown {
  if (Array.isArray(original))
    return entries.map((e) => (e.form === "keyed" ? { [e.name]: e.agent } : { name: e.name, ...e.agent }));
  return Object.fromEntries(entries.map((e) => [e.name, e.agent]));
}
