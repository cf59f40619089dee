// Minimal edits of a YAML flow file. The `yaml` AST (with source tokens) locates every node; the
// change between the file's data and the editor's data is then spliced into the original text, so
// comments, quoting, blank lines and untouched lines stay exactly as written. New nodes are
// rendered by the `yaml` stringifier (YAML 1.1, the file's indentation) in block style, or in flow
// style inside a flow collection. A node that cannot be edited in place is re-rendered whole.
import {
  Document,
  type Node as YamlNode,
  Pair,
  type ParsedNode,
  Scalar,
  type ToStringOptions,
  YAMLMap,
  YAMLSeq,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  visit,
} from "yaml";
import { YAML_OPTIONS } from "../load";
import {
  type PlainObject,
  deepEqual,
  isPlainObject,
  isScalarValue,
  planMap,
  planSeq,
} from "./values";
import { type Eol, type TextEdit, applyTextEdits, detectEol, indentRest, lineEnd, lineStart, nextLineStart } from "./text";

export interface YamlStyle {
  /** Spaces per nesting level. */
  indent: number;
  /** `key:\n  - a` (true) or `key:\n- a` (false). */
  indentSeq: boolean;
  /** `[ a, b ]` (true) or `[a, b]` (false). */
  flowPadding: boolean;
  eol: Eol;
}

const CREATE = { aliasDuplicateObjects: false } as const;

/** The file's own layout conventions, read from its first nested mapping, list and flow collection. */
export function detectYamlStyle(doc: Document.Parsed, text: string): YamlStyle {
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  let flowPadding: boolean | undefined;
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as ParsedNode | null;
      const value = pair.value as ParsedNode | null;
      if (!key?.range || !value?.range || !atLineStart(text, key.range[0])) return;
      const keyColumn = column(text, key.range[0]);
      if (indent === undefined && isMap(value) && !value.flow) {
        const first = value.items[0]?.key as ParsedNode | null | undefined;
        if (first?.range && atLineStart(text, first.range[0])) {
          const step = column(text, first.range[0]) - keyColumn;
          if (step > 0) indent = step;
        }
      }
      if (indentSeq === undefined && isSeq(value) && !value.flow && value.srcToken?.type === "block-seq") {
        const dash = value.srcToken.items[0]?.start.find((token) => token.type === "seq-item-ind");
        if (dash) indentSeq = column(text, dash.offset) > keyColumn;
      }
    },
    Node(_, node) {
      if (flowPadding === undefined && (isMap(node) || isSeq(node)) && node.flow && node.items.length > 0 && node.range)
        flowPadding = text[node.range[0] + 1] === " ";
    },
  });
  return { indent: indent ?? 2, indentSeq: indentSeq ?? true, flowPadding: flowPadding ?? false, eol: detectEol(text) };
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

function atLineStart(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === "";
}

/** Thrown when a node cannot be edited in place: the caller writes the new value over it. */
class NeedsReplace extends Error {
  constructor() {
    super("node needs replacing");
  }
}

interface Context {
  text: string;
  doc: Document.Parsed;
  style: YamlStyle;
  /** Anchors whose content changes: their aliases must be written out. */
  dirty: Set<string>;
}

/** One entry of a block collection: a `key: value` pair or a `- item`. */
interface Entry {
  /** Where the entry's own text begins (the key, `?`, or `-`). */
  start: number;
  /** Its column, the indentation of new siblings. */
  column: number;
  /** It shares its line with a parent indicator (`- key: v`), so it cannot be removed as whole lines. */
  inline: boolean;
  /** Just past the `:` or `-`: a replaced value is written from here. */
  valueStart: number;
  /** Start of the line after the entry (its trailing comment and comment lines indented under it included). */
  end: number;
  value: ParsedNode | null;
}

interface MapEntry extends Entry {
  pair: Pair<ParsedNode | null, ParsedNode | null>;
  /** Its key as the data sees it, `MERGE` for `<<`, null for keys we cannot name. */
  key: string | typeof MERGE | null;
  explicitKey: boolean;
}

const MERGE = Symbol("merge");

/** The new text for the document, or throws when the data cannot be written in place. */
export function spliceYaml(doc: Document.Parsed, text: string, old: unknown, next: unknown, style: YamlStyle): string {
  const context: Context = { text, doc, style, dirty: new Set() };
  const edits: TextEdit[] = [];
  const root = doc.contents as ParsedNode | null;
  try {
    diffNode(root, old, next, context, edits, { column: 0, inFlow: false });
  } catch (problem) {
    if (!(problem instanceof NeedsReplace)) throw problem;
    edits.length = 0;
    const rendered = renderDocument(next, style);
    if (!root) {
      const separator = text === "" || text.endsWith("\n") ? "" : "\n";
      edits.push({ start: text.length, end: text.length, text: `${separator}${rendered}\n` });
    } else {
      edits.push({ start: root.range[0], end: contentEnd(root, text), text: rendered });
    }
  }
  return applyTextEdits(text, edits, style.eol);
}

interface Where {
  /** Column of the entry that owns the node: continuation lines are indented from it. */
  column: number;
  inFlow: boolean;
}

function diffNode(node: ParsedNode | null, old: unknown, next: unknown, c: Context, out: TextEdit[], where: Where): void {
  if (deepEqual(old, next) && !hasDirtyAlias(node, c)) return;
  if (!node || isAlias(node) || node.tag !== undefined) throw new NeedsReplace();
  const before = out.length;
  if (isScalar(node)) {
    if (!isScalarValue(next) || node.range[1] <= node.range[0]) throw new NeedsReplace();
    out.push(scalarEdit(node, next, c, where));
  } else if (node.flow) {
    const local: TextEdit[] = [];
    try {
      diffFlowCollection(node, old, next, c, local);
      out.push(...local);
    } catch (problem) {
      if (!(problem instanceof NeedsReplace) || !(isPlainObject(next) || Array.isArray(next))) throw problem;
      markDirty(node, c);
      out.push({ start: node.range[0], end: node.range[1], text: renderFlow(next, c) });
    }
  } else if (isMap(node) && isPlainObject(old) && isPlainObject(next)) {
    diffBlockMap(node, old, next, c, out);
  } else if (isSeq(node) && Array.isArray(old) && Array.isArray(next)) {
    diffBlockSeq(node, old, next, c, out);
  } else {
    throw new NeedsReplace();
  }
  if (out.length > before && node.anchor) c.dirty.add(node.anchor);
}

// ── Scalars ────────────────────────────────────────────────────────────────────────────────────

function scalarEdit(node: Scalar.Parsed, next: unknown, c: Context, where: Where): TextEdit {
  const scalar = new Scalar(next);
  // Keep the author's quoting/block style when a string stays a string.
  if (typeof next === "string" && typeof node.value === "string" && node.type) scalar.type = node.type;
  if (where.inFlow) {
    if (scalar.type === "BLOCK_LITERAL" || scalar.type === "BLOCK_FOLDED") delete scalar.type;
    return { start: node.range[0], end: node.range[1], text: renderFlow(scalar, c) };
  }
  // A multi-line string in a quoted style would fold oddly: let the stringifier pick (block literal).
  if (typeof next === "string" && next.includes("\n") && scalar.type !== "BLOCK_LITERAL" && scalar.type !== "BLOCK_FOLDED")
    delete scalar.type;
  const render = (value: unknown) => renderBlockValue(value, c, where.column, undefined).replace(/^ /, "");
  return splice(node.range[0], contentEnd(node, c.text), render(scalar), c.text, () => render(oneLine(next)));
}

/** The value on one line: a double-quoted string, a flow collection. */
function oneLine(value: unknown): Scalar | InFlow {
  if (!isScalarValue(value)) return new InFlow(value);
  const scalar = new Scalar(value);
  if (typeof value === "string") scalar.type = "QUOTE_DOUBLE";
  return scalar;
}

/** Marks a value to be rendered as a flow collection. */
class InFlow {
  constructor(readonly value: unknown) {}
}

/** A first line after which a comment may follow: nothing, props, a block scalar header. */
const COMMENTABLE_FIRST_LINE = /^\s*(?:[&!]\S*\s*)*(?:[|>][-+0-9]*)?\s*$/;

/**
 * Replace `[start, end)` by `rendered`. A comment after `end` on the same line moves to the end of
 * the rendering's first line, so a multi-line rendering (a block scalar) never swallows it; when
 * that line cannot take a comment, `oneLine` gives a single-line rendering instead.
 */
function splice(start: number, end: number, rendered: string, text: string, oneLine?: () => string): TextEdit {
  const eol = lineEnd(text, end);
  const trailing = text.slice(end, eol);
  if (trailing.trim() === "") return { start, end: eol, text: rendered };
  const newline = rendered.indexOf("\n");
  if (newline < 0) return { start, end, text: rendered };
  const first = rendered.slice(0, newline);
  if (!COMMENTABLE_FIRST_LINE.test(first)) {
    const single = oneLine?.();
    if (single === undefined || single.includes("\n")) throw new Error("cannot keep the trailing comment");
    return { start, end, text: single };
  }
  return { start, end: eol, text: first + trailing + rendered.slice(newline) };
}

/** End of a node's own text, before the line break(s) a block node includes. */
function contentEnd(node: ParsedNode, text: string): number {
  let end = node.range[1];
  while (end > node.range[0] && (text[end - 1] === "\n" || text[end - 1] === "\r")) end -= 1;
  return end;
}

// ── Flow collections ───────────────────────────────────────────────────────────────────────────

/** Same keys / same length: edit the values in place; anything else re-renders the collection. */
function diffFlowCollection(node: YAMLMap.Parsed | YAMLSeq.Parsed, old: unknown, next: unknown, c: Context, out: TextEdit[]): void {
  if (isMap(node) && isPlainObject(old) && isPlainObject(next)) {
    const keys = node.items.map((pair) => keyString(pair.key));
    const unique = new Set(keys);
    const nextKeys = Object.keys(next);
    if (
      unique.size !== keys.length ||
      keys.some((key) => typeof key !== "string" || !Object.hasOwn(next, key)) ||
      nextKeys.length !== keys.length
    )
      throw new NeedsReplace();
    node.items.forEach((pair, index) => {
      const key = keys[index] as string;
      diffFlowValue(pair.value as ParsedNode | null, old[key], next[key], c, out);
    });
    return;
  }
  if (isSeq(node) && Array.isArray(old) && Array.isArray(next) && old.length === next.length && node.items.length === old.length) {
    node.items.forEach((item, index) => diffFlowValue(item as ParsedNode | null, old[index], next[index], c, out));
    return;
  }
  throw new NeedsReplace();
}

function diffFlowValue(node: ParsedNode | null, old: unknown, next: unknown, c: Context, out: TextEdit[]): void {
  const local: TextEdit[] = [];
  try {
    diffNode(node, old, next, c, local, { column: 0, inFlow: true });
    out.push(...local);
  } catch (problem) {
    if (!(problem instanceof NeedsReplace) || !node || node.range[1] <= node.range[0] || node.tag !== undefined) throw problem;
    markDirty(node, c);
    out.push({ start: node.range[0], end: node.range[1], text: renderFlow(next, c) });
  }
}

// ── Block mappings ─────────────────────────────────────────────────────────────────────────────

function mapEntries(map: YAMLMap.Parsed, c: Context): MapEntry[] {
  if (map.srcToken?.type !== "block-map") throw new NeedsReplace();
  return map.items.map((pair) => {
    const item = pair.srcToken;
    const colon = item?.sep?.find((token) => token.type === "map-value-ind");
    if (!item || !colon) throw new NeedsReplace();
    const key = pair.key as ParsedNode | null;
    const value = pair.value as ParsedNode | null;
    const props = item.start.filter((token) => !["space", "comment", "newline"].includes(token.type));
    const start = Math.min(...props.map((token) => token.offset), key?.range[0] ?? colon.offset);
    return {
      ...entryAt(start, colon.offset + 1, value, c.text),
      pair: pair as Pair<ParsedNode | null, ParsedNode | null>,
      key: keyString(key),
      explicitKey: props.some((token) => token.type === "explicit-key-ind"),
    };
  });
}

function entryAt(start: number, valueStart: number, value: ParsedNode | null, text: string): Entry {
  const column = start - lineStart(text, start);
  return {
    start,
    column,
    inline: !atLineStart(text, start),
    valueStart,
    end: entryEnd(text, value ? value.range[1] : valueStart, column),
    value,
  };
}

/** The line after an entry; comment lines indented deeper than the entry still belong to it. */
function entryEnd(text: string, contentEndOffset: number, entryColumn: number): number {
  let end = contentEndOffset > 0 && text[contentEndOffset - 1] === "\n" ? contentEndOffset : nextLineStart(text, contentEndOffset);
  while (end < text.length) {
    const after = nextLineStart(text, end);
    const indent = /^( *)#/.exec(text.slice(end, after));
    if (!indent || indent[1]!.length <= entryColumn) break;
    end = after;
  }
  return end;
}

/** The key a mapping entry has in the parsed data (`yaml`'s own rule), `MERGE` for `<<`. */
function keyString(key: unknown): string | typeof MERGE | null {
  if (key === null) return "";
  if (!isScalar(key)) return null;
  if (typeof key.value === "symbol") return MERGE;
  if (key.value === null) return "";
  if (typeof key.value === "object") return null;
  return String(key.value);
}

function diffBlockMap(map: YAMLMap.Parsed, old: PlainObject, next: PlainObject, c: Context, out: TextEdit[]): void {
  const entries = mapEntries(map, c);
  if (entries.some((entry) => entry.key === null)) throw new NeedsReplace();
  const last = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (typeof entry.key === "string") last.set(entry.key, index);
  });
  const target = withoutMergedKeys(entries, last, old, next, c);
  const oldKeys = [...last.entries()].sort((a, b) => a[1] - b[1]).map(([key]) => key);
  const plan = planMap(oldKeys, Object.fromEntries(oldKeys.map((key) => [key, old[key]])), target);
  if (plan.kept.length === 0) throw new NeedsReplace();
  const renames = new Map(plan.kept.map(({ from, to }) => [from, to]));

  const removed = entries.map((entry, index) => {
    if (typeof entry.key !== "string") return false;
    if (plan.deleted.has(entry.key)) return true;
    // An earlier duplicate of a renamed key would resurface under the old name.
    return last.get(entry.key) !== index && renames.get(entry.key) !== entry.key;
  });
  if (entries[0]!.inline && (removed[0] || (plan.inserted.has(null) && entries[0]!.key !== MERGE))) throw new NeedsReplace();

  out.push(...removalEdits(entries, removed, c.text));
  entries.forEach((entry, index) => {
    const key = entry.key;
    if (typeof key !== "string") return;
    if (removed[index]) {
      markDirty(entry.pair.key, c);
      markDirty(entry.value, c);
      return;
    }
    if (last.get(key) !== index) return;
    const to = renames.get(key)!;
    if (to !== key) {
      const keyNode = entry.pair.key;
      if (entry.explicitKey || !keyNode || !isScalar(keyNode) || keyNode.tag !== undefined) throw new NeedsReplace();
      out.push({ start: keyNode.range[0], end: keyNode.range[1], text: renderKey(to, c) });
    }
    diffEntryValue(entry, old[key], next[to], c, out, "map");
  });
  // Overrides of merged keys read best right after the `<<` entries.
  const lastMerge = entries.findLastIndex((entry) => entry.key === MERGE);
  for (const [after, keys] of plan.inserted) {
    const blocks = keys.map((key) => renderPair(key, next[key], c));
    const position = after === null ? (lastMerge >= 0 ? lastMerge : null) : last.get(after)!;
    out.push(insertionEdit(entries, position, blocks, c.text));
  }
}

/**
 * With `<<` merge keys, keys the merge provides and `next` keeps unchanged are not the mapping's
 * own; a changed one becomes an explicit (overriding) key. Deleting a merged key, or an explicit
 * key that a merge also provides, cannot be done in place.
 */
function withoutMergedKeys(entries: MapEntry[], explicit: Map<string, number>, old: PlainObject, next: PlainObject, c: Context): PlainObject {
  const merges = entries.filter((entry) => entry.key === MERGE);
  if (merges.length === 0) return next;
  if (merges.some((entry) => hasDirtyAlias(entry.value, c))) throw new NeedsReplace();
  const merged = new Set<string>();
  for (const entry of merges) {
    const sources: unknown = entry.value?.toJS(c.doc);
    for (const source of Array.isArray(sources) ? sources : [sources])
      if (isPlainObject(source)) Object.keys(source).forEach((key) => merged.add(key));
  }
  for (const key of Object.keys(old)) if (!explicit.has(key) && !Object.hasOwn(next, key)) throw new NeedsReplace();
  for (const key of explicit.keys()) if (!Object.hasOwn(next, key) && merged.has(key)) throw new NeedsReplace();
  return Object.fromEntries(
    Object.entries(next).filter(([key, value]) => explicit.has(key) || !Object.hasOwn(old, key) || !deepEqual(old[key], value)),
  );
}

/** Edit an entry's value in place, or write the new value over it from just after its `:`/`-`. */
function diffEntryValue(entry: Entry, old: unknown, next: unknown, c: Context, out: TextEdit[], kind: "map" | "seq"): void {
  const local: TextEdit[] = [];
  try {
    diffNode(entry.value, old, next, c, local, { column: entry.column, inFlow: false });
    out.push(...local);
  } catch (problem) {
    if (!(problem instanceof NeedsReplace)) throw problem;
    markDirty(entry.value, c);
    const anchor = entry.value?.anchor;
    const render = (value: unknown) =>
      kind === "map" ? renderBlockValue(value, c, entry.column, anchor) : renderItemValue(value, c, entry.column, anchor);
    const end = entry.value ? Math.max(contentEnd(entry.value, c.text), entry.valueStart) : entry.valueStart;
    out.push(splice(entry.valueStart, end, render(next), c.text, () => render(oneLine(next))));
  }
}

// ── Block sequences ────────────────────────────────────────────────────────────────────────────

function seqEntries(seq: YAMLSeq.Parsed, c: Context): Entry[] {
  const token = seq.srcToken;
  if (token?.type !== "block-seq") throw new NeedsReplace();
  return seq.items.map((item, index) => {
    const dash = token.items[index]?.start.find((t) => t.type === "seq-item-ind");
    if (!dash) throw new NeedsReplace();
    return entryAt(dash.offset, dash.offset + 1, item as ParsedNode | null, c.text);
  });
}

function diffBlockSeq(seq: YAMLSeq.Parsed, old: unknown[], next: unknown[], c: Context, out: TextEdit[]): void {
  const entries = seqEntries(seq, c);
  const plan = planSeq(old, next);
  if (entries.length !== old.length || next.length === 0 || plan.target.every((index) => index < 0)) throw new NeedsReplace();
  if (entries[0]!.inline && (plan.target[0]! < 0 || (plan.inserted.length > 0 && plan.insertAfter < 0))) throw new NeedsReplace();
  out.push(...removalEdits(entries, plan.target.map((index) => index < 0), c.text));
  entries.forEach((entry, index) => {
    const to = plan.target[index]!;
    if (to < 0) {
      markDirty(entry.value, c);
    } else {
      diffEntryValue(entry, old[index], next[to], c, out, "seq");
    }
  });
  if (plan.inserted.length > 0) {
    const blocks = plan.inserted.map((index) => renderItem(next[index], c));
    out.push(insertionEdit(entries, plan.insertAfter < 0 ? null : plan.insertAfter, blocks, c.text));
  }
}

// ── Removals and insertions ─────────────────────────────────────────────────────────────────────────────────

/**
 * Removed entries as whole lines, a run of adjacent ones at a time. Blank lines separating entries
 * go with the run: those after it, or those before it when it ends the collection. Comment lines
 * above a removed entry stay (they may head a section).
 */
function removalEdits(entries: Entry[], removed: boolean[], text: string): TextEdit[] {
  const out: TextEdit[] = [];
  for (let first = 0; first < entries.length; first += 1) {
    if (!removed[first]) continue;
    let lastRemoved = first;
    while (lastRemoved + 1 < entries.length && removed[lastRemoved + 1]) lastRemoved += 1;
    let start = lineStart(text, entries[first]!.start);
    let end = entries[lastRemoved]!.end;
    if (lastRemoved + 1 < entries.length) {
      const limit = lineStart(text, entries[lastRemoved + 1]!.start);
      while (end < limit && text.slice(end, nextLineStart(text, end)).trim() === "") end = nextLineStart(text, end);
    } else if (first > 0) {
      const limit = entries[first - 1]!.end;
      while (start > limit && text.slice(lineStart(text, start - 1), start).trim() === "") start = lineStart(text, start - 1);
    }
    out.push({ start, end, text: "" });
    first = lastRemoved;
  }
  return out;
}

/**
 * New entries (rendered at column 0) after entry `after`, or before the first entry, at the
 * siblings' column; separated by a blank line when the siblings are.
 */
function insertionEdit(entries: Entry[], after: number | null, blocks: string[], text: string): TextEdit {
  const first = entries[0]!;
  const pad = " ".repeat(first.column);
  const spaced = isSpaced(entries, text);
  const indented = blocks.map((block) => pad + indentRest(block, pad));
  if (after === null) {
    // Whole lines before the first entry's line (never inline: callers re-render that case).
    const at = lineStart(text, first.start);
    return { start: at, end: at, text: `${indented.join(spaced ? "\n\n" : "\n")}\n${spaced ? "\n" : ""}` };
  }
  const at = entries[after]!.end;
  const noFinalNewline = at === text.length && !text.endsWith("\n");
  const body = indented.map((block) => `${spaced ? "\n" : ""}${block}\n`).join("");
  return { start: at, end: at, text: noFinalNewline ? `\n${body.slice(0, -1)}` : body };
}

function isSpaced(entries: Entry[], text: string): boolean {
  for (let index = 0; index + 1 < entries.length; index += 1) {
    const between = text.slice(entries[index]!.end, lineStart(text, entries[index + 1]!.start));
    if (between.split("\n").some((line, i, all) => i < all.length - 1 && line.trim() === "")) return true;
  }
  return false;
}

// ── Aliases and anchors ────────────────────────────────────────────────────────────────────────

function hasDirtyAlias(node: YamlNode | null | undefined, c: Context): boolean {
  if (!node || c.dirty.size === 0) return false;
  if (isAlias(node)) return c.dirty.has(node.source);
  let found = false;
  visit(node, {
    Alias(_, alias) {
      if (!c.dirty.has(alias.source)) return undefined;
      found = true;
      return visit.BREAK;
    },
  });
  return found;
}

/** Every anchor inside a replaced or deleted node changes: later aliases to it get written out. */
function markDirty(node: YamlNode | null | undefined, c: Context): void {
  if (!node) return;
  visit(node, {
    Node(_, inner) {
      if (inner.anchor) c.dirty.add(inner.anchor);
    },
  });
}

// ── Rendering ──────────────────────────────────────────────────────────────────────────────────

export function yamlToStringOptions(style: YamlStyle): ToStringOptions {
  return {
    indent: style.indent,
    indentSeq: style.indentSeq,
    flowCollectionPadding: style.flowPadding,
    lineWidth: 0,
    minContentWidth: 0,
    doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER,
  };
}

function newDocument(): Document {
  return new Document(null, { version: YAML_OPTIONS.version, ...CREATE });
}

function toNode(doc: Document, value: unknown): YamlNode {
  if (isNode(value)) return quoteMergeKeys(value);
  if (value instanceof InFlow) return singleLineStrings(quoteMergeKeys(doc.createNode(value.value, { ...CREATE, flow: true })));
  return quoteMergeKeys(doc.createNode(value, CREATE));
}

/** Line breaks in strings as `\n` escapes, so that a flow collection stays on its line. */
function singleLineStrings<T extends YamlNode>(node: T): T {
  visit(node, {
    Scalar(_, scalar) {
      if (typeof scalar.value === "string" && /[\n\r]/.test(scalar.value)) scalar.type = "QUOTE_DOUBLE";
    },
  });
  return node;
}

/** A plain `<<` key is a merge in YAML 1.1 and the stringifier does not quote it; a string key `<<` must be. */
function quoteMergeKeys<T extends YamlNode | Document>(node: T): T {
  visit(node, {
    Pair(_, pair) {
      // Quotes alone are not enough: `yaml` identifies the string "<<" as the merge tag.
      if (isScalar(pair.key) && pair.key.value === "<<") Object.assign(pair.key, { type: "QUOTE_DOUBLE", tag: "tag:yaml.org,2002:str" });
    },
  });
  return node;
}

function stringify(doc: Document, style: YamlStyle, extra: ToStringOptions = {}): string {
  return doc.toString({ ...yamlToStringOptions(style), ...extra });
}

/** A whole document's content (no trailing newline). */
export function renderDocument(value: unknown, style: YamlStyle): string {
  const doc = newDocument();
  doc.contents = toNode(doc, value);
  return stringify(doc, style).replace(/\n$/, "");
}

/** A mapping value as written after `key:` (leading space or newline included), for an entry at `column`. */
function renderBlockValue(value: unknown, c: Context, entryColumn: number, anchor: string | undefined): string {
  const doc = newDocument();
  const node = toNode(doc, value);
  if (anchor) node.anchor = anchor;
  doc.contents = new YAMLMap();
  (doc.contents as YAMLMap).items.push(new Pair(new Scalar("k"), node));
  const rendered = stringify(doc, c.style).replace(/\n$/, "");
  return indentRest(rendered.slice(2), " ".repeat(entryColumn));
}

/** A list item's value as written after `-`. */
function renderItemValue(value: unknown, c: Context, entryColumn: number, anchor: string | undefined): string {
  const doc = newDocument();
  const node = toNode(doc, value);
  if (anchor) node.anchor = anchor;
  doc.contents = new YAMLSeq();
  (doc.contents as YAMLSeq).items.push(node);
  const rendered = stringify(doc, c.style).replace(/\n$/, "");
  return indentRest(rendered.slice(1), " ".repeat(entryColumn));
}

/** `key: value` lines at column 0. */
function renderPair(key: string, value: unknown, c: Context): string {
  const doc = newDocument();
  doc.contents = new YAMLMap();
  (doc.contents as YAMLMap).items.push(new Pair(new Scalar(key), toNode(doc, value)));
  quoteMergeKeys(doc);
  const rendered = stringify(doc, c.style).replace(/\n$/, "");
  if (rendered.startsWith("?")) throw new NeedsReplace();
  return rendered;
}

/** `- value` lines at column 0. */
function renderItem(value: unknown, c: Context): string {
  const doc = newDocument();
  doc.contents = new YAMLSeq();
  (doc.contents as YAMLSeq).items.push(toNode(doc, value));
  return stringify(doc, c.style).replace(/\n$/, "");
}

function renderKey(key: string, c: Context): string {
  const rendered = renderPair(key, 0, c);
  if (rendered.includes("\n") || !rendered.endsWith(": 0")) throw new NeedsReplace();
  return rendered.slice(0, -3);
}

/** A value in flow style on one line (inside `[…]`/`{…}`, or replacing a flow collection). */
function renderFlow(value: unknown, c: Context): string {
  const doc = newDocument();
  const seq = new YAMLSeq();
  seq.flow = true;
  seq.items.push(toNode(doc, value));
  doc.contents = seq;
  singleLineStrings(seq);
  const rendered = stringify(doc, c.style, { collectionStyle: "flow" }).trim();
  if (!rendered.startsWith("[") || !rendered.endsWith("]") || rendered.includes("\n")) throw new NeedsReplace();
  return rendered.slice(1, -1).trim();
}

// ── Fallback: the yaml Document API ───────────────────────────────────────────────────────────

/**
 * Update a clone of the parsed document with the Document API and print it whole. Used only when
 * the splice cannot express a change: comments survive, but `yaml` may re-flow untouched lines.
 */
export function rewriteYaml(doc: Document.Parsed, next: unknown, style: YamlStyle): string {
  const copy = doc.clone() as Document;
  copy.contents = syncNode(copy, copy.contents as YamlNode | null, next);
  return quoteMergeKeys(copy).toString(yamlToStringOptions(style));
}

function syncNode(doc: Document, node: YamlNode | null, next: unknown): YamlNode {
  if (node && isAlias(node)) {
    const target = node.resolve(doc);
    return target && deepEqual(target.toJS(doc), next) ? node : doc.createNode(next, CREATE);
  }
  if (node && isMap(node) && isPlainObject(next) && !node.items.some((pair) => keyString(pair.key) === MERGE)) {
    node.items = node.items.filter((pair) => {
      const key = keyString(pair.key);
      return typeof key === "string" && Object.hasOwn(next, key);
    });
    let previous = -1;
    for (const [key, value] of Object.entries(next)) {
      const index = node.items.findLastIndex((pair) => keyString(pair.key) === key);
      if (index >= 0) {
        const pair = node.items[index]!;
        pair.value = syncNode(doc, pair.value as YamlNode | null, value);
        previous = index;
      } else {
        node.items.splice(previous + 1, 0, doc.createPair(key, value, CREATE));
        previous += 1;
      }
    }
    return node;
  }
  if (node && isSeq(node) && Array.isArray(next)) {
    node.items = next.map((value, index) =>
      index < node.items.length ? syncNode(doc, node.items[index] as YamlNode | null, value) : doc.createNode(value, CREATE),
    );
    return node;
  }
  if (node && isScalar(node) && isScalarValue(next)) {
    if (!deepEqual(node.value, next)) {
      node.value = next;
      if (typeof next !== "string") delete node.type;
    }
    return node;
  }
  return doc.createNode(next, CREATE);
}
