// Crash-resume through the server, on SQLite and on PostgreSQL: a generated flow (router loop, `or`/`and`
// joins, `each`, a review that waits for human feedback) whose steps kill the server process (SIGKILL).
// Each kill is followed by a new server on the same database, which finds the run interrupted;
// `POST /api/runs/:id/resume` continues it. One run is killed as every step starts (each position of the
// flow once), another right after the side effect of some steps (inside the step, before its commit).
// Each must end as the same flow run uninterrupted on a server does (status, output, state, method
// sequence), with the side effect of every committed step exactly once.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRASH_STEPS_MODULE, type LoggedEvent, generateCrashFlow, uncommittedEffects, unexplainedRepeats } from "@crewflow/runtime/testing";
import { PrismaRunStore } from "@crewflow/store-prisma";
import { startTestPostgres } from "@crewflow/store-prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { makeClient, removeDir } from "./support/server";
import { type ServerProcess, spawnServer } from "./support/process";
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

interface Database {
  config: Partial<ServerConfig>;
  /** The store the servers use, opened by the test between two of them. */
  open(dataDir: string): Promise<PrismaRunStore>;
  stop(): Promise<void>;
}

interface Ended {
  status: string;
  output: unknown;
  state: unknown;
  sequence: string[];
  effects: string[];
  /** Side effects the killed servers made and did not commit: the only ones that may repeat. */
  undurable: string[];
  starts: number;
  crashes: number;
}

/** Where the steps kill the server: step-start numbers, comma-separated (see CRASH_STEPS_MODULE). */
type Kills = { CRASH_AT?: string; CRASH_AFTER?: string };

const exitOf = (server: ServerProcess) =>
  new Promise<"killed">((resolve) => (server.child.exitCode !== null || server.child.signalCode !== null ? resolve("killed") : server.child.once("exit", () => resolve("killed"))));

/**
 * Starts the flow on a server that the steps kill where `kills` says, and after each kill starts another
 * server on the same database and resumes the run through the HTTP API, until the run ends.
 */
async function serveToEnd(tag: string, yaml: string, kills: Kills, db: Database, maxCrashes: number): Promise<Ended> {
  const dataDir = join(root, tag, "data");
  const workspace = join(root, tag, "workspace");
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, "steps.mjs"), CRASH_STEPS_MODULE);
  const files = { EFFECTS: join(root, tag, "effects"), STARTS: join(root, tag, "starts") };
  const env = { ...files, ...kills };

  let server = await spawnServer(dataDir, workspace, env, db.config);
  let client = makeClient(server.url);
  let exited = exitOf(server);
  const { flow } = await client.flows.create.mutate({ text: yaml });
  // Runs execute on a thread of their own, so a kill at an early step can land before the answer to
  // `start` is written: then the run is found in the list of the restarted server.
  const started = await client.runs.start.mutate({ flowId: flow.id }).catch(() => exited);
  let runId = started === "killed" ? null : started.runId;
  let killed = started === "killed";
  let crashes = 0;
  const undurable: string[] = [];
  let eventsSeen = 0;
  let effectsSeen = 0;
  for (;;) {
    if (!killed) {
      // The held request fails when the server dies under it: then wait for the exit itself.
      const polled = fetch(`${server.url}/api/runs/${runId}?wait=60`).then((r) => r.json() as Promise<{ status: string }>);
      const answer = await Promise.race([polled.catch(() => exited), exited]);
      if (answer !== "killed") {
        // A review step waits for a person: answer it as they would, through the API (the answer
        // continues the run, which may kill the server before the reply is written).
        if (answer.status === "paused") await client.feedback.submit.mutate({ runId: runId!, feedback: "looks good" }).catch(() => exited);
        else if (answer.status !== "running" && answer.status !== "queued") break;
        continue;
      }
    }
    await exited;
    crashes += 1;
    expect(crashes, "kills (a resume that does not progress would loop here)").toBeLessThanOrEqual(maxCrashes);
    server = await spawnServer(dataDir, workspace, env, db.config);
    client = makeClient(server.url);
    exited = exitOf(server);
    if (runId === null) {
      const { items } = await client.runs.list.query({ flowId: flow.id });
      expect(items.map((r) => r.status)).toEqual(["interrupted"]);
      runId = items[0]!.runId;
    }
    expect((await client.runs.get.query({ runId })).status).toBe("interrupted");
    // What the killed server did and did not commit: its part of the log and of the side-effect log.
    const store = await db.open(dataDir);
    const events = (await store.events(runId)) as LoggedEvent[];
    await store.close();
    const effects = lines(files.EFFECTS);
    undurable.push(...uncommittedEffects(events.slice(eventsSeen), effects.slice(effectsSeen)));
    eventsSeen = events.length;
    effectsSeen = effects.length;
    const resumed = await fetch(`${server.url}/api/runs/${runId}/resume`, { method: "POST" }).catch(() => exited);
    // The resumed run may kill this server before its answer is written.
    killed = resumed === "killed";
    if (!killed) expect((resumed as Response).status, await (resumed as Response).clone().text()).toBe(202);
  }
  const run = await client.runs.get.query({ runId: runId! });
  const steps = await client.runs.steps.query({ runId: runId! });
  server.child.kill("SIGTERM");
  return {
    status: run.status,
    output: run.output,
    state: { ...(steps.at(-1)?.state as Record<string, unknown>), id: null },
    sequence: steps.map((s) => `${s.method}:${s.status}`),
    effects: lines(files.EFFECTS).map((e) => e.split("@").slice(0, 2).join("@")),
    undurable,
    starts: lines(files.STARTS).length,
    crashes,
  };
}

const comparable = ({ status, output, state, sequence }: Ended) => ({ status, output, state, sequence });

describe.each([
  {
    name: "SQLite",
    database: async (): Promise<Database> => ({ config: {}, open: (dataDir) => PrismaRunStore.open({ dataDir }), stop: async () => undefined }),
  },
  {
    name: "PostgreSQL",
    database: async (): Promise<Database> => {
      const pg = await startTestPostgres();
      return {
        config: { databaseUrl: pg.url, databasePoolMax: pg.poolMax },
        open: () => PrismaRunStore.open({ url: pg.url, poolMax: 2 }),
        stop: () => pg.stop(),
      };
    },
  },
])("a server on $name killed mid-run (kill -9), restarted and resumed through the HTTP API", ({ name, database }) => {
  it("continues a loop with joins, each and a human review exactly where it was, killed as every step starts and inside steps", async () => {
    const { yaml } = generateCrashFlow(1, { feedback: true });
    // Every server run gets a database of its own, as each gets its own side-effect log.
    const serve = async (tag: string, kills: Kills, maxCrashes: number): Promise<Ended> => {
      const db = await database();
      try {
        return await serveToEnd(`${name}-${tag}`, yaml, kills, db, maxCrashes);
      } finally {
        await db.stop();
      }
    };
    const reference = await serve("reference", {}, 0);
    expect(reference.status).toBe("completed");
    expect(reference.starts).toBeGreaterThan(8);
    expect(reference.sequence).toContain("review:completed");
    expect(reference.crashes).toBe(0);

    // Killed at every odd step start: step start 1 dies, its rerun (2) completes, the next step (3)
    // dies… so each position of the flow is killed once, each time in a server that itself resumed.
    const odd = Array.from({ length: reference.starts }, (_, i) => 2 * i + 1);
    const boundaries = await serve("boundaries", { CRASH_AT: odd.join(",") }, odd.length);
    expect(comparable(boundaries), "killed as every step starts").toEqual(comparable(reference));
    expect(boundaries.crashes).toBe(reference.starts);
    expect(unexplainedRepeats(boundaries.effects, reference.effects, boundaries.undurable), `repeated side effects of committed steps (undurable: ${boundaries.undurable.join(", ")})`).toEqual([]);

    // Killed right after the side effect of every third step start, before its commit: that step
    // (and a sibling under way) runs again, nothing committed does.
    const thirds = Array.from({ length: reference.starts }, (_, i) => 3 * i + 2);
    const inside = await serve("inside", { CRASH_AFTER: thirds.join(",") }, thirds.length);
    expect(comparable(inside), "killed inside steps").toEqual(comparable(reference));
    // (A listed start is not killed when a concurrent sibling's kill ends its server first.)
    expect(inside.crashes).toBeLessThanOrEqual(thirds.filter((at) => at <= inside.starts).length);
    expect(inside.crashes).toBeGreaterThanOrEqual(reference.starts / 3);
    expect(unexplainedRepeats(inside.effects, reference.effects, inside.undurable), `repeated side effects of committed steps (undurable: ${inside.undurable.join(", ")})`).toEqual([]);
  }, 900_000);
});
