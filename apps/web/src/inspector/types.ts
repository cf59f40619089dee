import type { FlowDefinition } from "@crewflow/definition";

/** One validation error or warning, located by a dotted definition path (`methods.m.do.expr`). */
export interface Problem {
  severity: "error" | "warning";
  message: string;
  path: string;
  /** The method the path is under (`methods.<name>…`), if any. */
  method?: string;
}

export type DefinitionChange = (next: FlowDefinition) => void;

export interface MethodInspectorProps {
  definition: FlowDefinition;
  /** The selected method's name (a key of `definition.methods`). */
  name: string;
  problems: readonly Problem[];
  onChange: DefinitionChange;
  onRename: (from: string, to: string) => void;
  readOnly?: boolean;
}

export interface FlowInspectorProps {
  definition: FlowDefinition;
  problems: readonly Problem[];
  onChange: DefinitionChange;
  readOnly?: boolean;
}

/** A JSON-like mapping as it comes from YAML: edits must keep keys they do not know. */
export type Mapping = Record<string, unknown>;
