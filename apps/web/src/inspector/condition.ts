// A listen/start condition as one line of text: `a`, `or(a, b)`, `and(a, or(b, "my label"))`.
// The inverse pair format/parse lets people type conditions the canvas draws as join nodes.
import { isMapping } from "./edit";

const BARE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatCondition(condition: unknown): string {
  if (condition === undefined || condition === null) return "";
  if (typeof condition === "string") return BARE.test(condition) && condition !== "and" && condition !== "or" ? condition : JSON.stringify(condition);
  if (isMapping(condition)) {
    for (const op of ["and", "or"] as const) {
      const children = condition[op];
      if (Array.isArray(children)) return `${op}(${children.map(formatCondition).join(", ")})`;
    }
  }
  // Not a condition CrewAI can run (the problems list says why): shown as JSON.
  return JSON.stringify(condition);
}

export type ParsedCondition = { ok: true; value: unknown } | { ok: false; error: string };

/** Parse the text form; empty text is `undefined` (no condition). */
export function parseCondition(text: string): ParsedCondition {
  if (!text.trim()) return { ok: true, value: undefined };
  if (text.trim().startsWith("{")) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (e) {
      return { ok: false, error: `invalid JSON condition: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  let at = 0;
  const fail = (what: string): never => {
    throw new ConditionSyntaxError(`${what} at position ${at + 1}`);
  };
  const skip = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const node = (): unknown => {
    skip();
    if (text[at] === '"') {
      const start = at;
      at++;
      while (at < text.length && text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
      if (at >= text.length) fail("unterminated quoted name");
      at++;
      return JSON.parse(text.slice(start, at)) as string;
    }
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at));
    if (!match) return fail(at >= text.length ? "expected a method or label name" : `unexpected '${text[at]}'`);
    at += match[0].length;
    skip();
    if ((match[0] === "and" || match[0] === "or") && text[at] === "(") {
      at++;
      const children: unknown[] = [];
      skip();
      if (text[at] === ")") {
        at++;
        return { [match[0]]: children };
      }
      for (;;) {
        children.push(node());
        skip();
        if (text[at] === ",") {
          at++;
          continue;
        }
        if (text[at] === ")") {
          at++;
          break;
        }
        fail("expected ',' or ')'");
      }
      return { [match[0]]: children };
    }
    return match[0];
  };
  try {
    const value = node();
    skip();
    if (at < text.length) fail(`unexpected '${text[at]}'`);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof ConditionSyntaxError) return { ok: false, error: `Condition: ${e.message}. Write a name, or and(…)/or(…) of conditions.` };
    throw e;
  }
}

class ConditionSyntaxError extends Error {}

/**
 * Keep what the text form cannot show: extra keys of a tree (e.g. an `or` that an `and` overrides)
 * survive when the edited tree has the same operator at the same place.
 */
export function mergeCondition(next: unknown, previous: unknown): unknown {
  if (!isMapping(next) || !isMapping(previous)) return next;
  const op = Array.isArray(next.and) ? "and" : "or";
  const previousOp = Array.isArray(previous.and) ? "and" : Array.isArray(previous.or) ? "or" : null;
  if (previousOp !== op) return next;
  const previousChildren = previous[op] as unknown[];
  const children = (next[op] as unknown[]).map((child, i) => mergeCondition(child, previousChildren[i]));
  return { ...previous, [op]: children };
}
