/** The method kinds a flow is built from, in palette order (see shared/design/ui.md). */
export const NODE_KINDS = [
  { kind: "start", label: "Start", glyph: "○", hint: "Entry point: runs when the flow starts" },
  { kind: "listen", label: "Listen", glyph: "◎", hint: "Runs when the methods it listens to finish" },
  { kind: "router", label: "Router", glyph: "◇", hint: "Emits one label; listeners of that label run next" },
  { kind: "and-or", label: "And/Or", glyph: "⊕", hint: "Joins branches: all (and) or any (or)" },
  { kind: "crew", label: "Crew", glyph: "☰", hint: "Runs a crew of agents and tasks" },
  { kind: "agent", label: "Agent", glyph: "☺", hint: "Runs a single agent" },
  { kind: "expression", label: "Expression", glyph: "ƒ", hint: "Computes a value from state" },
  { kind: "each", label: "Each", glyph: "⟳", hint: "Runs a step for every item of a list" },
  { kind: "script", label: "Script", glyph: "</>", hint: "Runs a script" },
  { kind: "human", label: "Human", glyph: "✋", hint: "Waits for human feedback" },
] as const;

export type NodeKind = (typeof NODE_KINDS)[number]["kind"];

export function kindInfo(kind: NodeKind): (typeof NODE_KINDS)[number] {
  const info = NODE_KINDS.find((k) => k.kind === kind);
  if (!info) throw new Error(`unknown node kind ${kind}`);
  return info;
}
