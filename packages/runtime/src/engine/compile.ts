// Compile a definition once into the tables dispatch needs (spec §2.4, §2.6): which routers, plain
// listeners and conditional starts each event can trigger, in definition order. Dispatch then looks
// events up instead of scanning every method, so a step costs the same in a 10- or 1000-method flow.
import {
  type Condition,
  type ConditionTree,
  type FlowDefinition,
  type MethodDefinition,
  conditionLeaves,
  isRouter,
  resolveConfig,
  type ResolvedConfig,
} from "@crewflow/definition";

export interface CompiledMethod {
  name: string;
  /** Position in the definition's `methods` mapping (order is significant, §1.2). */
  index: number;
  definition: MethodDefinition;
  isStart: boolean;
  /** `start: true` (vs a start condition). */
  unconditionalStart: boolean;
  /** The start condition of a conditional start, else null. */
  startCondition: Condition | null;
  /** The listen condition; null for starts (a start's `listen` is ignored, §1.1). */
  listen: Condition | null;
  isRouter: boolean;
  /** A plain listener whose condition is a top-level `or` with ≥2 branches (fired-OR de-dup, §2.6.2). */
  multiOr: boolean;
  /** Every event the listen condition mentions. */
  listenLeaves: ReadonlySet<string>;
}

export interface RacingGroup {
  /** The `or` listener the racing events exclusively feed. */
  target: string;
  events: ReadonlySet<string>;
  /** Position among the groups (definition order of the targets); the first one found races. */
  order: number;
}

export interface CompiledFlow {
  definition: FlowDefinition;
  name: string;
  config: ResolvedConfig;
  methods: CompiledMethod[];
  byName: ReadonlyMap<string, CompiledMethod>;
  routersByEvent: ReadonlyMap<string, CompiledMethod[]>;
  listenersByEvent: ReadonlyMap<string, CompiledMethod[]>;
  conditionalStartsByEvent: ReadonlyMap<string, CompiledMethod[]>;
  conditionalStarts: CompiledMethod[];
  /** Starts launched at kickoff: the unconditional ones, or every start if none is unconditional (§2.2). */
  entryStarts: CompiledMethod[];
  racingGroups: RacingGroup[];
  /** The group an event races in: events are exclusive to one listener, so to at most one group. */
  racingGroupByEvent: ReadonlyMap<string, RacingGroup>;
  /** The first malformed condition: CrewAI loads it but fails at the first dispatch (§2.6.1). */
  malformed: { method: string; problem: string } | null;
}

export function compileFlow(definition: FlowDefinition): CompiledFlow {
  const methods: CompiledMethod[] = Object.entries(definition.methods ?? {}).map(([name, def], index) => {
    const isStart = Boolean(def.start);
    const listen = isStart ? null : (def.listen ?? null);
    const router = isRouter(def);
    return {
      name,
      index,
      definition: def,
      isStart,
      unconditionalStart: def.start === true,
      startCondition: isStart && def.start !== true ? (def.start as Condition) : null,
      listen,
      isRouter: router,
      multiOr: !router && listen !== null && isMultiOr(listen),
      listenLeaves: new Set(conditionLeaves(listen)),
    };
  });
  const byName = new Map(methods.map((m) => [m.name, m]));
  const routersByEvent = new Map<string, CompiledMethod[]>();
  const listenersByEvent = new Map<string, CompiledMethod[]>();
  const conditionalStartsByEvent = new Map<string, CompiledMethod[]>();
  const add = (table: Map<string, CompiledMethod[]>, event: string, method: CompiledMethod) => {
    const list = table.get(event);
    if (list) list.push(method);
    else table.set(event, [method]);
  };
  let malformed: CompiledFlow["malformed"] = null;
  for (const method of methods) {
    if (method.listen !== null) {
      malformed ??= findMalformed(method.name, method.listen);
      for (const event of method.listenLeaves) add(method.isRouter ? routersByEvent : listenersByEvent, event, method);
    }
    if (method.startCondition !== null) {
      malformed ??= findMalformed(method.name, method.startCondition);
      for (const event of conditionLeaves(method.startCondition)) add(conditionalStartsByEvent, event, method);
    }
  }
  const starts = methods.filter((m) => m.isStart);
  const unconditional = starts.filter((m) => m.unconditionalStart);
  const racingGroups = buildRacingGroups(methods);
  return {
    definition,
    name: definition.name,
    config: resolveConfig(definition.config),
    methods,
    byName,
    routersByEvent,
    listenersByEvent,
    conditionalStartsByEvent,
    conditionalStarts: starts.filter((m) => !m.unconditionalStart),
    entryStarts: unconditional.length > 0 ? unconditional : starts,
    racingGroups,
    racingGroupByEvent: new Map(racingGroups.flatMap((group) => [...group.events].map((event) => [event, group] as const))),
    malformed,
  };
}

function isMultiOr(condition: Condition): boolean {
  if (typeof condition !== "object" || condition === null) return false;
  if (Array.isArray((condition as ConditionTree).and)) return false; // `and` wins when both keys are present
  const or = (condition as ConditionTree).or;
  return Array.isArray(or) && or.length >= 2;
}

function findMalformed(method: string, condition: unknown): CompiledFlow["malformed"] {
  if (typeof condition === "string") return null;
  if (condition === null || typeof condition !== "object" || Array.isArray(condition))
    return { method, problem: `a condition must be an event name or an and/or mapping, got ${JSON.stringify(condition)}` };
  const tree = condition as ConditionTree;
  const children = Array.isArray(tree.and) ? tree.and : Array.isArray(tree.or) ? tree.or : null;
  if (!children) return { method, problem: `a condition mapping needs an 'and' or 'or' list, got ${JSON.stringify(condition)}` };
  for (const child of children) {
    const found = findMalformed(method, child);
    if (found) return found;
  }
  return null;
}

/** Leaves reachable from the root through `or` nodes only (leaves under `and` never race, §2.6.4). */
function orAlternatives(condition: Condition, out: string[] = []): string[] {
  if (typeof condition === "string") out.push(condition);
  else if (!Array.isArray(condition.and) && Array.isArray(condition.or))
    for (const child of condition.or) orAlternatives(child, out);
  return out;
}

/** §2.6.4: events that feed only one `or` listener (≥2 of them) race: the first to finish wins. */
function buildRacingGroups(methods: CompiledMethod[]): RacingGroup[] {
  const plain = methods.filter((m) => m.listen !== null && !m.isRouter);
  const mentions = new Map<string, number>();
  for (const m of plain) for (const leaf of m.listenLeaves) mentions.set(leaf, (mentions.get(leaf) ?? 0) + 1);
  const groups: RacingGroup[] = [];
  for (const m of plain) {
    const listen = m.listen!;
    if (typeof listen === "string" || Array.isArray(listen.and) || !Array.isArray(listen.or)) continue;
    const exclusive = [...new Set(orAlternatives(listen))].filter((event) => mentions.get(event) === 1);
    if (exclusive.length >= 2) groups.push({ target: m.name, events: new Set(exclusive), order: groups.length });
  }
  return groups;
}

/** Pending-set satisfaction (§2.6.1): leaf = membership, `and` = all, `or` = any. */
export function satisfied(condition: Condition, seen: ReadonlySet<string>): boolean {
  if (typeof condition === "string") return seen.has(condition);
  if (Array.isArray(condition.and)) return condition.and.every((c) => satisfied(c, seen));
  if (Array.isArray(condition.or)) return condition.or.some((c) => satisfied(c, seen));
  return false;
}
