// Minimal edits of a JSON flow file, located with jsonc-parser's syntax tree and spliced into the
// original text. (jsonc-parser's own `modify` re-formats the lines around each edit, e.g. it
// expands a neighbouring one-line object or a one-line list it inserts into, so it is not used.)
import { type Node as JsonNode, type ParseError, type ParseOptions, parseTree } from "jsonc-parser";
import { type PlainObject, deepEqual, isPlainObject, planMap, planSeq, setOwn } from "./values";
import { type Eol, type TextEdit, applyTextEdits, detectEol, lineIndent } from "./text";

export type { JsonNode };

export interface JsonStyle {
  /** One indentation level: spaces or a tab. */
  unit: string;
  eol: Eol;
}

export const JSON_PARSE_OPTIONS: ParseOptions = { allowTrailingComma: true, disallowComments: false };

export function parseJson(text: string): { tree: JsonNode | undefined; errors: ParseError[]; data: unknown } {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, JSON_PARSE_OPTIONS);
  return { tree, errors, data: tree && errors.length === 0 ? jsonValue(tree) : null };
}

function jsonValue(node: JsonNode): unknown {
  if (node.type === "object") {
    const out: PlainObject = {};
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key && value) setOwn(out, String(key.value), jsonValue(value));
    }
    return out;
  }
  if (node.type === "array") return (node.children ?? []).map(jsonValue);
  return node.value as unknown;
}

/** The indentation of the first indented line (the first nesting level of a pretty-printed file). */
export function detectJsonStyle(text: string): JsonStyle {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  const unit = indent === undefined ? "  " : indent.startsWith("\t") ? "\t" : indent;
  return { unit, eol: detectEol(text) };
}

/** The whole value pretty-printed in the file's style (for new or unreadable files). */
export function renderJsonDocument(value: unknown, style: JsonStyle, finalNewline: boolean): string {
  const text = JSON.stringify(value, null, style.unit) ?? "null";
  return (style.eol === "\n" ? text : text.replace(/\n/g, style.eol)) + (finalNewline ? style.eol : "");
}

class NeedsReplace extends Error {
  constructor() {
    super("node needs replacing");
  }
}

interface Context {
  text: string;
  style: JsonStyle;
}

/** The new text, with only the changed parts rewritten. */
export function spliceJson(text: string, tree: JsonNode, old: unknown, next: unknown, style: JsonStyle): string {
  const c: Context = { text, style };
  const edits: TextEdit[] = [];
  try {
    diffJson(tree, old, next, c, edits);
  } catch (problem) {
    if (!(problem instanceof NeedsReplace)) throw problem;
    edits.length = 0;
    const rendered = JSON.stringify(next, null, style.unit) ?? "null";
    edits.push({ start: tree.offset, end: tree.offset + tree.length, text: rendered });
  }
  return applyTextEdits(text, edits, style.eol);
}

interface Entry {
  start: number;
  end: number;
  key: JsonNode | undefined;
  value: JsonNode;
}

function diffJson(node: JsonNode, old: unknown, next: unknown, c: Context, out: TextEdit[]): void {
  if (deepEqual(old, next)) return;
  if (node.type === "object" && isPlainObject(old) && isPlainObject(next)) diffObject(node, old, next, c, out);
  else if (node.type === "array" && Array.isArray(old) && Array.isArray(next)) diffArray(node, old, next, c, out);
  else throw new NeedsReplace();
}

function objectEntries(node: JsonNode): Entry[] {
  return (node.children ?? []).map((property) => {
    const [key, value] = property.children ?? [];
    if (!key || !value) throw new NeedsReplace();
    return { start: property.offset, end: property.offset + property.length, key, value };
  });
}

function diffObject(node: JsonNode, old: PlainObject, next: PlainObject, c: Context, out: TextEdit[]): void {
  const entries = objectEntries(node);
  const last = new Map<string, number>();
  entries.forEach((entry, index) => last.set(String(entry.key!.value), index));
  const oldKeys = [...last.entries()].sort((a, b) => a[1] - b[1]).map(([key]) => key);
  const plan = planMap(oldKeys, old, next);
  if (plan.kept.length === 0) throw new NeedsReplace();
  const renames = new Map(plan.kept.map(({ from, to }) => [from, to]));
  const format = containerFormat(node, c);
  const removed = entries.map((entry, index) => {
    const key = String(entry.key!.value);
    // Earlier duplicates of a deleted or renamed key go too, or they would resurface.
    return plan.deleted.has(key) || (last.get(key) !== index && renames.get(key) !== key);
  });
  out.push(...removals(entries, removed));
  entries.forEach((entry, index) => {
    const key = String(entry.key!.value);
    if (removed[index] || last.get(key) !== index) return;
    const to = renames.get(key)!;
    if (to !== key) out.push({ start: entry.key!.offset, end: entry.key!.offset + entry.key!.length, text: JSON.stringify(to) });
    diffValue(entry, node, old[key], next[to], c, out);
  });
  for (const [after, keys] of plan.inserted) {
    const rendered = keys.map((key) => `${JSON.stringify(key)}${format.colon}${renderValue(next[key], node, entries[0]!, c)}`);
    out.push(insertion(entries, after === null ? null : last.get(after)!, rendered, format));
  }
}

function diffArray(node: JsonNode, old: unknown[], next: unknown[], c: Context, out: TextEdit[]): void {
  const entries: Entry[] = (node.children ?? []).map((value) => ({ start: value.offset, end: value.offset + value.length, key: undefined, value }));
  const plan = planSeq(old, next);
  if (entries.length !== old.length || next.length === 0 || plan.target.every((index) => index < 0)) throw new NeedsReplace();
  out.push(...removals(entries, plan.target.map((index) => index < 0)));
  entries.forEach((entry, index) => {
    const to = plan.target[index]!;
    if (to >= 0) diffValue(entry, node, old[index], next[to], c, out);
  });
  if (plan.inserted.length > 0) {
    const rendered = plan.inserted.map((index) => renderValue(next[index], node, entries[0]!, c));
    out.push(insertion(entries, plan.insertAfter < 0 ? null : plan.insertAfter, rendered, containerFormat(node, c)));
  }
}

function diffValue(entry: Entry, container: JsonNode, old: unknown, next: unknown, c: Context, out: TextEdit[]): void {
  const local: TextEdit[] = [];
  try {
    diffJson(entry.value, old, next, c, local);
    out.push(...local);
  } catch (problem) {
    if (!(problem instanceof NeedsReplace)) throw problem;
    out.push({ start: entry.value.offset, end: entry.value.offset + entry.value.length, text: renderValue(next, container, entry, c) });
  }
}

/**
 * Removed entries, a run at a time: a run followed by a kept entry is cut up to that entry (its
 * comma and the line break go with it); a run at the end is cut from the end of the entry before.
 */
function removals(entries: Entry[], removed: boolean[]): TextEdit[] {
  const out: TextEdit[] = [];
  for (let first = 0; first < entries.length; first += 1) {
    if (!removed[first]) continue;
    let lastRemoved = first;
    while (lastRemoved + 1 < entries.length && removed[lastRemoved + 1]) lastRemoved += 1;
    if (lastRemoved + 1 < entries.length) out.push({ start: entries[first]!.start, end: entries[lastRemoved + 1]!.start, text: "" });
    else if (first > 0) out.push({ start: entries[first - 1]!.end, end: entries[lastRemoved]!.end, text: "" });
    else throw new NeedsReplace();
    first = lastRemoved;
  }
  return out;
}

interface ContainerFormat {
  /** Text between entries after the comma: a line break plus indentation, or a space. */
  separator: string;
  colon: string;
}

function containerFormat(node: JsonNode, c: Context): ContainerFormat {
  const source = c.text.slice(node.offset, node.offset + node.length);
  const first = node.children?.[0];
  const colon = /"\s*:\s/.test(source) || !/"\s*:/.test(source) ? ": " : ":";
  if (!first || !source.includes("\n")) return { separator: /,\S/.test(source) ? "" : " ", colon };
  return { separator: `\n${lineIndent(c.text, first.offset)}`, colon };
}

/** New entries after entry `after` (or before the first), joined by the container's separator. */
function insertion(entries: Entry[], after: number | null, rendered: string[], format: ContainerFormat): TextEdit {
  if (after === null) {
    const at = entries[0]!.start;
    return { start: at, end: at, text: rendered.map((item) => `${item},${format.separator}`).join("") };
  }
  const at = entries[after]!.end;
  return { start: at, end: at, text: rendered.map((item) => `,${format.separator}${item}`).join("") };
}

/**
 * A value for an entry of `container`: on one line when the container is on one line, otherwise
 * pretty-printed and indented from the entry's line.
 */
function renderValue(value: unknown, container: JsonNode, entry: Entry, c: Context): string {
  const source = c.text.slice(container.offset, container.offset + container.length);
  if (!source.includes("\n")) return compactJson(value, /,\s/.test(source) || !source.includes(","), /^[[{][ \t]/.test(source));
  const pretty = JSON.stringify(value, null, c.style.unit) ?? "null";
  return pretty.replace(/\n/g, `\n${lineIndent(c.text, entry.start)}`);
}

function compactJson(value: unknown, spaced: boolean, padded: boolean): string {
  const comma = spaced ? ", " : ",";
  const colon = spaced ? ": " : ":";
  const pad = padded ? " " : "";
  if (Array.isArray(value))
    return value.length === 0 ? "[]" : `[${pad}${value.map((item) => compactJson(item, spaced, padded)).join(comma)}${pad}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    return `{${pad}${entries.map(([key, item]) => `${JSON.stringify(key)}${colon}${compactJson(item, spaced, padded)}`).join(comma)}${pad}}`;
  }
  return JSON.stringify(value) ?? "null";
}
