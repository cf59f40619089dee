// Every problem of a definition for the editor: the loader's errors (schema, rules, CEL) and its
// warnings, plus the semantic diagnostics, even while some method is broken (the loader skips them
// then). Runs on every edit, so each method is checked once per version of it: edits are immutable,
// an unchanged method is the same object and its result comes from a cache.
import {
  type Diagnostic,
  diagnose,
  type FlowDefinition,
  flowDefinitionSchema,
  type MethodDefinition,
  methodSchema,
  SEMANTIC_CODES,
  validateDefinition,
} from "@crewflow/definition";
import { isMapping } from "./edit";
import type { Mapping, Problem } from "./types";

/** The method a definition path is under: `methods.route.do.expr` → `route`. */
export function methodOfPath(path: string): string | undefined {
  const match = /^methods\.([^.[]+)/.exec(path);
  return match?.[1];
}

interface MethodResult {
  diagnostics: Diagnostic[];
  /** The method as the semantic checks see it (null when even its triggers do not parse). */
  parsed: MethodDefinition | null;
}

const SEMANTIC: ReadonlySet<string> = new Set(SEMANTIC_CODES);
// A method's action does not change which methods trigger which, so a method whose action is broken
// is analysed with a placeholder action.
const PLACEHOLDER_ACTION = { call: "script", code: "" };
const methodCache = new WeakMap<object, Map<string, MethodResult>>();

// Checking methods one by one costs a little per method; a first look at a big flow (nothing cached
// yet) is faster in one pass of the loader, whose results are then split by method.
const ONE_PASS_ABOVE = 20;

export function problemsOf(definition: FlowDefinition): Problem[] {
  const data: unknown = definition;
  if (!isMapping(data) || !isMapping(data.methods)) return toProblems(all(validateDefinition(data)));
  const methods = data.methods;
  const conversational = data.conversational;
  const uncached = Object.entries(methods).filter(([name, method]) => !cachedResult(name, method, conversational)).length;
  if (uncached > ONE_PASS_ABOVE) fillCache(data, methods, conversational);

  // Flow-level problems do not depend on the methods: check the flow without them, then each method.
  const diagnostics = all(validateDefinition({ ...data, methods: {} }));
  const parsedMethods: Record<string, MethodDefinition> = {};
  for (const [name, method] of Object.entries(methods)) {
    const result = checkMethod(name, method, conversational);
    diagnostics.push(...result.diagnostics);
    if (result.parsed) parsedMethods[name] = result.parsed;
  }
  diagnostics.push(...semantics(data, methods, parsedMethods));
  return toProblems(diagnostics);
}

// Method checks depend on the method and, through the conversational flag, on that block only.
let lastConversational: { value: unknown; text: string } = { value: undefined, text: "null" };

function cacheKey(name: string, conversational: unknown): string {
  if (lastConversational.value !== conversational) lastConversational = { value: conversational, text: JSON.stringify(conversational ?? null) };
  return `${name}\u0000${lastConversational.text}`;
}

function cachedResult(name: string, method: unknown, conversational: unknown): MethodResult | undefined {
  return isMapping(method) ? methodCache.get(method)?.get(cacheKey(name, conversational)) : undefined;
}

function remember(name: string, method: unknown, conversational: unknown, result: MethodResult): void {
  if (!isMapping(method)) return;
  const byKey = methodCache.get(method) ?? new Map<string, MethodResult>();
  byKey.set(cacheKey(name, conversational), result);
  methodCache.set(method, byKey);
}

function isOwn(path: string, name: string): boolean {
  const own = `methods.${name}`;
  return path === own || path.startsWith(`${own}.`) || path.startsWith(`${own}[`);
}

function isSemantic(d: Diagnostic): boolean {
  return d.code !== undefined && SEMANTIC.has(d.code);
}

/** The method as the semantic checks see it (its triggers, even when its action is broken). */
function parseForSemantics(method: unknown): MethodDefinition | null {
  const full = methodSchema.safeParse(method);
  if (full.success) return full.data;
  if (!isMapping(method)) return null;
  const triggers = methodSchema.safeParse({ ...method, do: PLACEHOLDER_ACTION });
  return triggers.success ? triggers.data : null;
}

function checkMethod(name: string, method: unknown, conversational: unknown): MethodResult {
  const cached = cachedResult(name, method, conversational);
  if (cached) return cached;
  const alone: Mapping = { name: "method", methods: { [name]: method } };
  if (conversational !== undefined) alone.conversational = conversational;
  const diagnostics = all(validateDefinition(alone)).filter((d) => isOwn(d.path, name) && !isSemantic(d));
  const result = { diagnostics, parsed: parseForSemantics(method) };
  remember(name, method, conversational, result);
  return result;
}

function fillCache(data: Mapping, methods: Mapping, conversational: unknown): void {
  const byMethod = new Map<string, Diagnostic[]>(Object.keys(methods).map((name) => [name, []]));
  for (const d of all(validateDefinition(data))) {
    const name = methodOfPath(d.path);
    if (name !== undefined && !isSemantic(d)) byMethod.get(name)?.push(d);
  }
  for (const [name, method] of Object.entries(methods))
    remember(name, method, conversational, { diagnostics: byMethod.get(name) ?? [], parsed: parseForSemantics(method) });
}

// The semantic checks read only the triggers (start, listen, router, emit, human_feedback) and two
// settings. Typing in an action leaves all of those the same objects, so the last result stands.
let lastSemantics: { inputs: unknown[]; result: Diagnostic[] } | null = null;

function semantics(data: Mapping, methods: Mapping, parsed: Record<string, MethodDefinition>): Diagnostic[] {
  const inputs: unknown[] = [data.config, data.conversational];
  for (const [name, method] of Object.entries(methods)) {
    const m = isMapping(method) ? method : {};
    inputs.push(name, name in parsed, m.start, m.listen, m.router, m.emit, m.human_feedback);
  }
  if (lastSemantics && lastSemantics.inputs.length === inputs.length && lastSemantics.inputs.every((v, i) => v === inputs[i]))
    return lastSemantics.result;
  const settings = flowDefinitionSchema.pick({ config: true, conversational: true }).safeParse(data);
  const result = diagnose({ name: "", ...(settings.success ? settings.data : {}), methods: parsed });
  lastSemantics = { inputs, result };
  return result;
}

function all(result: { errors: Diagnostic[]; warnings: Diagnostic[] }): Diagnostic[] {
  return [...result.errors, ...result.warnings];
}

function toProblems(diagnostics: readonly Diagnostic[]): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const d of diagnostics) {
    const key = `${d.severity}\u0000${d.path}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const method = methodOfPath(d.path);
    out.push(method === undefined ? { severity: d.severity, message: d.message, path: d.path } : { severity: d.severity, message: d.message, path: d.path, method });
  }
  return out;
}
