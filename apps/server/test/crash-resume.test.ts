// Crash-resume through the server, on SQLite and on PostgreSQL: a generated flow (router loop, `or`/`and`
// joins, `each`, a review that waits for human feedback) whose step kills the server process (SIGKILL) as
// a chosen step starts. A new server on the same database finds the run interrupted;
// `POST /api/runs/:id/resume` continues it. It must end as the same flow
// run uninterrupted on a server does (status, output, state, method sequence), with the side effect of
// every committed step exactly once.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRASH_STEPS_MODULE, generateCrashFlow } from "@crewflow/runtime/testing";
import { startTestPostgres } from "@crewflow/store-prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { makeClient, removeDir } from "./support/server";
import { spawnServer } from "./support/process";
import type { ServerConfig } from "../src/app";

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
async function serveToEnd(tag: string, yaml: string, crashAt: number | null, config: Partial<ServerConfig>): Promise<Ended> {
  const dataDir = join(root, tag, "data");
  const workspace = join(root, tag, "workspace");
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, "steps.mjs"), CRASH_STEPS_MODULE);
  const files = { EFFECTS: join(root, tag, "effects"), STARTS: join(root, tag, "starts") };

  let server = await spawnServer(dataDir, workspace, { ...files, ...(crashAt ? { CRASH_AT: String(crashAt) } : {}) }, config);
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
    server = await spawnServer(dataDir, workspace, files, config);
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
    // A review step waits for a person: answer it as they would, through the API.
    if (answer !== "killed" && answer.status === "paused") {
      await client.feedback.submit.mutate({ runId, feedback: "looks good" });
      continue;
    }
    if (answer !== "killed" && answer.status !== "running" && answer.status !== "queued") break;
    if (answer === "killed") {
      crashes += 1;
      expect(crashes, "resumes needed").toBeLessThan(4);
      server = await spawnServer(dataDir, workspace, files, config);
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

// The kill points: in the loop, at the fan-out, at the joins, inside the each and at the review. Each is
// two server starts; PostgreSQL (slower to start on) takes three of them (CI time on 2 cores).
const killPoints = (starts: number): number[] => [...new Set([2, 3, Math.ceil(starts / 2), starts - 2, starts])];
const fewerKillPoints = (starts: number): number[] => [...new Set([2, Math.ceil(starts / 2), starts])];

describe.each([
  { name: "SQLite", points: killPoints, database: async () => ({ config: {}, stop: async () => undefined }) },
  {
    name: "PostgreSQL",
    points: fewerKillPoints,
    database: async () => {
      const pg = await startTestPostgres();
      return { config: { databaseUrl: pg.url, databasePoolMax: pg.poolMax }, stop: () => pg.stop() };
    },
  },
])("a server on $name killed mid-run (kill -9), restarted and resumed through the HTTP API", ({ name, points, database }) => {
  it("continues a loop with joins, each and a human review exactly where it was, at several kill points", async () => {
    const { yaml } = generateCrashFlow(1, { feedback: true });
    // Every server run gets a database of its own, as each gets its own side-effect log.
    const serve = async (tag: string, crashAt: number | null): Promise<Ended> => {
      const db = await database();
      try {
        return await serveToEnd(`${name}-${tag}`, yaml, crashAt, db.config);
      } finally {
        await db.stop();
      }
    };
    const reference = await serve("reference", null);
    expect(reference.status).toBe("completed");
    expect(reference.starts).toBeGreaterThan(8);
    expect(reference.sequence).toContain("review:completed");
    for (const at of points(reference.starts)) {
      const crashed = await serve(`at${at}`, at);
      expect(crashed.crashes, `killed at step start ${at}`).toBe(1);
      const { crashes: _c, starts: _s, ...got } = crashed;
      const { crashes: _rc, starts: _rs, ...want } = reference;
      expect(got, `killed at step start ${at}`).toEqual(want);
    }
  }, 900_000);
});
