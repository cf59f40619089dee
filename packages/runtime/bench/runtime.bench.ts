// `pnpm bench` for the engine, in memory. Prints one line per measurement; targets from issue 3:
// ≤ 10 µs per step, a 100-branch fan-out + and-join under 1 ms, per-step cost flat in flow size.
import { type Condition } from "@crewflow/definition";
import { defineFlow, type FlowBuilder } from "../src";

interface Result {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

/** Best of several runs: the least disturbed by GC and the other core's work. */
async function best(times: number, fn: () => Promise<number>): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) min = Math.min(min, await fn());
  return min;
}

/** Collect garbage first (when run with --expose-gc) so one run's debris is not billed to the next. */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  collect();
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function routerLoop(iterations: number): FlowBuilder {
  return defineFlow("Loop", { config: { max_method_calls: iterations + 10 } })
    .method("step", { start: "again" }, (flow) => {
      flow.state.i = ((flow.state.i as number) ?? 0) + 1;
      return flow.state.i;
    })
    .router("decide", "step", (flow) => ((flow.state.i as number) < iterations ? "again" : "done"))
    .listen("finish", "done", (flow) => flow.state.i);
}

function fanOut(branches: number): FlowBuilder {
  const builder = defineFlow("FanOut").start("begin", () => "go");
  const names: string[] = [];
  for (let i = 0; i < branches; i++) {
    names.push(`b${i}`);
    builder.listen(`b${i}`, "begin", () => i);
  }
  return builder.listen("join", { and: names as Condition[] }, () => "joined");
}

function linear(length: number): FlowBuilder {
  const builder = defineFlow("Linear").start("m0", () => 0);
  for (let i = 1; i < length; i++) builder.listen(`m${i}`, `m${i - 1}`, () => i);
  return builder;
}

/** µs per step: `runs` fresh instances kicked off one after another, timed together, best of `repeats`. */
async function perStep(builder: FlowBuilder, steps: number, repeats: number, runs = 1): Promise<number> {
  const ms = await best(repeats, async () => {
    const flows = await Promise.all(Array.from({ length: runs }, () => builder.create()));
    return timed(async () => {
      for (const flow of flows) await flow.kickoff();
    });
  });
  return (ms * 1000) / (steps * runs);
}

async function main(): Promise<void> {
  const results: Result[] = [];
  // Warm up the JIT on the shapes measured below.
  await perStep(routerLoop(1000), 2001, 5);
  await perStep(linear(1000), 1000, 3);

  results.push({ name: "router loop, 1000 iterations (2 methods each)", value: await perStep(routerLoop(1000), 2001, 5), unit: "µs/step", target: "≤ 10" });

  const fan = await best(20, async () => {
    const flow = await fanOut(100).create();
    return timed(() => flow.kickoff());
  });
  results.push({ name: "fan-out of 100 branches + and-join (whole run)", value: fan * 1000, unit: "µs", target: "< 1000" });
  results.push({ name: "  per branch", value: (fan * 1000) / 100, unit: "µs/branch" });

  const ten = linear(10);
  const concurrent = await best(3, async () => {
    const flows = await Promise.all(Array.from({ length: 200 }, () => ten.create()));
    return timed(() => Promise.all(flows.map((f) => f.kickoff())));
  });
  results.push({ name: "200 concurrent 10-step runs", value: 200 / (concurrent / 1000), unit: "runs/s" });

  results.push({ name: "linear flow, 10 methods", value: await perStep(linear(10), 10, 5, 200), unit: "µs/step" });
  results.push({ name: "linear flow, 1000 methods", value: await perStep(linear(1000), 1000, 5, 2), unit: "µs/step", target: "flat vs 10" });

  console.log("runtime (in memory)");
  for (const r of results)
    console.log(`  ${r.name.padEnd(52)} ${r.value.toFixed(r.value < 100 ? 2 : 0).padStart(10)} ${r.unit.padEnd(10)}${r.target ? ` target ${r.target}` : ""}`);
}

await main();
