// What Crewflow runs but CrewAI cannot: reported as warnings when a flow is exported for CrewAI.
import { type Diagnostic, warning } from "../diagnostics";
import { splitRef } from "../rules";
import type { Action, AtomicAction } from "../schema/actions";
import type { CrewDefinition } from "../schema/crew";
import type { FlowDefinition } from "../schema/flow";
import type { FlowDocument } from "./document";
import { findRefs } from "../refs";
import { isPlainObject } from "./values";

export const CREWAI_INCOMPATIBLE = "crewai_incompatible";

const JS_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/i;

/** A warning for each Crewflow-only feature the flow uses, located by path. */
export function compatibilityWarnings(definition: FlowDefinition): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const found of findRefs(definition)) {
    // CrewAI ignores x-crewflow; a {ref} guardrail is flagged whole (checkGuardrail); state models are CrewAI's own.
    if (found.kind === "guardrail" || found.kind === "state" || found.path.split(".").includes("x-crewflow")) continue;
    checkRef(found.ref, found.path, out);
  }
  for (const [name, method] of Object.entries(definition.methods ?? {})) checkAction(method.do, `methods.${name}.do`, out);
  return out;
}

/** The text to hand to CrewAI (unchanged: CrewAI ignores `x-crewflow`) and what it will not run. */
export function exportForCrewAI(doc: FlowDocument): { text: string; warnings: Diagnostic[]; errors: Diagnostic[] } {
  const definition = doc.load.definition;
  return { text: doc.text, warnings: definition ? compatibilityWarnings(definition) : [], errors: doc.load.errors };
}

/** What is not a ref: javascript scripts, inline JSON Schema models, {ref} guardrails. */
function checkAction(action: Action | AtomicAction, path: string, out: Diagnostic[]): void {
  switch (action.call) {
    case "script":
      if (action.language === "javascript")
        out.push(incompatible(`${path}.language`, "CrewAI runs only Python scripts; a javascript script runs in Crewflow only"));
      break;
    case "crew":
      if (action.with) checkCrew(action.with, `${path}.with`, out);
      break;
    case "agent":
      checkModel(action.with.response_format, `${path}.with.response_format`, out);
      break;
    case "each":
      action.do.forEach((step, index) => checkAction(step.action, `${path}.do[${index}].action`, out));
      break;
    case "code":
    case "tool":
    case "expression":
      break;
  }
}

function checkCrew(crew: CrewDefinition, path: string, out: Diagnostic[]): void {
  for (const [name, agent] of Object.entries(crew.agents)) checkModel(agent.response_format, `${path}.agents.${name}.response_format`, out);
  crew.tasks.forEach((task, index) => {
    const taskPath = `${path}.tasks[${index}]`;
    for (const field of ["output_json", "output_pydantic", "response_model"] as const) checkModel(task[field], `${taskPath}.${field}`, out);
    checkGuardrail(task.guardrail, `${taskPath}.guardrail`, out);
    task.guardrails?.forEach((guardrail, i) => checkGuardrail(guardrail, `${taskPath}.guardrails[${i}]`, out));
  });
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

/** A `MODULE:EXPORT` ref whose module is a JS/TS file or an npm path, which Python cannot import. */
function checkRef(ref: string, path: string, out: Diagnostic[]): void {
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
