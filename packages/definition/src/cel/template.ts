// `${…}` templates in data fields (e.g. a step's `with`): parsing, validation and rendering.
import { ExpressionError } from "./errors.js";
import { evaluateSegment, evaluateSegmentText, validateExpression } from "./expression.js";
import { isPlainObject, pyIsBlank, pyStrip, pythonRepr } from "./python.js";

export type TemplateSegment = { kind: "text"; text: string } | { kind: "expr"; source: string };

// Parsed segments per template string; templates are rendered on every step run.
const CACHE_LIMIT = 1000;
const cache = new Map<string, readonly TemplateSegment[]>();

/**
 * Split a string into literal text and `${…}` CEL sources (trimmed). The closing `}` is found by
 * a CEL-aware scan, so braces in string literals, comments and map literals do not end it.
 * Throws ExpressionError for an unterminated or empty `${…}`; the message has no location, the
 * caller appends one.
 */
export function parseTemplate(value: string): TemplateSegment[] {
  return segmentsOf(value).map((segment) => ({ ...segment }));
}

// Cached, shared (frozen) segments; parseTemplate hands out copies.
function segmentsOf(value: string): readonly TemplateSegment[] {
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  const segments: TemplateSegment[] = [];
  let index = 0;
  let start: number;
  while ((start = value.indexOf("${", index)) !== -1) {
    if (start > index) segments.push({ kind: "text", text: value.slice(index, start) });
    const end = expressionEnd(value, start + 2);
    const source = pyStrip(value.slice(start + 2, end));
    if (!source) throw new ExpressionError(`empty CEL expression in ${pythonRepr(value)}`);
    segments.push({ kind: "expr", source });
    index = end + 1;
  }
  // Same shape as CrewAI: trailing text, or a single (possibly empty) text for a plain string.
  if (index < value.length || segments.length === 0) segments.push({ kind: "text", text: value.slice(index) });
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  const frozen = Object.freeze(segments.map((segment) => Object.freeze(segment)));
  cache.set(value, frozen);
  return frozen;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
// Characters of CEL tokens other than identifiers, numbers, strings and braces.
const PUNCTUATION = new Set("+-*/%!=<>&|?:.,()[]");
const WHITESPACE = new Set(" \t\n\r\f\v");
const STRING_PREFIXES = new Set(["r", "b", "rb", "br"]);

/**
 * Index of the `}` closing a `${` whose body starts at `from`. Tokenizes like CEL's lexer (as
 * CrewAI's does with cel-python's) counting `{`/`}` depth outside string literals and comments.
 */
function expressionEnd(value: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < value.length) {
    const ch = value[i]!;
    if (ch === "{") {
      depth++;
      i++;
    } else if (ch === "}") {
      if (--depth === 0) return i;
      i++;
    } else if (ch === "'" || ch === '"') {
      i = stringEnd(value, i, false);
    } else if (ch === "/" && value[i + 1] === "/") {
      const newline = value.indexOf("\n", i);
      i = newline === -1 ? value.length : newline + 1;
    } else if (IDENT_START.test(ch) || /[0-9]/.test(ch)) {
      let j = i + 1;
      while (j < value.length && IDENT_PART.test(value[j]!)) j++;
      const word = value.slice(i, j);
      const next = value[j];
      if ((next === "'" || next === '"') && STRING_PREFIXES.has(word.toLowerCase())) {
        i = stringEnd(value, j, word.toLowerCase().includes("r"));
      } else {
        i = j;
      }
    } else if (PUNCTUATION.has(ch) || WHITESPACE.has(ch)) {
      i++;
    } else {
      throw new ExpressionError(
        `unterminated or invalid \${...} expression in ${pythonRepr(value)}: ` +
          `unexpected character ${pythonRepr(ch)} at position ${i}`,
      );
    }
  }
  throw new ExpressionError(`unterminated \${...} expression in ${pythonRepr(value)}`);
}

/** Index just past the CEL string literal whose opening quote is at `start`. */
function stringEnd(value: string, start: number, raw: boolean): number {
  const quote = value[start]!;
  const triple = value.startsWith(quote.repeat(3), start);
  let i = start + (triple ? 3 : 1);
  while (i < value.length) {
    const ch = value[i]!;
    if (ch === "\\" && !raw) {
      i += 2;
    } else if (triple ? value.startsWith(quote.repeat(3), i) : ch === quote) {
      return i + (triple ? 3 : 1);
    } else if (!triple && (ch === "\n" || ch === "\r")) {
      break;
    } else {
      i++;
    }
  }
  throw new ExpressionError(
    `unterminated or invalid \${...} expression in ${pythonRepr(value)}: ` +
      `unterminated string literal at position ${start}`,
  );
}

/**
 * Check every `${…}` in a template field, recursing through mappings (`<path>.<key>`) and lists
 * (`<path>[i]`). Returns all error messages (empty when valid).
 */
export function validateTemplate(value: unknown, allowedRoots: readonly string[], path: string): string[] {
  const errors: string[] = [];
  collectTemplateErrors(value, allowedRoots, path, errors);
  return errors;
}

function collectTemplateErrors(value: unknown, allowedRoots: readonly string[], path: string, errors: string[]): void {
  if (typeof value === "string") {
    if (!value.includes("${")) return;
    let segments: readonly TemplateSegment[];
    try {
      segments = segmentsOf(value);
    } catch (e) {
      errors.push(`${e instanceof Error ? e.message : String(e)} at ${path}`);
      return;
    }
    const sources = segments.flatMap((s) => (s.kind === "expr" ? [s.source] : []));
    sources.forEach((source, k) => {
      const where = sources.length === 1 ? path : `${path} (expression ${k + 1})`;
      const error = validateExpression(source, allowedRoots, where);
      if (error !== null) errors.push(error);
    });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectTemplateErrors(item, allowedRoots, `${path}[${i}]`, errors));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) collectTemplateErrors(item, allowedRoots, `${path}.${key}`, errors);
  }
}

/**
 * Render a template field against `{state, outputs, ...locals}`: strings are interpolated,
 * mappings and lists rendered recursively (keys as is), other values returned unchanged.
 * A string that is one `${…}` (blank text around it) keeps the value's type; otherwise the
 * result is text (strings as is, null as "", the rest as Python json.dumps text).
 * Throws ExpressionError on a malformed template or a failed evaluation.
 */
export function renderTemplate(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === "string") return renderString(value, context);
  if (Array.isArray(value)) return value.map((item) => renderTemplate(item, context));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const rendered = renderTemplate(item, context);
      // Keep "__proto__" an own key rather than a prototype change.
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value: rendered, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = rendered;
      }
    }
    return out;
  }
  return value;
}

function renderString(value: string, context: Record<string, unknown>): unknown {
  if (!value.includes("${")) return value;
  const segments = segmentsOf(value);
  let expressions = 0;
  let blank = true;
  for (const segment of segments) {
    if (segment.kind === "expr") expressions++;
    else if (!pyIsBlank(segment.text)) blank = false;
  }
  if (expressions === 1 && blank) {
    const only = segments.find((s) => s.kind === "expr");
    if (only?.kind === "expr") return evaluateSegment(only.source, context);
  }
  let text = "";
  for (const segment of segments) {
    text += segment.kind === "text" ? segment.text : evaluateSegmentText(segment.source, context);
  }
  return text;
}
