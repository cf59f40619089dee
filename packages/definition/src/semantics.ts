// Semantic warnings beyond CrewAI's own (which only logs emit/human-feedback issues, §8.9): things a
// flow file may say that load fine but never run, never fire, crash later, or loop forever.
//
// Codes (all severity "warning"; paths name the field to look at):
// - unknown_label          methods.<m>.listen|start  a leaf no method name or declared router label produces
// - unused_emit            methods.<m>.emit | methods.<m>.human_feedback.emit  a declared label nothing listens to
// - unreachable_method     methods.<m> (no trigger) | methods.<m>.listen|start (condition never met)
// - and_never_fires        methods.<m>.listen|start  a dead `and` branch in a condition that can still fire
// - cycle_without_router   methods.<first>.listen  methods re-triggering each other by completion alone
// - malformed_condition    methods.<m>.listen|start  a mapping CrewAI loads but crashes on at the first dispatch
// - start_gated_on_method  methods.<m>.start  a conditional start waiting for a method's completion
// - listen_ignored_on_start methods.<m>.listen  `listen` on a start method (the engine ignores it, §1.1)
//
// Decisions:
// - Only effective conditions are checked: a start's `listen` gets listen_ignored_on_start and nothing else.
// - A method without start or listen is reported even when it is a router: CrewAI accepts such a
//   router without a word, but the engine never calls it, and on the canvas it is dead code all the same.
// - Reachability trusts declarations: a router returns its `emit` labels (CrewAI does not enforce
//   that). A reachable router that declares none may return anything, so it makes every undeclared
//   label count as produced. Conversational flows have such a built-in router, so unknown_label is off there.
// - unreachable_method covers a condition that can never be met as a whole; and_never_fires is kept
//   for `and` branches of conditions that can fire some other way (one warning per fact). A malformed
//   condition gets malformed_condition only.
// - cycle_without_router is conservative: an edge a → b exists when a's completion alone satisfies b's
//   listen. Routers may sit on the cycle (their completion event fires whatever label they return).
// Everything is linear in the size of the flow, except that a condition is re-checked once per leaf
// that becomes produced.
import { type Diagnostic, warning } from "./diagnostics";
import { classify, isStartCondition, leafList, malformedParts, satisfied } from "./graph/conditions";
import { isConversational } from "./rules";
import type { FlowDefinition } from "./schema/flow";
import { emitLabels, isRouter, isStart } from "./schema/method";
import { resolveConfig } from "./schema/settings";

export const SEMANTIC_CODES = [
  "unknown_label",
  "unused_emit",
  "unreachable_method",
  "and_never_fires",
  "cycle_without_router",
  "malformed_condition",
  "start_gated_on_method",
  "listen_ignored_on_start",
] as const;
export type SemanticCode = (typeof SEMANTIC_CODES)[number];

/** The condition CrewAI actually evaluates for a method, if any. */
interface Trigger {
  slot: "listen" | "start";
  condition: unknown;
  /** Conditional starts are re-triggered only by router labels of a dispatch wave (§2.2). */
  labelsOnly: boolean;
  /** Runs at kickoff whatever its condition says. */
  entry: boolean;
  malformed: string[];
}

export function diagnose(definition: FlowDefinition): Diagnostic[] {
  const methods = Object.entries(definition.methods ?? {});
  if (methods.length === 0) return [];
  const names = new Set(methods.map(([name]) => name));
  const order = new Map(methods.map(([name], i) => [name, i]));
  const conversational = isConversational(definition);

  const declared = new Set<string>();
  const emitOfNonRouter = new Map<string, string>();
  const undeclaring: string[] = []; // routers with no emit: the likely source of an unknown label
  for (const [name, method] of methods) {
    if (isRouter(method)) {
      const labels = emitLabels(method);
      labels.forEach((label) => declared.add(label));
      if (labels.length === 0) undeclaring.push(name);
    } else for (const label of method.emit ?? []) if (!emitOfNonRouter.has(label)) emitOfNonRouter.set(label, name);
  }
  const isUnknown = (event: string): boolean => !names.has(event) && !declared.has(event);

  const hasUnconditional = methods.some(([, m]) => m.start === true);
  const triggers = new Map<string, Trigger>();
  for (const [name, method] of methods) {
    if (isStartCondition(method.start))
      triggers.set(name, {
        slot: "start",
        condition: method.start,
        labelsOnly: true,
        entry: !hasUnconditional,
        malformed: malformedParts(method.start),
      });
    else if (isStart(method)) triggers.set(name, { slot: "start", condition: true, labelsOnly: true, entry: true, malformed: [] });
    else if (method.listen != null)
      triggers.set(name, { slot: "listen", condition: method.listen, labelsOnly: false, entry: false, malformed: malformedParts(method.listen) });
  }

  const out: [number, Diagnostic][] = [];
  const report = (method: string, path: string, code: SemanticCode, message: string): void => {
    out.push([order.get(method) ?? 0, warning(path, message, code)]);
  };

  // Structural checks, one method at a time.
  const heard = new Set<string>();
  for (const [name, method] of methods) {
    const path = `methods.${name}`;
    if (isStart(method) && method.listen != null)
      report(name, `${path}.listen`, "listen_ignored_on_start", `'${name}' is a start method, so CrewAI ignores its listen condition; it runs only as a start`);
    const trigger = triggers.get(name);
    if (!trigger || trigger.condition === true) continue;
    const at = `${path}.${trigger.slot}`;
    const leaves = [...new Set(leafList(trigger.condition))];
    leaves.forEach((leaf) => heard.add(leaf));
    if (trigger.malformed.length > 0)
      report(
        name,
        at,
        "malformed_condition",
        `the ${trigger.slot} condition of '${name}' is malformed (${trigger.malformed[0]}): CrewAI loads it but fails at the first dispatch after any method completes, which stops the whole flow`,
      );
    if (!conversational)
      for (const leaf of leaves.filter(isUnknown)) {
        const hint = emitOfNonRouter.has(leaf)
          ? ` ('${emitOfNonRouter.get(leaf)}' lists it in emit but is not a router)`
          : undeclaring.length > 0
            ? ` (${quoteList(undeclaring)} ${undeclaring.length > 1 ? "declare" : "declares"} no emit: if ${undeclaring.length > 1 ? "one returns" : "it returns"} '${leaf}', list it there)`
            : "";
        report(
          name,
          at,
          "unknown_label",
          `nothing declared produces '${leaf}': no method is named '${leaf}' and no router declares it in emit${hint}. A router may still return it at run time, since CrewAI does not check router results against emit`,
        );
      }
    if (trigger.slot === "start" && hasUnconditional) {
      const gated = leaves.filter((leaf) => names.has(leaf) && !declared.has(leaf));
      if (gated.length > 0)
        report(
          name,
          at,
          "start_gated_on_method",
          `the start condition of '${name}' waits for method ${quoteList(gated)}, but conditional starts are re-triggered only by router labels and this flow has a start: true method, so it never fires on ${gated.length > 1 ? "their" : "its"} completion`,
        );
    }
  }
  for (const [name, method] of methods) {
    if (!isRouter(method)) continue;
    const path = method.human_feedback?.emit?.length ? `methods.${name}.human_feedback.emit` : `methods.${name}.emit`;
    for (const label of new Set(emitLabels(method)))
      if (!heard.has(label))
        report(name, path, "unused_emit", `router label '${label}' of '${name}' is never listened to: no listen or start condition mentions it, so returning it ends the branch`);
  }

  // Reachability: a fixpoint over produced events, woken per leaf so it stays near-linear.
  const produced = new Set<string>();
  const startLabels = new Set<string>();
  let openAny = conversational;
  let openStartLabels = conversational;
  const has = (event: string): boolean => produced.has(event) || (openAny && isUnknown(event));
  const hasLabel = (event: string): boolean => startLabels.has(event) || (openStartLabels && isUnknown(event));
  const holds = (trigger: Trigger, condition: unknown): boolean => satisfied(condition, trigger.labelsOnly ? hasLabel : has);

  const watchers = new Map<string, string[]>();
  const watchingUnknown: string[] = [];
  for (const [name, trigger] of triggers) {
    if (trigger.entry) continue;
    const leaves = new Set(leafList(trigger.condition));
    for (const leaf of leaves) pushTo(watchers, leaf, name);
    if ([...leaves].some(isUnknown)) watchingUnknown.push(name);
  }
  const reachable = new Set<string>();
  const queue: string[] = [];
  const reach = (name: string): void => {
    if (reachable.has(name)) return;
    reachable.add(name);
    queue.push(name);
  };
  const wake = (names: readonly string[] | undefined): void => {
    for (const name of names ?? []) {
      const trigger = triggers.get(name)!;
      if (!reachable.has(name) && trigger.malformed.length === 0 && holds(trigger, trigger.condition)) reach(name);
    }
  };
  for (const [name, trigger] of triggers) if (trigger.entry) reach(name);
  if (openAny) wake(watchingUnknown); // the conversational built-in router
  for (let head = 0; head < queue.length; head += 1) {
    const name = queue[head]!;
    const method = definition.methods![name]!;
    const events = [name];
    if (isRouter(method)) {
      const labels = emitLabels(method);
      events.push(...labels);
      // A start router's label is dispatched outside any wave: it never re-triggers conditional starts.
      const wave = !isStart(method);
      if (labels.length === 0 && (!openAny || (wave && !openStartLabels))) {
        openAny = true;
        if (wave) openStartLabels = true;
        wake(watchingUnknown);
      }
      if (wave) for (const label of labels) if (!startLabels.has(label)) {
        startLabels.add(label);
        wake(watchers.get(label));
      }
    }
    for (const event of events) if (!produced.has(event)) {
      produced.add(event);
      wake(watchers.get(event));
    }
  }

  for (const [name, method] of methods) {
    const trigger = triggers.get(name);
    if (!trigger) {
      const routerNote = isRouter(method) ? " (CrewAI accepts a router without trigger, but never calls it)" : "";
      report(name, `methods.${name}`, "unreachable_method", `'${name}' has neither start nor listen, so it never runs${routerNote}`);
      continue;
    }
    if (trigger.malformed.length > 0 || trigger.condition === true) continue;
    const at = `methods.${name}.${trigger.slot}`;
    const present = trigger.labelsOnly ? hasLabel : has;
    if (!reachable.has(name)) {
      const missing = [...new Set(leafList(trigger.condition))].filter((leaf) => !present(leaf));
      const why = trigger.labelsOnly
        ? "a conditional start runs at kickoff only when no method has start: true, and after that only router labels re-trigger it"
        : "no reachable method or router produces the events it needs";
      report(name, at, "unreachable_method", `'${name}' never runs: ${why}${missing.length ? ` (never produced: ${quoteList(missing)})` : ""}`);
      continue;
    }
    for (const dead of deadAnds(trigger.condition, present))
      report(
        name,
        at,
        "and_never_fires",
        `the branch ${render(dead.node)} of the ${trigger.slot} condition of '${name}' never fires: ${quoteList(dead.missing)} ${dead.missing.length > 1 ? "are" : "is"} never produced by a reachable method or router`,
      );
  }

  // Loops that only max_method_calls ends.
  const next = new Map<string, string[]>();
  for (const [name, trigger] of triggers) {
    if (trigger.slot !== "listen" || trigger.malformed.length > 0) continue;
    for (const leaf of new Set(leafList(trigger.condition)))
      if (names.has(leaf) && satisfied(trigger.condition, (event) => event === leaf)) pushTo(next, leaf, name);
  }
  const limit = resolveConfig(definition.config).max_method_calls;
  for (const component of stronglyConnected(methods.map(([name]) => name), next)) {
    const looping = component.length > 1 || (next.get(component[0]!) ?? []).includes(component[0]!);
    if (!looping || !component.some((name) => reachable.has(name))) continue;
    const members = [...component].sort((a, b) => order.get(a)! - order.get(b)!);
    report(
      members[0]!,
      `methods.${members[0]}.listen`,
      "cycle_without_router",
      `${quoteList(members)} re-trigger each other by completion alone and no router label decides the way out, so once entered the loop runs until max_method_calls (${limit}) stops the flow`,
    );
  }

  return out.sort((a, b) => a[0] - b[0]).map(([, diagnostic]) => diagnostic);
}

/** The outermost `and` nodes that cannot be satisfied, with the leaves they miss. */
function deadAnds(condition: unknown, present: (event: string) => boolean): { node: unknown; missing: string[] }[] {
  const out: { node: unknown; missing: string[] }[] = [];
  const walk = (c: unknown): void => {
    const part = classify(c);
    if (part.kind !== "tree") return;
    if (part.op === "and" && !satisfied(c, present)) {
      out.push({ node: c, missing: [...new Set(leafList(c))].filter((leaf) => !present(leaf)) });
      return;
    }
    part.children.forEach(walk);
  };
  walk(condition);
  return out;
}

/** `and(a, or(b, c))`: a short, readable form of a condition for messages. */
function render(condition: unknown): string {
  const part = classify(condition);
  if (part.kind === "leaf") return part.event;
  if (part.kind === "invalid") return JSON.stringify(part.value) ?? String(part.value);
  return `${part.op}(${part.children.map(render).join(", ")})`;
}

function quoteList(items: readonly string[]): string {
  const quoted = items.map((item) => `'${item}'`);
  return quoted.length <= 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/** Tarjan's strongly connected components, iterative (a long chain must not overflow the stack). */
function stronglyConnected(nodes: readonly string[], next: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const frames: { node: string; child: number }[] = [{ node: root, child: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter += 1;
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const successors = next.get(frame.node) ?? [];
      if (frame.child < successors.length) {
        const succ = successors[frame.child]!;
        frame.child += 1;
        if (!index.has(succ)) {
          index.set(succ, counter);
          low.set(succ, counter);
          counter += 1;
          stack.push(succ);
          onStack.add(succ);
          frames.push({ node: succ, child: 0 });
        } else if (onStack.has(succ)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(succ)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** Append to a list in a map of lists (keeps building the index linear). */
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
