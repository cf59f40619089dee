// Every `MODULE:EXPORT` ref a definition names, with the path of the field holding it. One walker
// serves both readers: the server's policy (which modules an untrusted flow may reach) and the
// CrewAI-compatibility warnings (which refs Python cannot import).
import type { Action, AtomicAction } from "./schema/actions";
import type { FlowDefinition } from "./schema/flow";

export type RefKind = "code" | "tool" | "guardrail" | "hook" | "provider" | "input_provider" | "state";

/** One ref found in a definition, with the dotted path of the field holding it. */
export interface FoundRef {
  path: string;
  ref: string;
  kind: RefKind;
}

/** Fields of crews, agents and tasks that may hold hook refs (CrewAI callbacks, Crewflow LLM hooks). */
export const HOOK_KEYS: ReadonlySet<string> = new Set([
  "hooks",
  "callback",
  "callbacks",
  "step_callback",
  "task_callback",
  "before_kickoff_callbacks",
  "after_kickoff_callbacks",
  "before_llm_call",
  "after_llm_call",
  "before_tool_call",
  "after_tool_call",
]);

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Every ref of a definition: the state model, actions (with `each` steps), crews', agents' and tasks'
 * tools, guardrails and hooks, feedback providers, `config.input_provider`, and `x-crewflow` tools and hooks.
 */
export function findRefs(definition: FlowDefinition): FoundRef[] {
  const out: FoundRef[] = [];
  const state = definition.state;
  if (state && (state.type === "pydantic" || state.type === "unknown") && typeof state.ref === "string" && state.ref)
    out.push({ path: "state.ref", ref: state.ref, kind: "state" });
  for (const [name, method] of Object.entries(definition.methods ?? {})) {
    const path = `methods.${name}`;
    actionRefs(method.do, `${path}.do`, out);
    const provider = method.human_feedback?.provider;
    if (typeof provider === "string" && provider) out.push({ path: `${path}.human_feedback.provider`, ref: provider, kind: "provider" });
    else if (provider != null) refTree(provider, `${path}.human_feedback.provider`, out, "provider", 0);
  }
  const inputProvider = definition.config?.input_provider;
  if (inputProvider) refTree(inputProvider, "config.input_provider", out, "input_provider", 0);
  const extension = definition["x-crewflow"];
  if (isObject(extension)) extensionRefs(extension, "x-crewflow", out);
  return out;
}

function actionRefs(action: Action | AtomicAction, path: string, out: FoundRef[]): void {
  switch (action.call) {
    case "code":
    case "tool":
      out.push({ path: `${path}.ref`, ref: action.ref, kind: action.call });
      break;
    case "each":
      action.do.forEach((step, index) => actionRefs(step.action, `${path}.do[${index}].action`, out));
      break;
    case "crew":
      if (action.with) ownerRefs(action.with, `${path}.with`, out);
      break;
    case "agent":
      ownerRefs(action.with, `${path}.with`, out);
      break;
    case "expression":
    case "script":
      break;
  }
}

/** A crew, agent or task mapping: tools, guardrails, hook fields, nested agents/tasks, `x-crewflow`. */
function ownerRefs(owner: Record<string, unknown>, path: string, out: FoundRef[]): void {
  for (const [key, value] of Object.entries(owner)) {
    const at = `${path}.${key}`;
    if (key === "tools" && Array.isArray(value))
      value.forEach((tool, index) => {
        // A plain name is looked up in x-crewflow.tools (found there); `custom:` names are CrewAI's.
        if (typeof tool === "string" && tool.includes(":") && !tool.startsWith("custom:")) out.push({ path: `${at}[${index}]`, ref: tool, kind: "tool" });
        else if (isObject(tool)) refTree(tool, `${at}[${index}]`, out, "tool", 0);
      });
    else if (key === "guardrail") guardrailRef(value, at, out);
    else if (key === "guardrails" && Array.isArray(value)) value.forEach((g, index) => guardrailRef(g, `${at}[${index}]`, out));
    else if ((key === "agents" || key === "tasks") && (isObject(value) || Array.isArray(value)))
      for (const [name, item] of Object.entries(value)) {
        if (isObject(item)) ownerRefs(item, Array.isArray(value) ? `${at}[${name}]` : `${at}.${name}`, out);
      }
    else if (key === "x-crewflow" && isObject(value)) extensionRefs(value, at, out);
    else if (HOOK_KEYS.has(key)) refTree(value, at, out, "hook", 0);
  }
}

function guardrailRef(value: unknown, path: string, out: FoundRef[]): void {
  if (isObject(value) && typeof value.ref === "string") out.push({ path: `${path}.ref`, ref: value.ref, kind: "guardrail" });
}

function extensionRefs(extension: Record<string, unknown>, path: string, out: FoundRef[]): void {
  if (extension.hooks != null) refTree(extension.hooks, `${path}.hooks`, out, "hook", 0);
  if (isObject(extension.tools))
    for (const [name, ref] of Object.entries(extension.tools)) if (typeof ref === "string") out.push({ path: `${path}.tools.${name}`, ref, kind: "tool" });
}

/** Hook fields hold a ref, `{ref, agents}`, a list of those, or a mapping of hook name to those. */
function refTree(value: unknown, path: string, out: FoundRef[], kind: RefKind, depth: number): void {
  if (depth > 6) return;
  if (typeof value === "string") {
    if (value.includes(":")) out.push({ path, ref: value, kind });
  } else if (Array.isArray(value)) value.forEach((item, index) => refTree(item, `${path}[${index}]`, out, kind, depth + 1));
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) if (key !== "agents") refTree(item, `${path}.${key}`, out, kind, depth + 1);
}
