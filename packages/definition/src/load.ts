// Loading a flow document: text → YAML/JSON data → schema → cross-field rules → diagnostics.
// Mirrors CrewAI's FlowDefinition.from_declaration (§8.1) but collects every problem with its path
// instead of raising the first, so the editor and the CLI can show them all.
import { type Document, isCollection, isSeq, LineCounter, parseDocument, type Tags, visit } from "yaml";
import type { core } from "zod";
import { type Diagnostic, error, formatPath } from "./diagnostics";
import {
  checkActionCel,
  checkActionCrews,
  checkActionRefs,
  checkMethodName,
  checkSelfListen,
  CONVERSATIONAL_BUILTINS,
  isConversational,
  loggedIssues,
} from "./rules";
import { FLOW_ROOTS } from "./cel";
import { methodSchema } from "./schema/method";
import { type FlowDefinition, flowDefinitionSchema } from "./schema/flow";
import { diagnose } from "./semantics";

export interface LoadOptions {
  /** Where the text came from; relative crew paths are checked against its directory. */
  sourcePath?: string;
}

export interface LoadResult {
  definition: FlowDefinition | null;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** The text's mapping as written, before validation (`x-crewflow` included); absent when the text did not parse. */
  data?: unknown;
}

/**
 * YAML 1.1 because CrewAI reads files with PyYAML (`yes`/`on` are booleans there). PyYAML's boolean
 * words exclude `y`/`n`, which the `yaml` package's 1.1 schema accepts, so its bool tags are narrowed.
 */
export const YAML_OPTIONS = {
  version: "1.1",
  uniqueKeys: false,
  prettyErrors: false,
  customTags: (tags: Tags) => tags.map(narrowBool),
} as const;

const PYYAML_BOOL: Record<string, RegExp> = {
  true: /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
  false: /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
};

function narrowBool(tag: Tags[number]): Tags[number] {
  if (typeof tag !== "object" || tag.tag !== "tag:yaml.org,2002:bool" || !("test" in tag) || !tag.test) return tag;
  const word = tag.test.test("true") ? "true" : "false";
  return { ...tag, test: PYYAML_BOOL[word]! };
}

/** Parse YAML or JSON text (JSON is read as YAML, as CrewAI does) and validate it. */
export function loadDefinitionText(text: string, options: LoadOptions = {}): LoadResult {
  if (!text.trim()) {
    const message = options.sourcePath
      ? `Flow declaration file is empty: ${options.sourcePath}`
      : "Flow declaration contents are empty";
    return failed([error("", message)]);
  }
  const read = readYaml(text, options.sourcePath);
  if (read.errors.length > 0) return failed(read.errors);
  const data = read.data;
  return { ...validateDefinition(data, options), data };
}

/**
 * YAML text as plain data, with the loader's guards: syntax errors, collection keys and hostile aliases
 * come back as diagnostics that say where, never as a throw, a warning or a structure that contains
 * itself. Flow files and crew declarations are both read through this.
 */
export function readYaml(text: string, sourcePath?: string): { data: unknown; errors: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  const where = (offset: number): string => {
    const at = lineCounter.linePos(offset);
    return sourcePath ? `${sourcePath}:${at.line}:${at.col}` : `line ${at.line}, column ${at.col}`;
  };
  const refused = (errors: Diagnostic[]) => ({ data: undefined, errors });
  if (document.errors.length > 0)
    return refused(document.errors.map((problem) => error("", `YAML syntax error at ${where(problem.pos[0])}: ${firstLine(problem.message)}`)));
  // A mapping or sequence used as a key (`? [a, b]: x`, `{a: 1}: x`) has no JSON form; PyYAML refuses it as
  // an unhashable key, so CrewAI cannot open the file. Say where, instead of stringifying it with a warning.
  const complexKeys = collectionKeys(document);
  if (complexKeys.length > 0)
    return refused(complexKeys.map((key) => error("", `YAML key at ${where(key.offset)} is a ${key.kind}; keys must be plain values such as names`)));
  // Aliases are where YAML turns hostile: a few lines can expand to billions of nodes ("billion laughs")
  // or to a structure that contains itself. Both are refused with a message, never thrown or stored.
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = firstLine((err as Error).message);
    const limit = /alias count/i.test(message) ? ` (at most ${MAX_ALIAS_COUNT} alias expansions are allowed)` : "";
    return refused([error("", `YAML aliases: ${message}${limit}`)]);
  }
  const cycle = cyclePath(data);
  if (cycle !== null) return refused([error(cycle, "YAML aliases: this node contains itself (a recursive alias); flows must be trees")]);
  return { data, errors: [] };
}

/** Mappings and sequences used as mapping keys, which JSON and PyYAML cannot represent. */
export function collectionKeys(document: Document.Parsed): { offset: number; kind: "mapping" | "sequence" }[] {
  const found: { offset: number; kind: "mapping" | "sequence" }[] = [];
  visit(document, {
    Pair(_, pair) {
      if (isCollection(pair.key)) found.push({ offset: pair.key.range?.[0] ?? 0, kind: isSeq(pair.key) ? "sequence" : "mapping" });
    },
  });
  return found;
}

/** Alias expansions a document may use (`yaml`'s `maxAliasCount`); real flows use a handful. */
export const MAX_ALIAS_COUNT = 100;

/** The dotted path of the first node that contains itself, or null for a tree. */
export function cyclePath(value: unknown): string | null {
  const onPath = new Set<object>();
  const walk = (node: unknown, path: string): string | null => {
    if (node === null || typeof node !== "object") return null;
    if (onPath.has(node)) return path;
    onPath.add(node);
    const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [`${path}[${i}]`, v]) : Object.entries(node).map(([k, v]) => [path ? `${path}.${k}` : k, v]);
    for (const [childPath, child] of entries) {
      const found = walk(child, childPath);
      if (found !== null) return found;
    }
    onPath.delete(node);
    return null;
  };
  return walk(value, "");
}

/** Validate already-parsed data (a mapping from YAML/JSON or from the editor). */
export function validateDefinition(data: unknown, options: LoadOptions = {}): LoadResult {
  if (data === null || typeof data !== "object" || Array.isArray(data))
    return failed([error("", "Flow declaration must contain a mapping")]);

  const errors: Diagnostic[] = [];
  const parsed = flowDefinitionSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) errors.push(...parsed.error.issues.flatMap(issueToDiagnostics));

  // Method rules run per method even when another part of the file is broken, so one pass shows them all.
  const rawMethods = (data as Record<string, unknown>).methods;
  const conversational = isConversational(parsed.success ? parsed.data : { conversational: readConversational(data) });
  const warnings: Diagnostic[] = [];
  if (rawMethods && typeof rawMethods === "object" && !Array.isArray(rawMethods)) {
    for (const [name, raw] of Object.entries(rawMethods)) {
      errors.push(...checkMethodName(name));
      const method = methodSchema.safeParse(raw, { reportInput: true });
      if (!method.success) continue;
      const path = `methods.${name}`;
      errors.push(...checkSelfListen(name, method.data.listen, conversational));
      errors.push(...checkActionCel(method.data.do, `${path}.do`, FLOW_ROOTS));
      if (!(conversational && CONVERSATIONAL_BUILTINS.has(name))) errors.push(...checkActionRefs(method.data.do, `${path}.do`));
      errors.push(...checkActionCrews(method.data.do, `${path}.do`, options.sourcePath !== undefined));
      warnings.push(...loggedIssues(name, method.data));
    }
  }
  const unique = dedupe(errors);
  if (unique.length > 0 || !parsed.success) return { definition: null, errors: unique, warnings };
  return { definition: parsed.data, errors: [], warnings: [...warnings, ...diagnose(parsed.data)] };
}

function readConversational(data: object): { enabled?: boolean } | null {
  const block = (data as Record<string, unknown>).conversational;
  return block && typeof block === "object" ? (block as { enabled?: boolean }) : null;
}

function failed(errors: Diagnostic[]): LoadResult {
  return { definition: null, errors, warnings: [] };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/** Zod issues in CrewAI's (pydantic's) words, one diagnostic per offending key. */
function issueToDiagnostics(issue: core.$ZodIssue): Diagnostic[] {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((key) =>
      error(formatPath([...issue.path, key]), `Extra inputs are not permitted (unknown key '${key}')`, "extra_forbidden"),
    );
  if (issue.code === "invalid_type" && issue.input === undefined) return [error(path, "Field required", "missing")];
  if (issue.code === "invalid_union" && issue.errors.length > 0 && !issue.message.startsWith("Input tag")) {
    // A plain union (e.g. start: bool | condition): report the branch that got furthest.
    const deepest = issue.errors.flat().sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest && deepest.path.length > 0)
      return issueToDiagnostics({ ...deepest, path: [...issue.path, ...deepest.path] } as core.$ZodIssue);
  }
  return [error(path, issue.message)];
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
