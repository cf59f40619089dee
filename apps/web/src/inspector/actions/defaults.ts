import { ACTION_CALLS, type ActionCall } from "@crewflow/definition";
import type { Mapping } from "../types";

export type ActionChoice = "none" | ActionCall;

// The schema's action calls, most used first ("none" leaves `do` out, which the problems list flags).
const PREFERRED: readonly string[] = ["crew", "agent", "expression", "each", "script", "code", "tool"];

/** The Action select's choices, from the definition package's list of calls. */
export const ACTION_CHOICES: readonly { value: ActionChoice; label: string }[] = [
  { value: "none", label: "none" },
  ...[...ACTION_CALLS]
    .sort((a, b) => rank(a) - rank(b))
    .map((call) => ({ value: call, label: call })),
];

function rank(call: string): number {
  const index = PREFERRED.indexOf(call);
  return index < 0 ? PREFERRED.length : index;
}

/** A fresh action of a kind, with the fields a user fills first. */
export function newAction(call: Exclude<ActionChoice, "none">): Mapping {
  switch (call) {
    case "crew":
      return { call, with: { agents: {}, tasks: [] } };
    case "agent":
      return { call, with: { role: "", goal: "", backstory: "", input: "" } };
    case "expression":
      return { call, expr: "" };
    case "each":
      return { call, in: "", do: [{ name: "step_1", action: { call: "expression", expr: "item" } }] };
    case "script":
      return { call, code: "" };
    case "code":
    case "tool":
      return { call, ref: "" };
  }
}

/** The call of a raw action; a mapping without `call` is a code action (CrewAI's default). */
export function callOf(action: unknown): ActionChoice | string {
  if (action === undefined || action === null) return "none";
  if (typeof action !== "object" || Array.isArray(action)) return "invalid";
  const call = (action as Mapping).call;
  return call === undefined ? "code" : String(call);
}
