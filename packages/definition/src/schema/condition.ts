import { z } from "zod";

/**
 * A trigger condition: an event name, or `{and: [...]}` / `{or: [...]}` over conditions.
 * CrewAI's loader accepts any mapping here (a mapping without and/or only fails at run time), so the
 * schema does too; `diagnose` warns about malformed trees.
 */
export type Condition = string | ConditionTree;
export interface ConditionTree {
  and?: Condition[];
  or?: Condition[];
  [key: string]: unknown;
}

export const conditionSchema: z.ZodType<Condition> = z.union([
  z.string(),
  z.record(z.string(), z.unknown()) as z.ZodType<ConditionTree>,
]);

/** The children of a tree node and its operator (`and` wins when both keys are present, as in CrewAI). */
export function conditionNode(tree: ConditionTree): { op: "and" | "or"; children: Condition[] } | null {
  if (Array.isArray(tree.and)) return { op: "and", children: tree.and };
  if (Array.isArray(tree.or)) return { op: "or", children: tree.or };
  return null;
}

/** Every event name the condition mentions, in first-seen order. */
export function conditionLeaves(condition: Condition | null | undefined): string[] {
  const out: string[] = [];
  const walk = (c: unknown): void => {
    if (typeof c === "string") {
      if (!out.includes(c)) out.push(c);
      return;
    }
    if (c && typeof c === "object" && !Array.isArray(c)) {
      for (const key of ["and", "or"] as const) {
        const children = (c as ConditionTree)[key];
        if (Array.isArray(children)) children.forEach(walk);
      }
    }
  };
  walk(condition);
  return out;
}

/** Whether the tree references `name` anywhere (CrewAI's self-listen check walks both keys). */
export function conditionReferences(condition: Condition | null | undefined, name: string): boolean {
  return conditionLeaves(condition).includes(name);
}
