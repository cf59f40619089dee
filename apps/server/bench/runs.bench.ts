// `pnpm bench`: runs started per second over HTTP, each with a live event subscriber (tRPC over SSE),
// on the simulated model. The server runs in a child process; this process is the clients: each of
// CONCURRENCY loops starts a run (httpBatchLink) and follows its events until the run ends, checking
// that every event arrives exactly once, in order. Two kinds of subscriber: tRPC's own client
// (httpSubscriptionLink over the `eventsource` polyfill: ~1 ms of client CPU per subscription, so on
// 2 shared cores it caps the figure) and a lean SSE reader on node:http that parses the same wire
// format, like a browser's native EventSource (what the web app uses).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { QUICK_FLOW, RESEARCH_FLOW } from "../test/support/fixtures";
import { type Client, makeClient } from "../test/support/server";

const TARGET = 500;
/** Keep in step with the `start` script in package.json. */
const SERVER_NODE_FLAGS = "--max-semi-space-size=32";
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY) || 64;
const RUNS = Number(process.env.BENCH_RUNS) || 3000;

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), "crewflow-bench-"));
const profile = process.env.BENCH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
// The server's own Node flags, as `pnpm start` runs it (package.json), unless BENCH_NODE_FLAGS overrides them.
const serverFlags = (process.env.BENCH_NODE_FLAGS ?? SERVER_NODE_FLAGS).split(" ").filter(Boolean);
const child = spawn(process.execPath, [...profile, ...serverFlags, "--import", "tsx", join(here, "../test/support/serve.ts"), join(root, "data"), join(root, "workspace")], {
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

type Subscriber = (runId: string) => Promise<number>;

/** Starts a run and follows it to the end; returns how many events arrived (checked gap-free). */
async function oneRun(client: Client, flowId: string, i: number, audience: boolean, follow: Subscriber): Promise<number> {
  const { runId } = await client.runs.start.mutate({ flowId, inputs: audience ? { topic: `t${i}`, audience: "bench" } : { topic: `t${i}` } });
  return follow(runId);
}

/** tRPC's client: httpSubscriptionLink + the eventsource polyfill. */
function followWithTrpc(runId: string): Promise<number> {
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

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** A lean SSE reader of the same endpoint: tRPC's wire format (`connected`, data+id messages, `return`). */
function followWithSse(runId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const input = encodeURIComponent(JSON.stringify({ runId }));
    http
      .get(`${url}/trpc/events.run?input=${input}`, { agent, headers: { accept: "text/event-stream" } }, (res) => {
        let buffer = "";
        let expected = 1;
        let ended = false;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const message = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = "message";
            let data = "";
            for (const line of message.split("\n")) {
              if (line.startsWith("event: ")) event = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (event === "return") ended = true;
            else if (event === "serialized-error") reject(new Error(`run ${runId}: ${data}`));
            else if (event === "message" && data) {
              for (const e of (JSON.parse(data) as { events: { seq: number }[] }).events) {
                if (e.seq !== expected) reject(new Error(`run ${runId}: got seq ${e.seq}, expected ${expected}`));
                expected++;
              }
            }
          }
        });
        res.on("end", () => (ended ? resolve(expected - 1) : reject(new Error(`run ${runId}: stream ended without 'return'`))));
      })
      .on("error", reject);
  });
}

/** For comparison: the same starts with nobody listening (each run still completes in the server). */
interface Measured {
  perSecond: number;
  events: number;
  ms: number;
  /** Server CPU per run (ms): what one server core can sustain is 1000 / this. */
  cpuPerRun: number;
  /** This process's (the clients') CPU per run (ms). */
  clientCpuPerRun: number;
}
/** This process's CPU time so far, in ms. */
function clientCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function startsOnly(flowId: string, runs: number, concurrency: number): Promise<Measured> {
  let next = 0;
  const cpu = await serverCpu();
  const own = clientCpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < runs) await client.runs.start.mutate({ flowId, inputs: { topic: `s${next++}` } });
    }),
  );
  const ms = performance.now() - started;
  return { perSecond: runs / (ms / 1000), events: 0, ms, cpuPerRun: ((await serverCpu()) - cpu) / runs, clientCpuPerRun: (clientCpu() - own) / runs };
}

async function measure(flowId: string, runs: number, concurrency: number, follow: Subscriber, audience = false): Promise<Measured> {
  let next = 0;
  let events = 0;
  const cpu = await serverCpu();
  const own = clientCpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < runs) {
        const count = await oneRun(client, flowId, next++, audience, follow);
        events += count;
      }
    }),
  );
  const ms = performance.now() - started;
  return { perSecond: runs / (ms / 1000), events, ms, cpuPerRun: ((await serverCpu()) - cpu) / runs, clientCpuPerRun: (clientCpu() - own) / runs };
}

try {
  const quick = await client.flows.create.mutate({ text: QUICK_FLOW });
  const research = await client.flows.create.mutate({ text: RESEARCH_FLOW });
  await measure(quick.flow.id, 300, CONCURRENCY, followWithSse); // warm-up: JIT, prepared statements, connections
  await measure(quick.flow.id, 300, CONCURRENCY, followWithTrpc);

  const q = await measure(quick.flow.id, RUNS, CONCURRENCY, followWithSse);
  const r = await measure(research.flow.id, Math.round(RUNS / 3), CONCURRENCY, followWithSse, true);
  const t = await measure(quick.flow.id, Math.round(RUNS / 3), CONCURRENCY, followWithTrpc);
  const s = await startsOnly(quick.flow.id, RUNS, CONCURRENCY);
  const line = (name: string, m: Measured, runs: number) =>
    `${name.padEnd(52)} ${m.perSecond.toFixed(0).padStart(6)} runs/s  (${runs} runs, ${m.events} events, ${(m.ms / 1000).toFixed(2)} s; server CPU ${m.cpuPerRun.toFixed(2)} ms/run = ${(1000 / m.cpuPerRun).toFixed(0)} runs/s per core; clients ${m.clientCpuPerRun.toFixed(2)} ms/run)`;
  console.log(`server: runs over HTTP, each with a live SSE subscriber, simulated model, ${CONCURRENCY} clients`);
  console.log(line("QuickFlow (expression, agent router, listener)", q, RUNS));
  console.log(line("ResearchReviewFlow (CrewAI example: crew, 2 agents)", r, Math.round(RUNS / 3)));
  console.log(line("QuickFlow, tRPC client subscribers (eventsource)", t, Math.round(RUNS / 3)));
  console.log(line("QuickFlow starts without a subscriber", s, RUNS));
  const load = (await import("node:os")).loadavg()[0]!;
  console.log(`target ≥ ${TARGET} runs/s: ${q.perSecond >= TARGET ? "met" : "NOT met"} (QuickFlow with SSE subscribers, wall clock; load average ${load.toFixed(1)} on ${(await import("node:os")).availableParallelism()} cores)`);
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(root, { recursive: true, force: true });
}
