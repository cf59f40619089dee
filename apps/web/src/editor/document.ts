// From a stored flow text to what the editor holds (the definition as written, the canvas layout
// from `x-crewflow`) and back: saves rewrite only what changed (the definition package's lossless
// document layer keeps comments and untouched lines).
import { EXTENSION_KEY, type FlowDefinition, openDocument, readExtension, updateDocument, YAML_OPTIONS } from "@crewflow/definition";
import { parseDocument } from "yaml";
import type { Layout } from "./graph";

export interface OpenedText {
  /** The flow mapping as written, without `x-crewflow` (layout lives beside it). */
  definition: FlowDefinition;
  layout: Layout;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Only the data: opening a large flow must be fast, so neither the lossless document (built when
 * saving) nor validation (the problems list does it, after the first paint) happens here.
 */
export function openText(text: string, written?: unknown): OpenedText {
  // The server sends the mapping it parsed (flows.get's `data`); parse here only without it.
  const raw: unknown = written !== undefined && written !== null ? written : parseData(text);
  const data = isMapping(raw) ? raw : {};
  const { [EXTENSION_KEY]: _extension, ...rest } = data;
  const { extension } = readExtension(data);
  const layout: Layout = {};
  for (const [id, node] of Object.entries(extension.nodes ?? {})) layout[id] = { x: node.x, y: node.y };
  const definition = rest as unknown as FlowDefinition;
  return { definition, layout };
}

function parseData(text: string): unknown {
  const parsed = parseDocument(text, YAML_OPTIONS);
  return parsed.errors.length === 0 ? parsed.toJS({ maxAliasCount: 1000 }) : null;
}

/**
 * The text to save: the document rewritten to hold `definition`, with the positions of the nodes
 * that exist in `x-crewflow.nodes` (the block's other keys are kept).
 */
export function composeText(baseText: string | null, definition: FlowDefinition, layout: Layout, nodeIds: readonly string[]): string {
  const document = openDocument(baseText ?? "", { sourcePath: "flow.yaml" });
  const existing = isMapping(document.data) ? document.data[EXTENSION_KEY] : undefined;
  const block: Record<string, unknown> = isMapping(existing) ? { ...existing } : {};
  const nodes: Record<string, { x: number; y: number }> = {};
  for (const id of nodeIds) {
    const at = layout[id];
    if (at) nodes[id] = { x: Math.round(at.x), y: Math.round(at.y) };
  }
  block.version = 1;
  block.nodes = nodes;
  const { [EXTENSION_KEY]: _stale, ...plain } = definition as Record<string, unknown>;
  const data = { ...plain, [EXTENSION_KEY]: block };
  return updateDocument(document, data).text;
}
