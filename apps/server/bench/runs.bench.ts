// `pnpm bench`: runs started per second over HTTP, each with a live event subscriber (tRPC over SSE),
// on the simulated model. The server runs in a child process; this process is the clients: each of
// CONCURRENCY loops starts a run (httpBatchLink) and follows its events until the run ends
// (httpSubscriptionLink + eventsource), checking that every event arrives exactly once, in order.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { QUICK_FLOW, RESEARCH_FLOW } from "../test/support/fixtures";
import { type Client, makeClient } from "../test/support/server";

const TARGET = 500;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY) || 64;
const RUNS = Number(process.env.BENCH_RUNS) || 3000;

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), "crewflow-bench-"));
const profile = process.env.BENCH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
const child = spawn(process.execPath, [...profile, "--import", "tsx", join(here, "../test/support/serve.ts"), join(root, "data"), join(root, "workspace")], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, OPENAI_API_KEY: "", OPENAI_BASE_URL: "" },
});
const lines = createInterface({ input: child.stdout! });
const nextLine = () => new Promise<string>((resolve) => lines.once("line", resolve));
const url = await new Promise<string>((resolve, reject) => {
  child.once("exit", (code) => reject(new Error(`the bench server exited (${code})`)));
  void nextLine().then((line) => resolve((JSON.parse(line) as { url: string }).url));
});
/** The server process's CPU time so far, in ms. */
async function serverCpu(): Promise<number> {
  const answer = nextLine();
  child.kill("SIGUSR2");
  const { cpu } = JSON.parse(await answer) as { cpu: { user: number; system: number } };
  return (cpu.user + cpu.system) / 1000;
}
const client = makeClient(url);

/** Starts a run and follows it to the end; returns how many events arrived (checked gap-free). */
async function oneRun(client: Client, flowId: string, i: number, audience: boolean): Promise<number> {
  const { runId } = await client.runs.start.mutate({ flowId, inputs: audience ? { topic: `t${i}`, audience: "bench" } : { topic: `t${i}` } });
  return new Promise((resolve, reject) => {
    let expected = 1;
    const sub = client.events.run.subscribe(
      { runId },
      {
        onData({ data }) {
          for (const event of data.events) {
            if (event.seq !== expected) reject(new Error(`run ${runId}: got seq ${event.seq}, expected ${expected}`));
            expected++;
          }
        },
        onError: reject,
        onComplete: () => {
          sub.unsubscribe();
          resolve(expected - 1);
        },
      },
    );
  });
}

/** For comparison: the same starts with nobody listening (each run still completes in the server). */
interface Measured {
  perSecond: number;
  events: number;
  ms: number;
  /** Server CPU per run (ms): what one server core can sustain is 1000 / this. */
  cpuPerRun: number;
}

async function startsOnly(flowId: string, runs: number, concurrency: number): Promise<Measured> {
  let next = 0;
  const cpu = await serverCpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < runs) await client.runs.start.mutate({ flowId, inputs: { topic: `s${next++}` } });
    }),
  );
  const ms = performance.now() - started;
  return { perSecond: runs / (ms / 1000), events: 0, ms, cpuPerRun: ((await serverCpu()) - cpu) / runs };
}

async function measure(flowId: string, runs: number, concurrency: number, audience = false): Promise<Measured> {
  let next = 0;
  let events = 0;
  const cpu = await serverCpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < runs) {
        const count = await oneRun(client, flowId, next++, audience);
        events += count;
      }
    }),
  );
  const ms = performance.now() - started;
  return { perSecond: runs / (ms / 1000), events, ms, cpuPerRun: ((await serverCpu()) - cpu) / runs };
}

try {
  const quick = await client.flows.create.mutate({ text: QUICK_FLOW });
  const research = await client.flows.create.mutate({ text: RESEARCH_FLOW });
  await measure(quick.flow.id, 300, CONCURRENCY); // warm-up: JIT, prepared statements, connections

  const q = await measure(quick.flow.id, RUNS, CONCURRENCY);
  const r = await measure(research.flow.id, Math.round(RUNS / 3), CONCURRENCY, true);
  const s = await startsOnly(quick.flow.id, RUNS, CONCURRENCY);
  const line = (name: string, m: Measured, runs: number) =>
    `${name.padEnd(52)} ${m.perSecond.toFixed(0).padStart(6)} runs/s  (${runs} runs, ${m.events} events, ${(m.ms / 1000).toFixed(2)} s; server CPU ${m.cpuPerRun.toFixed(2)} ms/run = ${(1000 / m.cpuPerRun).toFixed(0)} runs/s per core)`;
  console.log(`server: runs over HTTP, each with a live SSE subscriber, simulated model, ${CONCURRENCY} clients`);
  console.log(line("QuickFlow (expression, agent router, listener)", q, RUNS));
  console.log(line("ResearchReviewFlow (CrewAI example: crew, 2 agents)", r, Math.round(RUNS / 3)));
  console.log(line("QuickFlow starts without a subscriber", s, RUNS));
  const load = (await import("node:os")).loadavg()[0]!;
  console.log(`target ≥ ${TARGET} runs/s: ${q.perSecond >= TARGET ? "met" : "NOT met"} (QuickFlow, wall clock; load average ${load.toFixed(1)} on ${(await import("node:os")).availableParallelism()} cores)`);
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(root, { recursive: true, force: true });
}
