// Turns each action of a definition into a function the engine calls (spec §8.7). Refs are resolved
// here, when the flow is built, so a bad ref fails before anything runs (§8.10).
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import { type Action, type AtomicAction, ExpressionError, evaluateCel, readYaml, renderTemplate } from "@crewflow/definition";
import { RefError, instantiate, resolveRef, type RefContext } from "../refs";
import { runSandboxedScript } from "./script";
import type { ActionBody, ActionContext, CompiledAction, CrewRunner, EachLocals } from "./types";

export class FlowScriptExecutionDisabledError extends Error {
  override name = "FlowScriptExecutionDisabledError";
}

export interface ActionDeps {
  refs: RefContext;
  crews?: CrewRunner;
  /** CrewAI's opt-in (`CREWAI_ALLOW_FLOW_SCRIPT_EXECUTION`), read when the flow is built. */
  allowScripts: boolean;
}

export function scriptsAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CREWAI_ALLOW_FLOW_SCRIPT_EXECUTION ?? "").trim().toLowerCase();
  return value === "1" || value === "true" || value === "yes";
}

function celError(err: unknown): never {
  throw err instanceof ExpressionError ? Object.assign(err, { name: "ValueError" }) : err;
}

export async function compileAction(action: Action | AtomicAction, deps: ActionDeps): Promise<CompiledAction> {
  switch (action.call) {
    case "expression":
      return {
        takesInput: false,
        body: async (ctx, local) => {
          try {
            return evaluateCel(action.expr, ctx.celContext(local));
          } catch (err) {
            return celError(err);
          }
        },
      };
    case "code": {
      const fn = await resolveRef(action.ref, "do", deps.refs);
      if (typeof fn !== "function") throw new RefError(`invalid do ref '${action.ref}'; object is not callable`);
      const call = fn as (...args: unknown[]) => unknown;
      if (action.with != null) {
        const template = action.with;
        return { takesInput: false, body: async (ctx, local) => call(render(template, ctx, local)) };
      }
      return { takesInput: call.length >= 2, body: async (ctx) => call(ctx.flow, ctx.input) };
    }
    case "tool": {
      const target = instantiate(await resolveRef(action.ref, "do", deps.refs), "do", action.ref);
      const run = (target as { run?: unknown } | null)?.run;
      if (typeof run !== "function")
        throw new RefError(`invalid do ref '${action.ref}'; expected a class or object with a run(args) method`);
      const template = action.with ?? {};
      return { takesInput: false, body: async (ctx, local) => run.call(target, render(template, ctx, local)) };
    }
    case "script": {
      if (!deps.allowScripts)
        throw new FlowScriptExecutionDisabledError(
          "Flow script execution is disabled by default. Set CREWAI_ALLOW_FLOW_SCRIPT_EXECUTION=1 to allow `call: script` actions.",
        );
      if ((action.language ?? "python") === "python")
        throw new RefError("Crewflow cannot run python scripts; use `language: javascript` (runs in a sandbox)");
      const code = action.code;
      return { takesInput: true, body: async (ctx, local) => runSandboxedScript(code, ctx, local) };
    }
    case "crew": {
      const inline = action.with;
      const declaration = action.from_declaration;
      const overrides = action.inputs ?? {};
      return {
        takesInput: false,
        body: async (ctx, local) => {
          const crew = inline ? (inline as Record<string, unknown>) : await loadCrewDeclaration(declaration!, deps.refs.sourceDir);
          const template = { ...((crew.inputs as Record<string, unknown>) ?? {}), ...overrides };
          const inputs = render(template, ctx, local) as Record<string, unknown>;
          if (!deps.crews) throw new Error("no crew runner is configured to run crew actions");
          return deps.crews.runCrew({ crew, inputs, ...(deps.refs.sourceDir ? { sourceDir: deps.refs.sourceDir } : {}) }, ctx);
        },
      };
    }
    case "agent": {
      const { input, ...agent } = action.with;
      return {
        takesInput: false,
        body: async (ctx, local) => {
          const rendered = render(input, ctx, local);
          if (typeof rendered !== "string") {
            const error = new Error("agent input must render to a string");
            error.name = "ValueError";
            throw error;
          }
          if (!deps.crews) throw new Error("no crew runner is configured to run agent actions");
          return deps.crews.runAgent({ agent, input: rendered }, ctx);
        },
      };
    }
    case "each":
      return compileEach(action, deps);
  }
}

function render(template: unknown, ctx: ActionContext, local?: EachLocals): unknown {
  try {
    return renderTemplate(template, ctx.celContext(local));
  } catch (err) {
    return celError(err);
  }
}

function valueError(message: string): Error {
  const error = new Error(message);
  error.name = "ValueError";
  return error;
}

async function compileEach(action: Extract<Action, { call: "each" }>, deps: ActionDeps): Promise<CompiledAction> {
  const steps = await Promise.all(
    action.do.map(async (step) => ({ name: step.name, if: step.if ?? null, action: await compileAction(step.action, deps) })),
  );
  const body: ActionBody = async (ctx) => {
    let items: unknown;
    try {
      items = evaluateCel(action.in, ctx.celContext());
    } catch (err) {
      return celError(err);
    }
    if (!Array.isArray(items)) throw valueError("each.in must evaluate to an array");
    const results: unknown[] = [];
    for (const [index, item] of items.entries()) {
      // Resumed after a crash: items already made durable are not run again.
      if (ctx.doneItems?.has(index)) {
        results.push(ctx.doneItems.get(index));
        continue;
      }
      // Step outputs are local to one item and shadow flow outputs of the same name (§8.7).
      const local: EachLocals = { item, outputs: {} };
      let last: unknown = null;
      for (const step of steps) {
        if (step.if !== null) {
          let passes: unknown;
          try {
            passes = evaluateCel(step.if, ctx.celContext(local));
          } catch (err) {
            return celError(err);
          }
          if (typeof passes !== "boolean") throw valueError("if expression must evaluate to a boolean");
          if (!passes) continue;
        }
        // The step sees the item as its input; everything else is the method's context (a nested
        // `each` does not journal its items: only the outermost one's positions are recorded).
        const stepContext = Object.create(ctx, { input: { value: item }, itemDone: { value: undefined }, doneItems: { value: undefined } }) as ActionContext;
        last = await step.action.body(stepContext, local);
        local.outputs[step.name] = last;
      }
      results.push(last);
      await ctx.itemDone?.(index, last);
    }
    return results;
  };
  return { takesInput: false, body };
}

/** `from_declaration`: a crew file or folder (`crew.jsonc`, then `crew.json`) inside the flow's directory (§8.7). */
async function loadCrewDeclaration(path: string, sourceDir: string | undefined): Promise<Record<string, unknown>> {
  const base = sourceDir ?? process.cwd();
  let target = resolve(base, path);
  if (sourceDir) {
    const rel = relative(sourceDir, target);
    if (rel.startsWith("..") || rel.startsWith(sep) || resolve(sourceDir, rel) !== target)
      throw valueError("crew declaration path must be within the flow definition directory");
  }
  const { stat } = await import("node:fs/promises");
  const info = await stat(target).catch(() => null);
  if (info?.isDirectory()) {
    const jsonc = resolve(target, "crew.jsonc");
    const json = resolve(target, "crew.json");
    target = (await stat(jsonc).catch(() => null)) ? jsonc : (await stat(json).catch(() => null)) ? json : jsonc;
  }
  if (sourceDir) {
    // The path is checked as written above; a symlink inside the directory must not lead out of it either.
    const { realpath } = await import("node:fs/promises");
    const [realDir, realTarget] = await Promise.all([realpath(sourceDir).catch(() => sourceDir), realpath(target).catch(() => target)]);
    const rel = relative(realDir, realTarget);
    if (rel.startsWith("..") || rel.startsWith(sep)) throw valueError("crew declaration path must be within the flow definition directory");
  }
  const text = await readFile(target, "utf8").catch(() => {
    throw valueError(`crew declaration not found: ${target}`);
  });
  // JSONC and YAML are both read by the YAML parser after stripping comments.
  const { data: parsed, errors } = readYaml(stripJsonComments(text), target);
  if (errors.length > 0) throw valueError(`crew declaration ${target} cannot be read: ${errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ")}`);
  if (!parsed || typeof parsed !== "object") throw valueError(`crew declaration must contain a mapping: ${target}`);
  return { ...(parsed as Record<string, unknown>), __dir: dirname(target) };
}

function stripJsonComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match, str: string | undefined) => str ?? "");
}
