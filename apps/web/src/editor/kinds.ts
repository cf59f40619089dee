// The palette: every kind of method a user can add, what a fresh one looks like, and its name.
import type { FlowDefinition, MethodDefinition } from "@crewflow/definition";

export type PaletteKind =
  | "start"
  | "listen"
  | "router"
  | "and"
  | "or"
  | "crew"
  | "agent"
  | "expression"
  | "each"
  | "script"
  | "human_feedback";

export interface PaletteItem {
  kind: PaletteKind;
  label: string;
  glyph: string;
  hint: string;
}

/** In palette order (shared/design/ui.md). Accessible names are "Add <label>". */
export const PALETTE: readonly PaletteItem[] = [
  { kind: "start", label: "Start", glyph: "○", hint: "Runs when the flow starts" },
  { kind: "listen", label: "Listen", glyph: "◎", hint: "Runs when the methods it listens to finish" },
  { kind: "router", label: "Router", glyph: "◇", hint: "Returns a label; listeners of that label run next" },
  { kind: "and", label: "And join", glyph: "⊕", hint: "Fires when all of its inputs have fired" },
  { kind: "or", label: "Or join", glyph: "⊖", hint: "Fires when any of its inputs fires" },
  { kind: "crew", label: "Crew", glyph: "☰", hint: "Runs a crew of agents and tasks" },
  { kind: "agent", label: "Agent", glyph: "☺", hint: "Runs a single agent" },
  { kind: "expression", label: "Expression", glyph: "ƒ", hint: "Computes a value with CEL" },
  { kind: "each", label: "Each", glyph: "⟳", hint: "Runs steps for every item of a list" },
  { kind: "script", label: "Script", glyph: "</>", hint: "Runs a sandboxed script" },
  { kind: "human_feedback", label: "Human feedback", glyph: "⚑", hint: "Asks a person to review the result" },
];

/** The HTML5 drag-and-drop type a palette item carries. */
export const KIND_MIME = "application/crewflow-kind";

export function isPaletteKind(value: string): value is PaletteKind {
  return PALETTE.some((item) => item.kind === value);
}

export const isJoinKind = (kind: PaletteKind): kind is "and" | "or" => kind === "and" || kind === "or";

/** A fresh method of a kind: valid where a default can be, the rest is filled in the inspector. */
export function newMethod(kind: Exclude<PaletteKind, "and" | "or">): MethodDefinition {
  const expression = (expr: string) => ({ call: "expression" as const, expr });
  switch (kind) {
    case "start":
      return { start: true, do: expression("state") } as MethodDefinition;
    case "listen":
      return { do: expression("state") } as MethodDefinition;
    case "router":
      return { do: expression('"yes"'), router: true, emit: ["yes", "no"] } as MethodDefinition;
    case "crew":
      return { do: { call: "crew", with: { agents: {}, tasks: [] } } } as unknown as MethodDefinition;
    case "agent":
      return { do: { call: "agent", with: { role: "", goal: "", backstory: "", input: "" } } } as MethodDefinition;
    case "expression":
      return { do: expression("state") } as MethodDefinition;
    case "each":
      return { do: { call: "each", in: "state.items", do: [{ name: "step_1", action: expression("item") }] } } as unknown as MethodDefinition;
    case "script":
      return { do: { call: "script", language: "javascript", code: "return state;" } } as MethodDefinition;
    case "human_feedback":
      return { do: expression("state"), human_feedback: { message: "Please review the result." } } as MethodDefinition;
  }
}

/** `<base>_<n>` with the smallest n ≥ 1 no method (or other taken name) has. */
export function freshName(base: string, taken: (name: string) => boolean): string {
  for (let n = 1; ; n++) {
    const name = `${base}_${n}`;
    if (!taken(name)) return name;
  }
}

export function methodTaken(definition: FlowDefinition): (name: string) => boolean {
  const methods = definition.methods ?? {};
  return (name) => Object.hasOwn(methods, name);
}
