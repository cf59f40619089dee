// A flow file as the editor holds it: the exact text plus what it parses to. Edits go through
// `updateDocument`, which rewrites only what changed, so an unmodified document serialises to the
// original bytes and an edited one differs only where it was edited.
import { type Document, parseDocument } from "yaml";
import type { ParseError } from "jsonc-parser";
import { type LoadResult, MAX_ALIAS_COUNT, YAML_OPTIONS, collectionKeys, cyclePath, loadDefinitionText, validateDefinition } from "../load";
import { type JsonNode, detectJsonStyle, parseJson, renderJsonDocument, spliceJson } from "./json";
import { deepEqual, normalizeValue } from "./values";
import { detectYamlStyle, renderDocument, rewriteYaml, spliceYaml } from "./yaml";

export type DocumentFormat = "yaml" | "json";

export interface OpenDocumentOptions {
  /** Where the text came from (relative crew paths are checked against its directory). */
  sourcePath?: string;
  /** Detected when absent: JSON when the first non-blank character is `{`. */
  format?: DocumentFormat;
}

interface FlowDocumentBase {
  /** The file's text; `serializeDocument` returns it as is. */
  readonly text: string;
  readonly sourcePath: string | undefined;
  /** The parsed data (normally the flow mapping); null when the text does not parse. */
  readonly data: unknown;
  /** Whether `text` parsed without syntax errors (an empty file parses, to null). */
  readonly syntaxValid: boolean;
  /** Validation as CrewAI's loader would do it (`loadDefinitionText`). */
  readonly load: LoadResult;
}

export interface YamlFlowDocument extends FlowDocumentBase {
  readonly format: "yaml";
  /** The parsed YAML (comments and source tokens kept). Treat as read-only. */
  readonly yaml: Document.Parsed;
}

export interface JsonFlowDocument extends FlowDocumentBase {
  readonly format: "json";
  /** jsonc-parser's syntax tree (undefined for an empty text). */
  readonly json: JsonNode | undefined;
  readonly jsonErrors: readonly ParseError[];
}

export type FlowDocument = YamlFlowDocument | JsonFlowDocument;

export function detectFormat(text: string): DocumentFormat {
  return text.replace(/^\uFEFF/, "").trimStart().startsWith("{") ? "json" : "yaml";
}

export function openDocument(text: string, options: OpenDocumentOptions = {}): FlowDocument {
  const format = options.format ?? detectFormat(text);
  return withLoad(parseText(text, format), text, options.sourcePath);
}

function withLoad(parsed: Parsed, text: string, sourcePath: string | undefined): FlowDocument {
  const options = sourcePath === undefined ? {} : { sourcePath };
  // Parsed YAML is exactly what the loader would parse again; JSON is loaded as YAML, as CrewAI does.
  const load =
    parsed.format === "yaml" && parsed.syntaxValid && text.trim()
      ? validateDefinition(parsed.data, options)
      : loadDefinitionText(text, options);
  return { ...parsed, text, sourcePath, load };
}

type Parsed =
  | { format: "yaml"; yaml: Document.Parsed; data: unknown; syntaxValid: boolean }
  | { format: "json"; json: JsonNode | undefined; jsonErrors: ParseError[]; data: unknown; syntaxValid: boolean };

function parseText(text: string, format: DocumentFormat): Parsed {
  if (format === "json") {
    const { tree, errors, data } = parseJson(text);
    return { format, json: tree, jsonErrors: errors, data, syntaxValid: errors.length === 0 && (tree !== undefined || !text.trim()) };
  }
  const yaml = parseDocument(text, { ...YAML_OPTIONS, keepSourceTokens: true });
  let data: unknown = null;
  // Collection keys, like syntax errors, leave the document to the loader, which names where they are.
  let syntaxValid = yaml.errors.length === 0 && collectionKeys(yaml).length === 0;
  if (syntaxValid) {
    try {
      data = yaml.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      if (cyclePath(data) !== null) {
        data = null;
        syntaxValid = false;
      }
    } catch {
      syntaxValid = false;
    }
  }
  return { format, yaml, data, syntaxValid };
}

/** The document's text: the original bytes when nothing was changed. */
export function serializeDocument(doc: FlowDocument): string {
  return doc.text;
}

/**
 * A document holding `next` (the whole new flow mapping, as the editor produces it), written as
 * the smallest change to the current text: changed scalars replaced in place, new keys after their
 * previous sibling, deleted keys removed, a key renamed in place when its value is unchanged,
 * lists edited item by item; comments and untouched lines are kept. The result is re-parsed and
 * checked against `next`; should a minimal edit not reproduce it, the document is rewritten whole
 * (through the `yaml` Document API, which still keeps comments). A document whose text does not
 * parse is replaced by a fresh rendering of `next`.
 */
export function updateDocument(doc: FlowDocument, next: unknown): FlowDocument {
  const target = normalizeValue(next);
  if (doc.syntaxValid && deepEqual(doc.data, target)) return doc;
  for (const write of writers(doc, target)) {
    let text: string;
    try {
      text = write();
    } catch {
      continue; // The next writer is less minimal but more general.
    }
    const parsed = parseText(text, doc.format);
    if (parsed.syntaxValid && deepEqual(parsed.data, target)) return withLoad(parsed, text, doc.sourcePath);
  }
  throw new Error("The flow data cannot be written as " + (doc.format === "json" ? "JSON" : "YAML"));
}

function writers(doc: FlowDocument, target: unknown): Array<() => string> {
  const finalNewline = doc.text === "" || doc.text.endsWith("\n");
  if (doc.format === "json") {
    const style = detectJsonStyle(doc.text);
    const fresh = () => renderJsonDocument(target, style, finalNewline);
    if (!doc.syntaxValid || !doc.json) return [fresh];
    const tree = doc.json;
    return [() => spliceJson(doc.text, tree, doc.data, target, style), fresh];
  }
  const style = detectYamlStyle(doc.yaml, doc.text);
  const eol = style.eol;
  const fresh = () => withEol(renderDocument(target, style), eol) + (finalNewline ? eol : "");
  // JSON is YAML: the last resort for values the YAML stringifier cannot round-trip.
  const asJson = () => withEol(escapeLineSeparators(JSON.stringify(target, null, style.indent) ?? "null"), eol) + eol;
  if (!doc.syntaxValid) return [fresh, asJson];
  return [() => spliceYaml(doc.yaml, doc.text, doc.data, target, style), () => withEol(rewriteYaml(doc.yaml, target, style), eol), fresh, asJson];
}

function withEol(text: string, eol: string): string {
  return eol === "\n" ? text : text.replace(/\r?\n/g, eol);
}

/** YAML 1.1 treats U+0085/U+2028/U+2029 as line breaks, even inside quotes. */
function escapeLineSeparators(text: string): string {
  return text.replace(/[\u0085\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
