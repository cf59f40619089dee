// Pure editing helpers the canvas calls: each returns a new FlowDefinition and leaves its input alone.
// They refuse (FlowEditError) edits that would make the document invalid or silently change what
// an existing event name means, rather than repairing them.
import { NAME_PATTERN, NAME_PATTERN_TEXT } from "../schema/common";
import type { Condition } from "../schema/condition";
import type { FlowDefinition } from "../schema/flow";
import { emitLabels, isRouter, type MethodDefinition } from "../schema/method";
import { addAlternative, isStartCondition, leafList, removeLeaf, renameLeaf } from "./conditions";
import type { TriggerSlot } from "./types";

export class FlowEditError extends Error {
  override name = "FlowEditError";
}

/**
 * Make `toMethod` also run on `fromEvent`: a string condition becomes `{or: [old, new]}`, a plain
 * `or` gets one more branch, any other tree is wrapped in a new `or`. No change when the event is
 * already one of the alternatives. On the `start` slot the event is added to the start condition
 * (a `start: true` becomes conditional: that is what drawing an edge into it asks for).
 */
export function connect(def: FlowDefinition, fromEvent: string, toMethod: string, slot: TriggerSlot = "listen"): FlowDefinition {
  const method = methodOf(def, toMethod);
  if (slot === "listen" && fromEvent === toMethod)
    throw new FlowEditError(`'${toMethod}' cannot listen to its own completion (CrewAI rejects self-listeners)`);
  const current = slot === "listen" ? (method.listen ?? undefined) : isStartCondition(method.start) ? method.start : undefined;
  return withMethod(def, toMethod, withTrigger(method, slot, addAlternative(current, fromEvent)));
}

/**
 * Stop `toMethod` running on `fromEvent`: every leaf naming it goes from that condition; a node left
 * with one child by the removal collapses into it, an emptied condition is removed (for `start` that
 * means the method is no longer a start). To remove one occurrence of a repeated leaf, delete its
 * edge in the graph and call `graphToDefinition`.
 */
export function disconnect(def: FlowDefinition, fromEvent: string, toMethod: string, slot: TriggerSlot = "listen"): FlowDefinition {
  const method = methodOf(def, toMethod);
  const current = slot === "listen" ? method.listen : method.start;
  if (slot === "start" && !isStartCondition(current)) return { ...def };
  const next = removeLeaf(current, fromEvent);
  if (next === current) return { ...def };
  return withMethod(def, toMethod, withTrigger(method, slot, next as Condition | undefined));
}

/**
 * Rename a method and every condition leaf naming it (method order kept). Events share one namespace,
 * so it is refused when that would merge or split events: the new name is already an event some
 * condition or router `emit` mentions, or a router declares the old name as a label (its listeners
 * hear both). Also refused: a taken name, a non-identifier. CEL `outputs.<name>` is not rewritten.
 */
export function renameMethod(def: FlowDefinition, from: string, to: string): FlowDefinition {
  methodOf(def, from);
  if (from === to) return { ...def };
  if (!NAME_PATTERN.test(to)) throw new FlowEditError(`method names must match ${NAME_PATTERN_TEXT}: '${to}'`);
  const methods = Object.entries(def.methods ?? {});
  if (methods.some(([name]) => name === to)) throw new FlowEditError(`a method named '${to}' already exists`);
  const labelling = methods.find(([, method]) => isRouter(method) && emitLabels(method).includes(from));
  if (labelling)
    throw new FlowEditError(
      `router '${labelling[0]}' declares '${from}' as a label, so listeners of '${from}' also hear that router; rename the label first`,
    );
  for (const [name, method] of methods) {
    const used = [...leafList(method.listen), ...(isStartCondition(method.start) ? leafList(method.start) : [])];
    if (used.includes(to) || (isRouter(method) && emitLabels(method).includes(to)))
      throw new FlowEditError(`'${to}' is already an event used by '${name}'; renaming would merge it with the completion of '${from}'`);
  }
  const renamed = methods.map(([name, method]): [string, MethodDefinition] => {
    let next = method;
    if (next.listen != null && leafList(next.listen).includes(from))
      next = withTrigger(next, "listen", renameLeaf(next.listen, from, to) as Condition);
    if (isStartCondition(next.start) && leafList(next.start).includes(from))
      next = withTrigger(next, "start", renameLeaf(next.start, from, to) as Condition);
    return [name === from ? to : name, next];
  });
  return { ...def, methods: Object.fromEntries(renamed) };
}

/**
 * Remove a method and the condition leaves naming it, unless a remaining router still declares that
 * name as a label (then the event still exists). A listener whose whole condition goes loses `listen`
 * (it will show as unreachable); a conditional start whose condition goes stops being a start.
 */
export function removeMethod(def: FlowDefinition, name: string): FlowDefinition {
  methodOf(def, name);
  const rest = Object.entries(def.methods ?? {}).filter(([other]) => other !== name);
  const stillProduced = rest.some(([, method]) => isRouter(method) && emitLabels(method).includes(name));
  const methods = rest.map(([other, method]): [string, MethodDefinition] => {
    if (stillProduced) return [other, method];
    let next = method;
    if (next.listen != null) {
      const listen = removeLeaf(next.listen, name);
      if (listen !== next.listen) next = withTrigger(next, "listen", listen as Condition | undefined);
    }
    if (isStartCondition(next.start)) {
      const start = removeLeaf(next.start, name);
      if (start !== next.start) next = withTrigger(next, "start", start as Condition | undefined);
    }
    return [other, next];
  });
  return { ...def, methods: Object.fromEntries(methods) };
}

function methodOf(def: FlowDefinition, name: string): MethodDefinition {
  const methods = def.methods ?? {};
  if (!Object.hasOwn(methods, name)) throw new FlowEditError(`no method named '${name}'`);
  return methods[name]!;
}

function withMethod(def: FlowDefinition, name: string, method: MethodDefinition): FlowDefinition {
  return {
    ...def,
    methods: Object.fromEntries(Object.entries(def.methods ?? {}).map(([key, value]) => [key, key === name ? method : value])),
  };
}

/** Set (undefined: remove) a trigger field, in place if present, else right after `do` as the schema orders it. */
function withTrigger(method: MethodDefinition, key: TriggerSlot, value: Condition | undefined): MethodDefinition {
  const entries = Object.entries(method).filter(([k]) => value !== undefined || k !== key);
  if (value !== undefined) {
    const at = entries.findIndex(([k]) => k === key);
    if (at >= 0) entries[at] = [key, value];
    else {
      const after = entries.findIndex(([k]) => k === (key === "listen" && Object.hasOwn(method, "start") ? "start" : "do"));
      entries.splice(after + 1, 0, [key, value]);
    }
  }
  return Object.fromEntries(entries) as MethodDefinition;
}
