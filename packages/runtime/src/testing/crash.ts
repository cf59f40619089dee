// Test support for crash-resume tests (CLI and server): a workspace module whose steps log their side
// effects and can kill their own process at a chosen step, and a seeded generator of flows with router
// loops, `or`/`and` joins, `each` and human feedback that use it. Environment read by the module: STARTS (a file
// counting step starts across processes), EFFECTS (the side-effect log), CRASH_AT (SIGKILL as that
// step starts), CRASH_AFTER (SIGKILL right after that step's side effect, before its commit); both take
// one step-start number or a comma-separated list of them.

/** The module flows from `generateCrashFlow` reference as `./steps.mjs`. */
export const CRASH_STEPS_MODULE = `import { appendFileSync, readFileSync } from "node:fs";
// Every step start is counted across processes; CRASH_AT / CRASH_AFTER kill the process there.
function count(file, line) {
  appendFileSync(file, line + "\\n");
  return readFileSync(file, "utf8").split("\\n").filter(Boolean).length;
}
const listed = (list, n) => (list ?? "").split(",").includes(String(n));
function begin(name) {
  const n = count(process.env.STARTS, name);
  if (listed(process.env.CRASH_AT, n)) process.kill(process.pid, "SIGKILL");
  return n;
}
function effect(flow, name, n) {
  appendFileSync(process.env.EFFECTS, name + "@" + flow.state.n + "@" + process.pid + "\\n");
  if (listed(process.env.CRASH_AFTER, n)) process.kill(process.pid, "SIGKILL");
}
const pause = () => new Promise((resolve) => setTimeout(resolve, 2));
export async function work(flow, name) {
  const n = begin(name);
  await pause();
  flow.state.trail = [...flow.state.trail, name];
  effect(flow, name, n);
  return name + ":" + flow.state.trail.length;
}
export async function decide(flow) {
  const n = begin("decide");
  flow.state.n += 1;
  effect(flow, "decide", n);
  return flow.state.n < flow.state.k ? "retry" : "done";
}
export async function item(flow, value) {
  const n = begin("item");
  await pause();
  flow.state.trail = [...flow.state.trail, "item:" + value];
  effect(flow, "item:" + value, n);
  return value * 2;
}
${["init", "step", "left", "right", "both", "either", "review", "fin"].map((m) => `export const ${m} = (flow) => work(flow, "${m}");`).join("\n")}
`;

/** A small seeded generator (mulberry32), so a failing seed can be rerun. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A flow with a router loop of `k` rounds, optionally a fan-out with `and`/`or` joins and an `each`;
 * with `feedback`, a `review` step that pauses for human feedback before the last step.
 */
export function generateCrashFlow(seed: number, options: { feedback?: boolean } = {}): { name: string; yaml: string } {
  const next = random(seed);
  const k = 1 + Math.floor(next() * 3);
  const fan = next() < 0.7;
  const each = next() < 0.6;
  const conditionalStart = next() < 0.5;
  const name = `Crash${seed}`;
  const lines = [`schema: crewai.flow/v1`, `name: ${name}`, `state: {type: dict, default: {n: 0, k: ${k}, trail: [], items: [1, 2, 3]}}`, `methods:`];
  const code = (fn: string) => `{ref: "./steps.mjs:${fn}"}`;
  if (conditionalStart) {
    // CrewAI's loop shape: the step is a start that the router's `retry` starts again.
    lines.push(`  step: {start: retry, do: ${code("step")}}`);
  } else {
    lines.push(`  init: {start: true, do: ${code("init")}}`, `  step: {listen: {or: [init, retry]}, do: ${code("step")}}`);
  }
  lines.push(`  decide: {listen: step, router: true, emit: [retry, done], do: ${code("decide")}}`);
  let last = "done";
  if (fan) {
    lines.push(
      `  left: {listen: done, do: ${code("left")}}`,
      `  right: {listen: done, do: ${code("right")}}`,
      `  both: {listen: {and: [left, right]}, do: ${code("both")}}`,
      `  either: {listen: {or: [left, right]}, do: ${code("either")}}`,
    );
    last = "both";
  }
  if (each) {
    lines.push(`  rows: {listen: ${last}, do: {call: each, in: state.items, do: [{name: double, action: {call: code, ref: "./steps.mjs:item"}}]}}`);
    last = "rows";
  }
  if (options.feedback) {
    lines.push(`  review: {listen: ${last}, do: ${code("review")}, human_feedback: {message: "Review the trail:"}}`);
    last = "review";
  }
  lines.push(`  fin: {listen: ${last}, do: ${code("fin")}}`);
  return { name, yaml: `${lines.join("\n")}\n` };
}

export interface LoggedEvent {
  type: string;
  method?: string;
  execution?: number;
  index?: number;
  resumed?: boolean;
}

/**
 * The side effects (`name@…` lines) a process made that its events did not commit: `effects` minus the
 * steps and `each` items that `events` finished. Only these may happen again after it was killed.
 */
export function uncommittedEffects(events: readonly LoggedEvent[], effects: readonly string[]): string[] {
  const left = effects.map((e) => e.split("@")[0]!);
  for (const event of events) {
    const name =
      event.type === "method_execution_finished" && event.method !== "rows"
        ? event.method!
        : event.type === "each_item_finished"
          ? `item:${event.index! + 1}`
          : null;
    if (name !== null && left.includes(name)) left.splice(left.indexOf(name), 1);
  }
  return left;
}

/**
 * What the first process did that its log did not keep: its side effects minus those of the steps (and
 * `each` items) committed before the run was resumed. Only these may happen again.
 */
export function undurableEffects(events: readonly LoggedEvent[], effects: readonly string[]): string[] {
  const resumedAt = events.findIndex((e) => e.type === "flow_started" && e.resumed);
  if (resumedAt < 0) return [];
  const firstPid = effects[0]?.split("@")[2];
  return uncommittedEffects(
    events.slice(0, resumedAt),
    effects.filter((e) => e.split("@")[2] === firstPid),
  );
}

/**
 * Side effects (`name@n` lines) beyond an uninterrupted run's that no kill explains: every effect of
 * the reference must happen, and an extra one only for a step (or `each` item) that was under way,
 * uncommitted, at a kill (`undurable`, one entry per allowed repeat).
 */
export function unexplainedRepeats(effects: readonly string[], reference: readonly string[], undurable: readonly string[]): string[] {
  const extra = [...effects];
  const missing: string[] = [];
  for (const effect of reference) {
    const at = extra.indexOf(effect);
    if (at < 0) missing.push(`missing ${effect}`);
    else extra.splice(at, 1);
  }
  const unexplained = extra.map((effect) => effect.split("@")[0]!);
  for (const name of undurable) if (unexplained.includes(name)) unexplained.splice(unexplained.indexOf(name), 1);
  return [...missing, ...unexplained];
}
