// `MODULE:EXPORT` refs (spec §8.6, crewflow-decisions "Code, tools, hooks, guardrails"): MODULE is a
// path relative to the flow file, a module registered in memory (the TypeScript authoring API, test
// harnesses), a module found on the module path (like PYTHONPATH), or a package; EXPORT may be dotted.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { splitRef } from "@crewflow/definition";

export class RefError extends Error {
  override name = "ValueError";
}

export interface RefContext {
  /** Directory of the flow file; relative module paths resolve against it. */
  sourceDir?: string;
  /** Extra directories searched for bare module names (`conformance` → `<dir>/conformance.ts`). */
  modulePaths?: readonly string[];
  /** In-memory modules by name, checked first. */
  modules?: ReadonlyMap<string, Record<string, unknown>>;
}

const EXTENSIONS = [".ts", ".mts", ".js", ".mjs", ".cjs"];

function isPathLike(module: string): boolean {
  return module.startsWith(".") || isAbsolute(module) || EXTENSIONS.some((ext) => module.endsWith(ext));
}

async function loadModule(module: string, ctx: RefContext): Promise<Record<string, unknown> | null> {
  const registered = ctx.modules?.get(module);
  if (registered) return registered;
  const base = ctx.sourceDir ?? process.cwd();
  const candidates: string[] = [];
  if (isPathLike(module)) {
    const path = resolve(base, module);
    candidates.push(path, ...EXTENSIONS.map((ext) => path + ext));
  } else {
    for (const dir of ctx.modulePaths ?? []) {
      const path = join(resolve(dir), ...module.split("."));
      candidates.push(...EXTENSIONS.map((ext) => path + ext));
    }
  }
  for (const path of candidates) if (existsSync(path) && !path.endsWith("/")) return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  if (isPathLike(module)) return null;
  try {
    const resolved = createRequire(join(base, "noop.js")).resolve(module);
    return (await import(resolved.startsWith("node:") ? resolved : pathToFileURL(resolved).href)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Resolve a ref to the value it names, with CrewAI's messages (`invalid do ref …`, `unresolvable do ref …`). */
export async function resolveRef(ref: string, field: string, ctx: RefContext): Promise<unknown> {
  const [module, qualname] = splitRef(ref);
  if (!ref.includes(":") || !module || !qualname || qualname.includes("<"))
    throw new RefError(`invalid ${field} ref '${ref}'; expected 'module:qualname'`);
  let loaded: Record<string, unknown> | null;
  try {
    loaded = await loadModule(module, ctx);
  } catch (err) {
    throw new RefError(`unresolvable ${field} ref '${ref}': ${(err as Error).message}`);
  }
  if (!loaded) throw new RefError(`unresolvable ${field} ref '${ref}' (no module '${module}' from ${ctx.sourceDir ?? process.cwd()})`);
  let target: unknown = loaded;
  for (const part of qualname.split(".")) {
    if (target === null || (typeof target !== "object" && typeof target !== "function") || !(part in (target as object)))
      throw new RefError(`unresolvable ${field} ref '${ref}' (module '${module}' has no '${qualname}')`);
    target = (target as Record<string, unknown>)[part];
  }
  return target;
}

/** Classes are instantiated without arguments (tools, providers); other objects are used as they are. */
export function isClass(value: unknown): value is new () => unknown {
  return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

export function instantiate(value: unknown, field: string, ref: string): unknown {
  if (!isClass(value)) return value;
  if (value.length > 0) throw new RefError(`cannot instantiate ${field} ref '${ref}' without arguments: its constructor takes ${value.length}`);
  try {
    return new value();
  } catch (err) {
    throw new RefError(`cannot instantiate ${field} ref '${ref}' without arguments: ${(err as Error).message}`);
  }
}
