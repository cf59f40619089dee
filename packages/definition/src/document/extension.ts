// Reading and writing Crewflow's `x-crewflow` block. A broken block must never make a CrewAI-valid
// file invalid, so bad parts are dropped with a warning instead of an error.
import type { z } from "zod";
import { type Diagnostic, formatPath, warning } from "../diagnostics";
import { EXTENSION_KEY } from "../schema/flow";
import {
  CREWFLOW_EXTENSION_VERSION,
  type CrewflowExtension,
  canvasNoteSchema,
  methodGroupSchema,
  nodeLayoutSchema,
  viewportSchema,
} from "../schema/extension";
import { type FlowDocument, updateDocument } from "./document";
import { type PlainObject, isPlainObject, setOwn } from "./values";

export const INVALID_EXTENSION = "invalid_extension";

const KNOWN_KEYS = ["version", "nodes", "viewport", "notes", "groups"] as const;

/** The valid parts of `data["x-crewflow"]`, and a warning (path `x-crewflow.…`) for each part dropped. */
export function readExtension(data: unknown): { extension: CrewflowExtension; warnings: Diagnostic[] } {
  const extension: CrewflowExtension = {};
  const warnings: Diagnostic[] = [];
  const raw = isPlainObject(data) ? data[EXTENSION_KEY] : undefined;
  if (raw === undefined || raw === null) return { extension, warnings };
  const drop = (path: PropertyKey[], message: string) =>
    warnings.push(warning(formatPath([EXTENSION_KEY, ...path]), `${message}; ignored`, INVALID_EXTENSION));
  if (!isPlainObject(raw)) {
    drop([], `${EXTENSION_KEY} must be a mapping`);
    return { extension, warnings };
  }

  if (raw.version !== undefined) {
    if (raw.version === CREWFLOW_EXTENSION_VERSION) extension.version = CREWFLOW_EXTENSION_VERSION;
    else drop(["version"], `unsupported ${EXTENSION_KEY} version ${JSON.stringify(raw.version)} (expected ${CREWFLOW_EXTENSION_VERSION})`);
  }

  if (raw.nodes !== undefined) {
    if (!isPlainObject(raw.nodes)) drop(["nodes"], "nodes must be a mapping of method name to position");
    else {
      const nodes: NonNullable<CrewflowExtension["nodes"]> = {};
      for (const [id, value] of Object.entries(raw.nodes)) {
        const parsed = parsePart(nodeLayoutSchema, value, ["nodes", id], drop);
        if (parsed) setOwn(nodes as PlainObject, id, parsed);
      }
      extension.nodes = nodes;
    }
  }

  if (raw.viewport !== undefined) {
    const viewport = parsePart(viewportSchema, raw.viewport, ["viewport"], drop);
    if (viewport) extension.viewport = viewport;
  }

  if (raw.notes !== undefined) {
    const notes = parseList(canvasNoteSchema, raw.notes, "notes", drop);
    if (notes) extension.notes = notes;
  }

  if (raw.groups !== undefined) {
    const groups = parseList(methodGroupSchema, raw.groups, "groups", drop);
    if (groups) extension.groups = groups;
  }
  return { extension, warnings };
}

type Drop = (path: PropertyKey[], message: string) => void;

function parsePart<T extends z.ZodType>(schema: T, value: unknown, path: PropertyKey[], drop: Drop): z.output<T> | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  drop([...path, ...(issue?.path ?? [])], issue ? issue.message : "invalid value");
  return null;
}

/** A list of items with unique ids; invalid items and repeated ids are dropped one by one. */
function parseList<T extends z.ZodType<{ id: string }>>(schema: T, value: unknown, key: string, drop: Drop): Array<z.output<T>> | null {
  if (!Array.isArray(value)) {
    drop([key], `${key} must be a list`);
    return null;
  }
  const seen = new Set<string>();
  const out: Array<z.output<T>> = [];
  value.forEach((item, index) => {
    const parsed = parsePart(schema, item, [key, index], drop);
    if (!parsed) return;
    if (seen.has(parsed.id)) {
      drop([key, index, "id"], `duplicate id ${JSON.stringify(parsed.id)}`);
      return;
    }
    seen.add(parsed.id);
    out.push(parsed);
  });
  return out;
}

/**
 * The document with `extension` as its `x-crewflow` block, changing nothing outside it (the block
 * is appended at the end of the file when absent). Keys of an existing block that Crewflow does
 * not know are kept; known parts absent from `extension` are removed, and an empty block is
 * removed. A document that is not a mapping is returned unchanged.
 */
export function setLayout(doc: FlowDocument, extension: CrewflowExtension): FlowDocument {
  if (!doc.syntaxValid || !isPlainObject(doc.data)) return doc;
  const current = doc.data[EXTENSION_KEY];
  const block: PlainObject = {};
  const known = new Set<string>(KNOWN_KEYS);
  const given = extension as PlainObject;
  if (isPlainObject(current))
    for (const [key, value] of Object.entries(current)) {
      if (!known.has(key)) setOwn(block, key, value);
      else if (given[key] !== undefined) setOwn(block, key, given[key]);
    }
  for (const key of KNOWN_KEYS) if (given[key] !== undefined && !Object.hasOwn(block, key)) block[key] = given[key];

  // Existing keys keep their place whatever the order here; a new block goes last (end of file).
  const next: PlainObject = {};
  for (const [key, value] of Object.entries(doc.data)) if (key !== EXTENSION_KEY) setOwn(next, key, value);
  if (Object.keys(block).length > 0) next[EXTENSION_KEY] = block;
  return updateDocument(doc, next);
}
