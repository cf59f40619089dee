// Runs execute on threads, never on the API's event loop. Attacks: a step that never yields (an
// endless loop), a step that allocates without end, and an innocent run sharing the thread of the
// first. The API must keep answering, the attackers must fail naming the limit and its setting, and
// the innocent run must still complete.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refFlow } from "./support/fixtures";
import { type TestServer, removeDir, startServer, waitForRun } from "./support/server";

const MODULE = `import { existsSync, writeFileSync } from "node:fs";
export function spin() { for (;;) {} }
export function bulge() { const kept = []; for (let i = 0; i < 400; i++) kept.push(new Array(20000).fill(i)); return kept.length; }
export function hoard() { const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length)); }
export async function gate(flow) {
  writeFileSync(${JSON.stringify("GATE")} + ".entered", "");
  while (!existsSync(${JSON.stringify("GATE")})) await new Promise((resolve) => setTimeout(resolve, 20));
  return "through";
}
`;

let server: TestServer;
let gateFile: string;

beforeAll(async () => {
  // One shared thread, so the innocent run and an attacker share it; short limits so the test is quick.
  server = await startServer({ runThreads: 1, runBlockMs: 1500, runMemoryMb: 96 });
  gateFile = join(server.root, "gate");
  writeFileSync(join(server.workspace, "steps.mjs"), MODULE.replaceAll(JSON.stringify("GATE"), JSON.stringify(gateFile)));
});

afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.root);
});

async function flowOf(name: string, ref: string): Promise<string> {
  const created = await server.client.flows.create.mutate({ text: refFlow(name, ref) });
  return created.flow.id;
}

async function health(): Promise<number> {
  const response = await fetch(`${server.url}/api/health`);
  return response.status;
}

describe("run isolation", () => {
  it("a step that never yields: the API keeps answering, the run fails naming CREWFLOW_RUN_BLOCK_MS, a run on its thread completes", async () => {
    const { client } = server;
    const innocent = await client.runs.start.mutate({ flowId: await flowOf("Innocent", "./steps.mjs:gate") });
    // The innocent run is inside its step (on the only shared thread) before the attacker starts.
    while (!existsSync(`${gateFile}.entered`)) await new Promise((resolve) => setTimeout(resolve, 20));

    const spinner = await client.runs.start.mutate({ flowId: await flowOf("Spinner", "./steps.mjs:spin") });
    // While the spinner's thread is blocked, the API answers; the run shows as running.
    let answeredWhileBlocked = 0;
    for (;;) {
      expect(await health()).toBe(200);
      const run = await client.runs.get.query({ runId: spinner.runId });
      if (run.status !== "running" && run.status !== "queued") break;
      answeredWhileBlocked++;
    }
    expect(answeredWhileBlocked).toBeGreaterThan(0);
    const failed = await waitForRun(client, spinner.runId);
    expect(failed.status).toBe("failed");
    expect(failed.error?.type).toBe("RunLimitError");
    expect(failed.error?.message).toContain("CREWFLOW_RUN_BLOCK_MS");

    // The innocent run lost its thread too; it goes on (on a thread of its own) and completes.
    expect(existsSync(gateFile)).toBe(false);
    writeFileSync(gateFile, "open");
    const done = await waitForRun(client, innocent.runId);
    expect(done.status).toBe("completed");
    expect(done.output).toBe("through");

    // The failed run is released: resuming it is accepted (and fails the same way, on its own thread).
    const again = await client.runs.resume.mutate({ runId: spinner.runId });
    expect(["running", "queued"]).toContain(again.status);
    const refailed = await waitForRun(client, spinner.runId);
    expect(refailed.error?.message).toContain("CREWFLOW_RUN_BLOCK_MS");
  });

  it("a step that allocates without end fails naming CREWFLOW_RUN_MEMORY_MB; the server stays small and answers", async () => {
    const { client } = server;
    const before = process.memoryUsage().rss;
    const hoarder = await client.runs.start.mutate({ flowId: await flowOf("Hoarder", "./steps.mjs:hoard") });
    const failed = await waitForRun(client, hoarder.runId);
    expect(failed.status).toBe("failed");
    expect(failed.error?.message).toContain("CREWFLOW_RUN_MEMORY_MB");
    expect(await health()).toBe(200);
    // The thread's heap was capped at 96 MB and is gone: the process did not keep it.
    expect(process.memoryUsage().rss - before).toBeLessThan(400 * 1024 * 1024);

    // Afterwards runs work as before.
    const ok = await client.runs.start.mutate({ flowId: await flowOf("AfterHoard", "./steps.mjs:gate") });
    expect((await waitForRun(client, ok.runId)).status).toBe("completed");
  });

  it("a thread that grew large in a heavy run is replaced once idle, so the server does not keep that memory", async () => {
    const { client } = server;
    const threads = server.app.crewflow.threads;
    // ~64 MB live at once, under the 96 MB limit: the run completes, and its thread held that heap.
    const heavy = await client.runs.start.mutate({ flowId: await flowOf("Bulge", "./steps.mjs:bulge") });
    const done = await waitForRun(client, heavy.runId);
    expect(done.status).toBe("completed");
    expect(done.output).toBe(400);
    // The thread ends after its last job: no thread is left holding the heap (a new run makes a new one).
    await threads.whenNoThreads();
    expect(threads.stats.threads).toBe(0);
    const next = await client.runs.start.mutate({ flowId: await flowOf("AfterBulge", "./steps.mjs:gate") });
    expect((await waitForRun(client, next.runId)).status).toBe("completed");
  });

  it("importing a 20,000-method flow does not hold up the API: health keeps answering throughout", async () => {
    const lines = ["schema: crewai.flow/v1", "name: Huge", "methods:", '  m0: {start: true, do: {call: expression, expr: "0"}}'];
    for (let i = 1; i < 20_000; i++) lines.push(`  m${i}: {listen: m${i - 1}, do: {call: expression, expr: "${i}"}}`);
    const text = `${lines.join("\n")}\n`;
    const started = performance.now();
    let finished = 0;
    const importing = server.client.flows.importYaml.mutate({ yaml: text }).finally(() => (finished = performance.now()));
    // Health is asked back to back while the text is read; the longest silence between two answers
    // must be a small part of the whole read (read on the API's loop, it was all of it).
    const answers: number[] = [];
    while (!finished) {
      expect(await health()).toBe(200);
      answers.push(performance.now());
    }
    const imported = await importing;
    expect(imported.created).toBe(true);
    expect(imported.flow.name).toBe("Huge");
    const total = finished - started;
    const gaps = answers.map((t, i) => t - (answers[i - 1] ?? started));
    expect(answers.length).toBeGreaterThan(10);
    expect(Math.max(...gaps)).toBeLessThan(total / 2);
  });
});
