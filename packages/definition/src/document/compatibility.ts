// What Crewflow runs but CrewAI cannot: reported as warnings when a flow is exported for CrewAI.
import { type Diagnostic, warning } from "../diagnostics";
import { splitRef } from "../rules";
import type { Action, AtomicAction } from "../schema/actions";
import type { CrewDefinition } from "../schema/crew";
import type { FlowDefinition } from "../schema/flow";
import type { FlowDocument } from "./document";
import { isPlainObject } from "./values";

export const CREWAI_INCOMPATIBLE = "crewai_incompatible";

const JS_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/i;

/** Fields taking callables (hooks, callbacks) in crews, agents and tasks; CrewAI imports them from Python. */
const HOOK_KEYS = [
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
];

/** A warning for each Crewflow-only feature the flow uses, located by path. */
export function compatibilityWarnings(definition: FlowDefinition): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, method] of Object.entries(definition.methods ?? {})) {
    const path = `methods.${name}`;
    checkAction(method.do, `${path}.do`, out);
    checkRefValue(method.human_feedback?.provider, `${path}.human_feedback.provider`, out);
  }
  checkRefValue(definition.config?.input_provider, "config.input_provider", out);
  return out;
}

/** The text to hand to CrewAI (unchanged: CrewAI ignores `x-crewflow`) and what it will not run. */
export function exportForCrewAI(doc: FlowDocument): { text: string; warnings: Diagnostic[]; errors: Diagnostic[] } {
  const definition = doc.load.definition;
  return { text: doc.text, warnings: definition ? compatibilityWarnings(definition) : [], errors: doc.load.errors };
}

function checkAction(action: Action | AtomicAction, path: string, out: Diagnostic[]): void {
  switch (action.call) {
    case "script":
      if (action.language === "javascript")
        out.push(incompatible(`${path}.language`, "CrewAI runs only Python scripts; a javascript script runs in Crewflow only"));
      break;
    case "code":
    case "tool":
      checkRefValue(action.ref, `${path}.ref`, out);
      break;
    case "crew":
      if (action.with) checkCrew(action.with, `${path}.with`, out);
      break;
    case "agent":
      checkAgent(action.with, `${path}.with`, out);
      break;
    case "each":
      action.do.forEach((step, index) => checkAction(step.action, `${path}.do[${index}].action`, out));
      break;
    case "expression":
      break;
  }
}

function checkCrew(crew: CrewDefinition, path: string, out: Diagnostic[]): void {
  checkHooks(crew, path, out);
  for (const [name, agent] of Object.entries(crew.agents)) checkAgent(agent, `${path}.agents.${name}`, out);
  crew.tasks.forEach((task, index) => {
    const taskPath = `${path}.tasks[${index}]`;
    for (const field of ["output_json", "output_pydantic", "response_model"] as const) checkModel(task[field], `${taskPath}.${field}`, out);
    checkGuardrail(task.guardrail, `${taskPath}.guardrail`, out);
    task.guardrails?.forEach((guardrail, i) => checkGuardrail(guardrail, `${taskPath}.guardrails[${i}]`, out));
    checkTools(task.tools, `${taskPath}.tools`, out);
    checkHooks(task, taskPath, out);
  });
}

function checkAgent(agent: Record<string, unknown>, path: string, out: Diagnostic[]): void {
  checkModel(agent.response_format, `${path}.response_format`, out);
  checkTools(agent.tools, `${path}.tools`, out);
  checkHooks(agent, path, out);
}

/** CrewAI takes `{python: "module.Model"}`; a JSON Schema object is Crewflow's. */
function checkModel(model: unknown, path: string, out: Diagnostic[]): void {
  if (isPlainObject(model) && !("python" in model))
    out.push(incompatible(path, "CrewAI expects a Python model reference {python: …}; an inline JSON Schema works in Crewflow only"));
}

function checkGuardrail(guardrail: unknown, path: string, out: Diagnostic[]): void {
  if (isPlainObject(guardrail) && "ref" in guardrail && !("python" in guardrail))
    out.push(incompatible(path, "CrewAI guardrails are descriptions or {python: …} callables; a {ref: …} guardrail runs in Crewflow only"));
}

function checkTools(tools: unknown, path: string, out: Diagnostic[]): void {
  if (Array.isArray(tools)) tools.forEach((tool, index) => checkRefValue(tool, `${path}[${index}]`, out));
}

function checkHooks(owner: Record<string, unknown>, path: string, out: Diagnostic[]): void {
  for (const key of HOOK_KEYS) if (owner[key] != null) checkRefTree(owner[key], `${path}.${key}`, out, 0);
}

/** Hook fields may hold a ref, a list of refs, `{ref: …}` or a mapping of hook name to those. */
function checkRefTree(value: unknown, path: string, out: Diagnostic[], depth: number): void {
  if (depth > 4) return;
  if (Array.isArray(value)) value.forEach((item, index) => checkRefTree(item, `${path}[${index}]`, out, depth + 1));
  else if (isPlainObject(value))
    for (const [key, item] of Object.entries(value)) checkRefTree(item, key === "ref" ? `${path}.ref` : `${path}.${key}`, out, depth + 1);
  else checkRefValue(value, path, out);
}

/** A `MODULE:EXPORT` ref (or `{ref: …}`) whose module is a JS/TS file or an npm path, which Python cannot import. */
function checkRefValue(ref: unknown, path: string, out: Diagnostic[]): void {
  if (isPlainObject(ref) && typeof ref.ref === "string") {
    checkRefValue(ref.ref, `${path}.ref`, out);
    return;
  }
  if (typeof ref !== "string" || !ref.includes(":")) return;
  const [module] = splitRef(ref);
  if (!module) return;
  if (JS_FILE.test(module))
    out.push(incompatible(path, `CrewAI imports Python modules; '${module}' is a JavaScript/TypeScript file`));
  else if (/[\\/]/.test(module) || module.startsWith("@"))
    out.push(incompatible(path, `CrewAI imports Python modules; '${module}' is a file path or npm package, not a Python module`));
}

function incompatible(path: string, message: string): Diagnostic {
  return warning(path, message, CREWAI_INCOMPATIBLE);
}
