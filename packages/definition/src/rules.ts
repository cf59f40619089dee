// Cross-field load rules of a flow document (spec §8.3 V1, V2, V10–V13) plus the checks CrewAI only
// makes when a flow is built or run but that a file alone decides (ref syntax, crew shape). Each
// returns diagnostics with the path CrewAI names, instead of stopping at the first.
import { EACH_STEP_ROOTS, FLOW_ROOTS, validateExpression, validateTemplate } from "./cel";
import { type Diagnostic, error, warning } from "./diagnostics";
import { pyRepr, pyReprString } from "./python";
import { NAME_PATTERN, NAME_PATTERN_TEXT } from "./schema/common";
import { type Condition, conditionReferences } from "./schema/condition";
import type { Action, AtomicAction } from "./schema/actions";
import type { CrewDefinition } from "./schema/crew";
import type { MethodDefinition } from "./schema/method";
import type { FlowDefinition } from "./schema/flow";

/** V1: method names are identifiers. */
export function checkMethodName(name: string): Diagnostic[] {
  return NAME_PATTERN.test(name)
    ? []
    : [error(`methods.${name}`, `Flow method names must match ${NAME_PATTERN_TEXT}`)];
}

/** V2: a listener must not be triggered by its own completion. */
export function checkSelfListen(name: string, listen: Condition | null | undefined, conversational: boolean): Diagnostic[] {
  if (!conditionReferences(listen, name)) return [];
  const path = `methods.${name}.listen`;
  const shown = listen == null ? "None" : pyRepr(listen);
  const message = conversational
    ? `${path} listen condition ${shown} matches the handler name ${pyReprString(name)}. In conversational flows, ` +
      "@listen labels are router route names — they share the same trigger namespace as method completion events, " +
      `so this handler would re-run in a loop. Rename the handler (for example, handle_${name}) or use a different route label.`
    : `${path} listen condition ${shown} references the handler name ${pyReprString(name)}. A listener triggered by ` +
      "its own completion creates an infinite loop. Listen to a different method or event, or rename the handler.";
  return [error(path, message)];
}

/** V10–V13: every CEL expression and `${…}` template of an action compiles and uses allowed roots. */
export function checkActionCel(action: Action | AtomicAction, path: string, roots: readonly string[]): Diagnostic[] {
  const out: string[] = [];
  switch (action.call) {
    case "expression": {
      const problem = validateExpression(action.expr, roots, `${path}.expr`);
      if (problem) out.push(problem);
      break;
    }
    case "code":
    case "tool":
      if (action.with != null) out.push(...validateTemplate(action.with, roots, `${path}.with`));
      break;
    case "crew":
      if (action.with?.inputs != null) out.push(...validateTemplate(action.with.inputs, roots, `${path}.with.inputs`));
      if (action.inputs != null) out.push(...validateTemplate(action.inputs, roots, `${path}.inputs`));
      break;
    case "agent":
      out.push(...validateTemplate(action.with.input, roots, `${path}.with.input`));
      break;
    case "each": {
      const problem = validateExpression(action.in, FLOW_ROOTS, `${path}.in`);
      if (problem) out.push(problem);
      const diagnostics: Diagnostic[] = out.map((message) => error(pathOf(message, path), message));
      action.do.forEach((step, index) => {
        const stepPath = `${path}.do[${index}]`;
        if (step.if != null) {
          const ifProblem = validateExpression(step.if, EACH_STEP_ROOTS, `${stepPath}.if`);
          if (ifProblem) diagnostics.push(error(`${stepPath}.if`, ifProblem));
        }
        diagnostics.push(...checkActionCel(step.action, `${stepPath}.action`, EACH_STEP_ROOTS));
      });
      return diagnostics;
    }
    case "script":
      break;
  }
  return out.map((message) => error(pathOf(message, path), message));
}

/** CEL messages name their location (`… at methods.m.do.with.q (expression 2)`); reuse it as the diagnostic path. */
function pathOf(message: string, fallback: string): string {
  const match = / at ((?:methods)\.[^\s:]+)/.exec(message);
  return match?.[1]?.replace(/\.$/, "") ?? fallback;
}

const REF_FORM = /^[^:]+:[^:]+$/;

/**
 * A ref is `MODULE:EXPORT`. CrewAI rejects a missing `:`, an empty part or a local-scope qualname
 * (`<locals>`) when it builds the flow; the file alone decides it, so we report it at validation.
 */
export function checkRef(ref: unknown, field: string, path: string): Diagnostic[] {
  if (typeof ref !== "string") return [];
  const [module, qualname] = splitRef(ref);
  if (!REF_FORM.test(ref) || !module || !qualname || qualname.includes("<"))
    return [error(path, `invalid ${field} ref ${pyReprString(ref)}; expected 'module:qualname'`)];
  return [];
}

export function splitRef(ref: string): [string, string] {
  const index = ref.lastIndexOf(":");
  return index < 0 ? [ref, ""] : [ref.slice(0, index).trim(), ref.slice(index + 1).trim()];
}

/** Refs inside an action (code/tool, and the steps of `each`). */
export function checkActionRefs(action: Action | AtomicAction, path: string): Diagnostic[] {
  if (action.call === "code" || action.call === "tool") return checkRef(action.ref, "do", `${path}.ref`);
  if (action.call === "each")
    return action.do.flatMap((step, index) => checkActionRefs(step.action, `${path}.do[${index}].action`));
  return [];
}

/**
 * What CrewAI's crew loader rejects when the crew runs, decided here from the file: agents without
 * role/goal/backstory (unless `from_repository`), tasks naming unknown agents or later tasks.
 */
export function checkInlineCrew(crew: CrewDefinition, path: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, agent] of Object.entries(crew.agents)) {
    if (agent.from_repository) continue;
    for (const field of ["role", "goal", "backstory"] as const)
      if (agent[field] == null)
        out.push(error(`${path}.agents.${name}.${field}`, `agents.${name}: missing required field '${field}'`));
  }
  const known = new Set<string>();
  crew.tasks.forEach((task, index) => {
    const taskPath = `${path}.tasks[${index}]`;
    if (task.agent != null && !(task.agent in crew.agents))
      out.push(
        error(`${taskPath}.agent`, `tasks[${index}] references agent '${task.agent}' which does not match a loaded agent definition`),
      );
    for (const name of task.context ?? [])
      if (!known.has(name))
        out.push(error(`${taskPath}.context`, `tasks[${index}] has context reference '${name}' but that task has not been defined yet`));
    if (task.name) known.add(task.name);
  });
  return out;
}

/** `from_declaration` must stay inside the flow file's directory when the flow came from a file. */
export function checkCrewPath(declaration: string, path: string, fromFile: boolean): Diagnostic[] {
  if (!fromFile) return [];
  const parts = declaration.replace(/\\/g, "/").split("/");
  let depth = 0;
  let escapes = declaration.startsWith("/") || /^[A-Za-z]:/.test(declaration) || declaration.startsWith("~");
  for (const part of parts) {
    if (part === "..") depth -= 1;
    else if (part && part !== ".") depth += 1;
    if (depth < 0) escapes = true;
  }
  return escapes ? [error(path, "crew declaration path must be within the flow definition directory")] : [];
}

/** All crew checks of one action (inline crews, declaration paths; recursing into `each`). */
export function checkActionCrews(action: Action | AtomicAction, path: string, fromFile: boolean): Diagnostic[] {
  if (action.call === "crew") {
    if (action.with) return checkInlineCrew(action.with, `${path}.with`);
    if (action.from_declaration) return checkCrewPath(action.from_declaration, `${path}.from_declaration`, fromFile);
    return [];
  }
  if (action.call === "each")
    return action.do.flatMap((step, index) => checkActionCrews(step.action, `${path}.do[${index}].action`, fromFile));
  return [];
}

/** CrewAI's logged (non-fatal) definition issues (§8.9), reported as warnings with CrewAI's codes. */
export function loggedIssues(name: string, method: MethodDefinition): Diagnostic[] {
  const path = `methods.${name}`;
  const out: Diagnostic[] = [];
  const router = Boolean(method.router) || Boolean(method.human_feedback?.emit?.length);
  if (method.emit?.length && !router)
    out.push(warning(`${path}.emit`, "emit is only used by routers to declare downstream events", "emit_without_router"));
  const feedback = method.human_feedback;
  if (feedback) {
    const llm = "llm" in feedback ? feedback.llm : "gpt-4o-mini";
    if (feedback.emit?.length && !llm)
      out.push(warning(`${path}.human_feedback.llm`, "llm is required when human_feedback.emit is set", "human_feedback_llm_required"));
    if (feedback.default_outcome != null && !feedback.emit?.length)
      out.push(
        warning(`${path}.human_feedback.default_outcome`, "default_outcome requires human_feedback.emit", "human_feedback_default_requires_emit"),
      );
    else if (feedback.default_outcome != null && feedback.emit?.length && !feedback.emit.includes(feedback.default_outcome))
      out.push(
        warning(
          `${path}.human_feedback.default_outcome`,
          "default_outcome must be one of human_feedback.emit",
          "human_feedback_default_not_in_emit",
        ),
      );
  }
  return out;
}

/** Methods a conversational flow's engine provides itself; their serialised refs name built-in handlers. */
export const CONVERSATIONAL_BUILTINS: ReadonlySet<string> = new Set([
  "route_conversation",
  "converse_turn",
  "end_conversation",
  "answer_from_history_turn",
]);

/** Whether the conversational block is on (its presence opts in unless `enabled: false`). */
export function isConversational(definition: Pick<FlowDefinition, "conversational">): boolean {
  return definition.conversational != null && definition.conversational.enabled !== false;
}
