// `pnpm bench`: does one heavy run stall the API for everyone? While each attack below runs, a client
// asks GET /api/health back to back and records how long each answer took (p50/p99/max), and the
// server's peak RSS is read from /proc (VmHWM, reset before each case). Targets: p99 ≤ 20 ms while any
// case runs; peak RSS ≤ 500 MB while a run hits the state limit. The floor is the same probe with
// nothing running.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { makeClient } from "../test/support/server";

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), "crewflow-health-bench-"));
const workspace = join(root, "workspace");
const child = spawn(
  process.execPath,
  ["--max-semi-space-size=32", "--import", "tsx", join(here, "../test/support/serve.ts"), join(root, "data"), workspace, JSON.stringify({ allowScripts: true })],
  { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, OPENAI_API_KEY: "", OPENAI_BASE_URL: "" } },
);
const url = await new Promise<string>((resolve, reject) => {
  child.once("exit", (code) => reject(new Error(`the bench server exited (${code})`)));
  createInterface({ input: child.stdout! }).once("line", (line) => resolve((JSON.parse(line) as { url: string }).url));
});
const client = makeClient(url);
writeFileSync(
  join(workspace, "bench.mjs"),
  `export function inc(flow) { flow.state.n = (flow.state.n ?? 0) + 1; return flow.state.n; }
export function decide(flow) { return flow.state.n < 10000 ? "retry" : "done"; }
export function grow(flow) { flow.state.blob = (flow.state.blob ?? "") + "x".repeat(1 << 20); return flow.state.blob.length; }
export function more(flow) { return flow.state.blob.length < 64 * (1 << 20) ? "again" : "stop"; }
export function items() { return Array.from({ length: 3000 }, (_, i) => i); }
`,
);

const flows = {
  loop: `schema: crewai.flow/v1
name: BenchLoop
config: {max_method_calls: 20000}
methods:
  step: {start: retry, do: {ref: "./bench.mjs:inc"}}
  decide: {listen: step, router: true, do: {ref: "./bench.mjs:decide"}}
  finish: {listen: done, do: {call: expression, expr: "'finished'"}}
`,
  state: `schema: crewai.flow/v1
name: BenchState
config: {max_method_calls: 1000}
methods:
  grow: {start: again, do: {ref: "./bench.mjs:grow"}}
  check: {listen: grow, router: true, do: {ref: "./bench.mjs:more"}}
`,
  cel: `schema: crewai.flow/v1
name: BenchCel
methods:
  load: {start: true, do: {ref: "./bench.mjs:items"}}
  heavy:
    listen: load
    do: {call: expression, expr: "outputs.load.map(x, outputs.load.filter(y, y < x).size()).size()"}
`,
  script: `schema: crewai.flow/v1
name: BenchScript
methods:
  hoard: {start: true, do: {call: script, language: javascript, code: "const a = []; while (true) a.push({ x: a.length, s: 'y'.repeat(64) });"}}
`,
};

function hugeFlow(methods: number): string {
  const lines = ["schema: crewai.flow/v1", "name: BenchHuge", "methods:", '  m0: {start: true, do: {call: expression, expr: "0"}}'];
  for (let i = 1; i < methods; i++) lines.push(`  m${i}: {listen: m${i - 1}, do: {call: expression, expr: "${i}"}}`);
  return `${lines.join("\n")}\n`;
}

function peakRss(): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}
function resetPeak(): void {
  writeFileSync(`/proc/${child.pid}/clear_refs`, "5");
}

/** Probes /api/health back to back until `work` settles; returns the latencies (ms) and work's outcome. */
async function probeWhile<T>(work: Promise<T>): Promise<{ latencies: number[]; outcome: T }> {
  let done = false;
  const settled = work.finally(() => (done = true));
  const latencies: number[] = [];
  while (!done || latencies.length < 20) {
    const t0 = performance.now();
    const response = await fetch(`${url}/api/health`);
    await response.arrayBuffer();
    latencies.push(performance.now() - t0);
  }
  return { latencies, outcome: await settled };
}

async function runToEnd(flowId: string): Promise<string> {
  const { runId } = await client.runs.start.mutate({ flowId });
  for (;;) {
    const run = await client.runs.get.query({ runId });
    if (run.status !== "queued" && run.status !== "running") return run.error ? `${run.status}: ${run.error.message.slice(0, 70)}` : run.status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const rows: string[][] = [];
async function measure(name: string, work: () => Promise<string>): Promise<void> {
  resetPeak();
  const { latencies, outcome } = await probeWhile(work());
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = quantile(sorted, 0.99);
  rows.push([name, String(latencies.length), quantile(sorted, 0.5).toFixed(1), p99.toFixed(1), sorted.at(-1)!.toFixed(1), peakRss().toFixed(0), p99 <= 20 ? "yes" : "NO", outcome]);
}

try {
  const created: Record<string, string> = {};
  for (const [name, text] of Object.entries(flows)) created[name] = (await client.flows.create.mutate({ text })).flow.id;
  await measure("nothing running (floor)", () => new Promise((resolve) => setTimeout(() => resolve("-"), 2000)));
  await measure("router loop, 10,000 iterations", () => runToEnd(created.loop!));
  await measure("state grows past the state limit", () => runToEnd(created.state!));
  await measure("one CEL expression (3,000² comparisons)", () => runToEnd(created.cel!));
  await measure("script allocating without end", () => runToEnd(created.script!));
  await measure("import of a 10,000-method flow", async () => {
    const imported = await client.flows.importYaml.mutate({ yaml: hugeFlow(10_000) }).then(
      (r) => `imported (v${r.flow.head.number})`,
      (err: unknown) => `refused: ${(err as Error).message.slice(0, 60)}`,
    );
    return imported;
  });
  const header = ["case", "probes", "p50 ms", "p99 ms", "max ms", "peak RSS MB", "p99 ≤ 20 ms", "outcome"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log("\n/api/health while one heavy job runs (server in its own process; this process probes)\n");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const stateRow = rows.find((r) => r[0]!.startsWith("state"))!;
  console.log(`\npeak server RSS while a run hits the state limit: ${stateRow[5]} MB (target ≤ 500 MB)`);
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(root, { recursive: true, force: true });
}
