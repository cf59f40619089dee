// Condition-tree utilities shared by the graph view, the editing helpers and `diagnose`.
// Trees come from YAML, so children are `unknown`: the loader accepts any mapping (§2.6.1) and
// anything inside its lists, and every walker here must survive that.
import { type Condition, type ConditionTree, conditionNode } from "../schema/condition";

/** One node of a condition as the graph draws it. */
export type ConditionPart =
  | { kind: "leaf"; event: string }
  /** `rest` = the mapping's other keys (e.g. an `or` ignored because `and` wins), kept verbatim. */
  | { kind: "tree"; op: "and" | "or"; children: unknown[]; rest: Record<string, unknown> }
  /** A mapping with no and/or list, or a non-string, non-mapping value: loads, crashes at run time. */
  | { kind: "invalid"; value: unknown };

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Classify a condition node; the operator follows `conditionNode` (`and` wins when both are lists). */
export function classify(value: unknown): ConditionPart {
  if (typeof value === "string") return { kind: "leaf", event: value };
  if (!isMapping(value)) return { kind: "invalid", value };
  const node = conditionNode(value as ConditionTree);
  if (!node) return { kind: "invalid", value };
  const rest = Object.fromEntries(Object.entries(value).filter(([key]) => key !== node.op));
  return { kind: "tree", op: node.op, children: node.children, rest };
}

/** The inverse of `classify` for trees: `{op: children, ...rest}`. */
export function makeTree(op: "and" | "or", children: unknown[], rest: Record<string, unknown> = {}): ConditionTree {
  return Object.fromEntries([[op, children], ...Object.entries(rest)]) as ConditionTree;
}

/**
 * How CrewAI itself reads a mapping (`and` key first, then `or`, else KeyError): the reason it would
 * crash, or null. Stricter than `classify`, which draws `{and: "x", or: [...]}` as an `or`.
 */
export function malformedReason(value: unknown): string | null {
  if (typeof value === "string") return null;
  if (!isMapping(value)) return `a condition entry must be an event name or an and/or mapping, not ${describe(value)}`;
  for (const key of ["and", "or"] as const) {
    if (!Object.hasOwn(value, key)) continue;
    return Array.isArray(value[key]) ? null : `'${key}' must hold a list of conditions, not ${describe(value[key])}`;
  }
  return "a condition mapping needs an 'and' or an 'or' key";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Whether the condition holds when exactly the events for which `has` is true were seen.
 * Anything CrewAI would crash on counts as never satisfied.
 */
export function satisfied(condition: unknown, has: (event: string) => boolean): boolean {
  if (typeof condition === "string") return has(condition);
  if (malformedReason(condition) !== null) return false;
  const tree = condition as Record<string, unknown>;
  if (Object.hasOwn(tree, "and")) return (tree.and as unknown[]).every((c) => satisfied(c, has));
  return (tree.or as unknown[]).some((c) => satisfied(c, has));
}

/** Every malformed spot of a condition (CrewAI's reading), in tree order. */
export function malformedParts(condition: unknown): string[] {
  const out: string[] = [];
  const walk = (c: unknown): void => {
    const reason = malformedReason(c);
    if (reason) {
      out.push(reason);
      return;
    }
    if (typeof c === "string") return;
    const tree = c as Record<string, unknown>;
    const children = (Object.hasOwn(tree, "and") ? tree.and : tree.or) as unknown[];
    children.forEach(walk);
  };
  walk(condition);
  return out;
}

/**
 * Replace every leaf equal to `from` by `to` (structure, order and extra keys untouched). Both the
 * `and` and the `or` list of a mapping are rewritten, as CrewAI's self-listen check reads both.
 */
export function renameLeaf(condition: unknown, from: string, to: string): unknown {
  if (typeof condition === "string") return condition === from ? to : condition;
  if (!isMapping(condition)) return condition;
  return Object.fromEntries(
    Object.entries(condition).map(([key, value]) =>
      (key === "and" || key === "or") && Array.isArray(value) ? [key, value.map((c) => renameLeaf(c, from, to))] : [key, value],
    ),
  );
}

/**
 * Remove every leaf equal to `event`. A node emptied by the removal disappears from its parent, and a
 * node the removal shrank to one child is replaced by that child (so disconnect undoes connect's
 * `string → {or: [old, new]}`); nodes the removal did not touch keep their shape. `undefined` when
 * nothing is left.
 */
export function removeLeaf(condition: unknown, event: string): unknown {
  const part = classify(condition);
  if (part.kind === "leaf") return part.event === event ? undefined : condition;
  if (part.kind === "invalid") return condition;
  const kept: unknown[] = [];
  let changed = false;
  for (const child of part.children) {
    const next = removeLeaf(child, event);
    if (next !== child) changed = true;
    if (next !== undefined) kept.push(next);
  }
  // An ignored list (the `or` beside a winning `and`) loses the leaf too, but never collapses.
  const rest = Object.fromEntries(
    Object.entries(part.rest).map(([key, value]) => {
      if ((key !== "and" && key !== "or") || !Array.isArray(value)) return [key, value];
      const filtered = value.map((c) => removeLeaf(c, event)).filter((c) => c !== undefined);
      if (filtered.length !== value.length || filtered.some((c, i) => c !== value[i])) changed = true;
      return [key, filtered];
    }),
  );
  if (!changed) return condition;
  if (kept.length === 0) return undefined;
  // Only a string or a mapping may replace its parent: it may end up as the whole condition.
  const only = kept[0];
  if (kept.length === 1 && part.children.length > 1 && Object.keys(rest).length === 0 && (typeof only === "string" || isMapping(only)))
    return only;
  return makeTree(part.op, kept, rest);
}

/**
 * `base` or `extra`: append to a plain `{or: [...]}`, otherwise wrap both in a new `or`. No change when
 * `extra` is already one of the alternatives.
 */
export function addAlternative(base: unknown, extra: unknown): Condition {
  if (base === undefined || base === null) return extra as Condition;
  if (typeof extra === "string" && base === extra) return base as Condition;
  const part = classify(base);
  if (part.kind === "tree" && part.op === "or" && Object.keys(part.rest).length === 0) {
    if (typeof extra === "string" && part.children.includes(extra)) return base as Condition;
    return makeTree("or", [...part.children, extra]);
  }
  return makeTree("or", [base, extra]);
}

/** The leaves of a condition in tree order, repeats included, under the same reading as `classify`. */
export function leafList(condition: unknown): string[] {
  const out: string[] = [];
  const walk = (c: unknown): void => {
    const part = classify(c);
    if (part.kind === "leaf") out.push(part.event);
    else if (part.kind === "tree") part.children.forEach(walk);
  };
  walk(condition);
  return out;
}

/** Whether a `start` value is a condition (as opposed to true / false / null / ""). */
export function isStartCondition(start: unknown): start is Condition {
  return (typeof start === "string" && start !== "") || isMapping(start);
}
