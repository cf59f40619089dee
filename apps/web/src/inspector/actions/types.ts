import type { Mapping } from "../types";

/** What every action editor gets: the raw action mapping, where it is, and how to replace it. */
export interface ActionEditorProps {
  action: Mapping;
  /** The action's definition path (`methods.m.do`, `methods.m.do.do[0].action`). */
  path: string;
  /** CEL roots its expressions may read (each steps also see `item`). */
  roots: readonly string[];
  /** Put before every label so nested editors stay uniquely named ("Step 1 "). */
  prefix: string;
  onChange: (next: Mapping) => void;
}
