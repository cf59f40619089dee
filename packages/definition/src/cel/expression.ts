// Explicit CEL fields (`expr`, `each.in`, step `if`): validation and evaluation, on @bufbuild/cel.
import { celEnv, isCelError, parse, plan, type CelEnv, type CelInput, type CelResult, type CelValue } from "@bufbuild/cel";
import { celToJson, celToText, toCelInput } from "./convert.js";
import { ExpressionError, type JsonValue } from "./errors.js";
import { pyStrip, pythonRepr } from "./python.js";

/** Roots a flow-level expression may read. */
export const FLOW_ROOTS: readonly string[] = Object.freeze(["outputs", "state"]);
/** Roots inside an `each` step, which also binds the current `item`. */
export const EACH_STEP_ROOTS: readonly string[] = Object.freeze(["item", "outputs", "state"]);

/** Strip surrounding whitespace and one `${ … }` wrapper (explicit CEL fields accept both forms). */
export function stripExpressionMarkers(value: string): string {
  const expression = pyStrip(value);
  if (expression.startsWith("${") && expression.endsWith("}")) return pyStrip(expression.slice(2, -1));
  return expression;
}

type Expr = ReturnType<typeof parse>["expr"];
type Program = (bindings: Record<string, CelInput>) => CelResult;
type Compiled =
  | { ok: true; program: Program; roots: readonly string[] }
  | { ok: false; message: string };

// Bounded cache of parsed+planned programs: the runtime evaluates the same few expressions many
// times. Insertion-ordered Map: the oldest entry goes when full.
const CACHE_LIMIT = 1000;
const cache = new Map<string, Compiled>();
let env: CelEnv | undefined;

// Comprehension macros whose first argument names a loop-local variable.
const BINDING_MACROS = new Set(["all", "exists", "exists_one", "filter", "map"]);

/** Parse, plan and collect the root identifiers of a (stripped) CEL expression, cached. */
function compile(source: string): Compiled {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  let compiled: Compiled;
  try {
    const parsed = parse(source);
    env ??= celEnv();
    const program: Program = plan(env, parsed);
    const roots = new Set<string>();
    collectRoots(parsed.expr, new Set(), roots);
    compiled = { ok: true, program, roots: [...roots].sort() };
  } catch (e) {
    compiled = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(source, compiled);
  return compiled;
}

/**
 * Free identifiers of the AST: identifier expressions other than comprehension variables. The
 * parser expands macros into comprehensions whose iterVar/accuVar are local to the loop parts.
 * Function names live in call nodes, never in identifiers, so `size(x)` only yields `x`.
 */
function collectRoots(expr: Expr | undefined, locals: ReadonlySet<string>, out: Set<string>): void {
  if (expr === undefined) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "identExpr":
      if (!locals.has(kind.value.name)) out.add(kind.value.name);
      return;
    case "selectExpr":
      collectRoots(kind.value.operand, locals, out);
      return;
    case "callExpr": {
      const { target, args } = kind.value;
      collectRoots(target, locals, out);
      // A receiver macro the parser left unexpanded (e.g. the two-variable form) still binds its
      // first argument, as CrewAI's root check does.
      const first = args[0]?.exprKind;
      const inner =
        target !== undefined && BINDING_MACROS.has(kind.value.function) && first?.case === "identExpr"
          ? new Set([...locals, first.value.name])
          : locals;
      for (const arg of args) collectRoots(arg, inner, out);
      return;
    }
    case "listExpr":
      for (const element of kind.value.elements) collectRoots(element, locals, out);
      return;
    case "structExpr": {
      // `Name{…}` reads `Name` like an identifier; `{…}` map literals have no name.
      const name = kind.value.messageName.replace(/^\./, "").split(".")[0];
      if (name && !locals.has(name)) out.add(name);
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === "mapKey") collectRoots(entry.keyKind.value, locals, out);
        collectRoots(entry.value, locals, out);
      }
      return;
    }
    case "comprehensionExpr": {
      const c = kind.value;
      collectRoots(c.iterRange, locals, out);
      collectRoots(c.accuInit, locals, out);
      const inner = new Set(locals);
      for (const name of [c.iterVar, c.iterVar2, c.accuVar]) if (name) inner.add(name);
      collectRoots(c.loopCondition, inner, out);
      collectRoots(c.loopStep, inner, out);
      collectRoots(c.result, inner, out);
      return;
    }
    default:
      return;
  }
}

/**
 * Check an explicit CEL field (rules: not empty, parses, reads only `allowedRoots`).
 * Returns the error message, or null when the expression is valid.
 */
export function validateExpression(value: string, allowedRoots: readonly string[], path: string): string | null {
  const source = stripExpressionMarkers(value);
  if (!source) {
    return `empty CEL expression at ${path}. Provide a CEL expression such as state.topic or outputs.step_name.`;
  }
  const compiled = compile(source);
  if (!compiled.ok) {
    return (
      `invalid CEL expression at ${path}: ${pythonRepr(source)}. ` +
      `Check the CEL syntax. Parser details: ${compiled.message}`
    );
  }
  const unknown = compiled.roots.filter((root) => !allowedRoots.includes(root));
  if (unknown.length === 0) return null;
  return (
    `unknown CEL root at ${path}: ${unknown.map(pythonRepr).join(", ")}; ` +
    `allowed roots: ${[...new Set(allowedRoots)].sort().join(", ")}. ` +
    "Reference flow data through one of those roots, for example state.field or outputs.step_name."
  );
}

/** Evaluate a stripped, non-empty source; errors (parse, evaluation, nested) become ExpressionError. */
function evaluateSource<T>(source: string, context: Record<string, unknown>, convert: (v: CelValue) => T): T {
  const fail = (cause: unknown): ExpressionError =>
    new ExpressionError(
      `failed to evaluate CEL expression ${pythonRepr(source)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  const compiled = compile(source);
  if (!compiled.ok) throw fail(compiled.message);
  try {
    // Bind only the roots the expression reads: no conversion work for the rest of the context.
    const bindings: Record<string, CelInput> = {};
    for (const root of compiled.roots) {
      if (Object.hasOwn(context, root)) bindings[root] = toCelInput(context[root]);
    }
    const result = compiled.program(bindings);
    if (isCelError(result)) throw result;
    return convert(result);
  } catch (e) {
    throw fail(e);
  }
}

/**
 * Evaluate an explicit CEL field against `{state, outputs, ...locals}` (plain JSON values) and
 * return the result as plain JSON (see celToJson for bytes, timestamps and durations).
 */
export function evaluateCel(expr: string, context: Record<string, unknown>): JsonValue {
  const source = stripExpressionMarkers(expr);
  if (!source) throw new ExpressionError("empty CEL expression");
  return evaluateSource(source, context, celToJson);
}

/** Evaluate a template segment's source (already stripped by the template parser). */
export function evaluateSegment(source: string, context: Record<string, unknown>): JsonValue {
  return evaluateSource(source, context, celToJson);
}

/** Evaluate a template segment's source and render it as text inside a mixed template. */
export function evaluateSegmentText(source: string, context: Record<string, unknown>): string {
  return evaluateSource(source, context, celToText);
}
