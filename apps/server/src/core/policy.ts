// What an untrusted flow may reach. A flow that arrives over the API names code by `MODULE:EXPORT`
// refs (code and tool actions, tools, guardrails, LLM hooks, feedback providers, state models); the
// runtime would import any module Node can resolve. Before a flow is saved and again before it runs,
// every ref is checked here: it must resolve inside the configured workspace directory, or name a
// built-in or package the configuration allowlists. Scripts run only when the configuration says so.
import { existsSync, realpathSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { type Action, type AtomicAction, type FlowDefinition, type FoundRef, findRefs, splitRef } from "@crewflow/definition";
import type { Problem } from "./errors";

export interface RefPolicy {
  workspace: string;
  allowedModules: readonly string[];
  allowScripts: boolean;
}

export interface PolicyReport {
  /** Refs (and scripts, at run time) this server refuses. */
  errors: Problem[];
  /** Refs that do not resolve yet (a workspace module that does not exist): running will fail. */
  warnings: Problem[];
}

const EXTENSIONS = [".ts", ".mts", ".js", ".mjs", ".cjs"];
const BUILTINS = new Set(builtinModules);

/** `call: script` actions (with `each` steps), by path. */
export function findScripts(definition: FlowDefinition): string[] {
  const out: string[] = [];
  const walk = (action: Action | AtomicAction, path: string) => {
    if (action.call === "script") out.push(path);
    else if (action.call === "each") action.do.forEach((step, index) => walk(step.action, `${path}.do[${index}].action`));
  };
  for (const [name, method] of Object.entries(definition.methods ?? {})) walk(method.do, `methods.${name}.do`);
  return out;
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
};

function realInside(root: string, path: string): boolean {
  try {
    return inside(realpathSync(root), realpathSync(path));
  } catch {
    return false;
  }
}

/** The package name of a bare specifier (`@scope/pkg/sub` → `@scope/pkg`). */
function packageName(module: string): string {
  const parts = module.split("/");
  return module.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function isBuiltin(module: string): boolean {
  return module.startsWith("node:") || BUILTINS.has(module) || BUILTINS.has(packageName(module));
}

function allowlisted(module: string, allowed: readonly string[]): boolean {
  const bare = module.startsWith("node:") ? module.slice(5) : module;
  return allowed.some((a) => {
    const entry = a.startsWith("node:") ? a.slice(5) : a;
    return bare === entry || bare.startsWith(`${entry}/`);
  });
}

/**
 * Whether one ref may be used. The checks follow how the runtime resolves refs (packages/runtime/src/refs.ts,
 * with `sourceDir` and `modulePaths` = the workspace): a path-like module resolves against the workspace,
 * a bare name first in the workspace, then as a package — which is what must not happen unless allowlisted.
 */
export function checkRef(found: FoundRef, policy: RefPolicy): { error?: string; warning?: string } {
  const { ref } = found;
  const [module, qualname] = splitRef(ref);
  if (!ref.includes(":") || !module || !qualname) return { error: `invalid ${found.kind} ref '${ref}'; expected 'MODULE:EXPORT'` };
  if (allowlisted(module, policy.allowedModules)) return {};
  if (isBuiltin(module))
    return { error: `ref '${ref}' names the Node built-in module '${module}', which this server does not allow (refs may only name modules in its workspace)` };
  if (/^[a-z][a-z0-9+.-]*:/i.test(module)) return { error: `ref '${ref}' names a URL ('${module}'); refs may only name modules in the server's workspace` };
  if (isAbsolute(module) || /^[A-Za-z]:[\\/]/.test(module) || module.startsWith("\\") || module.startsWith("~"))
    return { error: `ref '${ref}' uses an absolute path; refs may only name modules in the server's workspace, relative to it` };
  if (module.split(/[\\/]/).includes("..")) return { error: `ref '${ref}' leaves the server's workspace ('..' is not allowed in refs)` };
  const workspace = resolve(policy.workspace);
  const pathLike = module.startsWith(".") || EXTENSIONS.some((ext) => module.endsWith(ext));
  const candidates = pathLike
    ? [resolve(workspace, module), ...EXTENSIONS.map((ext) => resolve(workspace, module) + ext)]
    : EXTENSIONS.map((ext) => join(workspace, ...module.split(".")) + ext);
  const existing = candidates.find((path) => existsSync(path));
  if (existing) {
    // A symlink inside the workspace must not lead out of it.
    if (!inside(workspace, existing) || !realInside(workspace, existing)) return { error: `ref '${ref}' resolves outside the server's workspace` };
    return {};
  }
  if (pathLike) return { warning: `ref '${ref}': no module '${module}' in the server's workspace (running the flow will fail until it exists)` };
  // A bare name not in the workspace: the runtime would import it as a package.
  let resolvesToPackage: boolean;
  try {
    createRequire(join(workspace, "noop.js")).resolve(module);
    resolvesToPackage = true;
  } catch {
    resolvesToPackage = false;
  }
  if (resolvesToPackage) return { error: `ref '${ref}' names the package '${packageName(module)}', which this server does not allow (refs may only name modules in its workspace)` };
  return { warning: `ref '${ref}': no module '${module}' in the server's workspace (running the flow will fail until it exists)` };
}

/**
 * The policy's verdict on a definition. At save (`forRun` false) a module that does not exist yet is
 * a warning; at run it is an error, since the runtime would then look for a package of that name.
 * Disabled scripts are a warning at save and an error at run.
 */
export function checkDefinition(definition: FlowDefinition, policy: RefPolicy, forRun: boolean): PolicyReport {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  for (const found of findRefs(definition)) {
    // `config.input_provider` is not resolved by the runtime (nothing is imported for it).
    if (found.kind === "input_provider") continue;
    const verdict = checkRef(found, policy);
    if (verdict.error) errors.push({ path: found.path, message: verdict.error });
    else if (verdict.warning) (forRun ? errors : warnings).push({ path: found.path, message: verdict.warning });
  }
  if (!policy.allowScripts)
    for (const path of findScripts(definition)) {
      const message = "script actions are disabled on this server (set CREWFLOW_ALLOW_SCRIPTS=1 to run them in the sandbox)";
      (forRun ? errors : warnings).push({ path, message });
    }
  return { errors, warnings };
}
