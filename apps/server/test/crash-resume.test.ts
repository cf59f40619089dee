// Crash-resume through the server: a generated flow (router loop, `or`/`and` joins, `each`) whose step
// kills the server process (SIGKILL) as a chosen step starts. A new server on the same data directory
// finds the run interrupted; `POST /api/runs/:id/resume` continues it. It must end as the same flow
// run uninterrupted on a server does (status, output, state, method sequence), with the side effect of
// every committed step exactly once.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRASH_STEPS_MODULE, generateCrashFlow } from "@crewflow/runtime/testing";
import { afterAll, describe, expect, it } from "vitest";
import { makeClient, removeDir } from "./support/server";
import { spawnServer } from "./support/process";

const root = mkdtempSync(join(tmpdir(), "crewflow-server-crash-"));
afterAll(() => removeDir(root));


const lines = (file: string): string[] => {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

interface Ended {
  status: string;
  output: unknown;
  state: unknown;
  sequence: string[];
  effects: string[];
  starts: number;
  crashes: number;
}

/** Starts the flow on a server (killed where CRASH_AT says), restarting and resuming it until it ends. */
async function serveToEnd(tag: string, yaml: string, crashAt: number | null): Promise<Ended> {
  const dataDir = join(root, tag, "data");
  const workspace = join(root, tag, "workspace");
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, "steps.mjs"), CRASH_STEPS_MODULE);
  const files = { EFFECTS: join(root, tag, "effects"), STARTS: join(root, tag, "starts") };

  let server = await spawnServer(dataDir, workspace, { ...files, ...(crashAt ? { CRASH_AT: String(crashAt) } : {}) });
  let client = makeClient(server.url);
  const { flow } = await client.flows.create.mutate({ text: yaml });
  let exited = new Promise<"killed">((resolve) => server.child.once("exit", () => resolve("killed")));
  // Runs execute on a thread of their own, so a kill at an early step can land before the answer to
  // `start` is written: then the run is found in the list of the restarted server.
  const started = await client.runs.start.mutate({ flowId: flow.id }).catch(() => exited);
  let crashes = 0;
  let runId: string;
  if (started === "killed") {
    crashes += 1;
    server = await spawnServer(dataDir, workspace, files);
    client = makeClient(server.url);
    const { items } = await client.runs.list.query({ flowId: flow.id });
    expect(items.map((r) => r.status)).toEqual(["interrupted"]);
    runId = items[0]!.runId;
    const resumed = await fetch(`${server.url}/api/runs/${runId}/resume`, { method: "POST" });
    expect(resumed.status, await resumed.clone().text()).toBe(202);
  } else {
    runId = started.runId;
  }
  for (;;) {
    exited = new Promise<"killed">((resolve) => server.child.once("exit", () => resolve("killed")));
    // The held request fails when the server dies under it: then wait for the exit itself.
    const polled = fetch(`${server.url}/api/runs/${runId}?wait=60`).then((r) => r.json() as Promise<{ status: string }>);
    const answer = await Promise.race([polled.catch(() => exited), exited]);
    if (answer !== "killed" && answer.status !== "running" && answer.status !== "queued") break;
    if (answer === "killed") {
      crashes += 1;
      expect(crashes, "resumes needed").toBeLessThan(4);
      server = await spawnServer(dataDir, workspace, files);
      client = makeClient(server.url);
      expect((await client.runs.get.query({ runId })).status).toBe("interrupted");
      const resumed = await fetch(`${server.url}/api/runs/${runId}/resume`, { method: "POST" });
      expect(resumed.status, await resumed.clone().text()).toBe(202);
    }
  }
  const run = await client.runs.get.query({ runId });
  const steps = await client.runs.steps.query({ runId });
  server.child.kill("SIGTERM");
  return {
    status: run.status,
    output: run.output,
    state: { ...(steps.at(-1)?.state as Record<string, unknown>), id: null },
    sequence: steps.map((s) => `${s.method}:${s.status}`),
    effects: lines(files.EFFECTS).map((e) => e.split("@").slice(0, 2).join("@")),
    starts: lines(files.STARTS).length,
    crashes,
  };
}

describe("a server killed mid-run (kill -9), restarted and resumed through the HTTP API", () => {
  it("continues a loop with joins and each exactly where it was, at several kill points", async () => {
    const { yaml } = generateCrashFlow(1);
    const reference = await serveToEnd("reference", yaml, null);
    expect(reference.status).toBe("completed");
    expect(reference.starts).toBeGreaterThan(8);
    // Kill points across the flow: in the loop, at the fan-out, at the joins and inside the each.
    const points = [2, 3, Math.ceil(reference.starts / 2), reference.starts - 2, reference.starts];
    for (const at of points) {
      const crashed = await serveToEnd(`at${at}`, yaml, at);
      expect(crashed.crashes, `killed at step start ${at}`).toBe(1);
      const { crashes: _c, starts: _s, ...got } = crashed;
      const { crashes: _rc, starts: _rs, ...want } = reference;
      expect(got, `killed at step start ${at}`).toEqual(want);
    }
  }, 600_000);
});
