// Crash-resume property test: generated flows (router loops, `or`/`and` joins, `each`, a human-feedback
// pause answered with `--feedback`) run by the CLI,
// SIGKILLed at every step boundary (the process kills itself as step N starts) and right after a step's
// side effect (inside the step, before its commit), then resumed with `--resume` until they end. Each
// must end exactly as an uninterrupted run does: the same status, output, state and method sequence;
// every committed step's side effect happens exactly once (only steps under way at the kill may repeat).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CRASH_STEPS_MODULE, type LoggedEvent, generateCrashFlow, random, undurableEffects, unexplainedRepeats } from "@crewflow/runtime/testing";
import type { PrismaRunStore } from "@crewflow/store-prisma";
import { type Database, crewflow, postgres, sqlite, tempDir } from "./support/cli";

const dir = tempDir("crewflow-crash-");
writeFileSync(
  join(dir, "steps.mjs"),
  CRASH_STEPS_MODULE,
);

interface Report {
  status: string;
  runId: string;
  output: unknown;
  state: Record<string, unknown>;
  error: { type: string; message: string } | null;
}

interface Outcome {
  report: Report;
  sequence: string[];
  undurable: string[];
  effects: string[];
  starts: number;
  crashes: number;
}

/** Reads the database between CLI processes (a connection of its own, closed at once). */
async function read<T>(db: Database, query: (store: PrismaRunStore) => Promise<T>): Promise<T> {
  const store = await db.open();
  try {
    return await query(store);
  } finally {
    await store.close();
  }
}

const lines = (file: string): string[] => {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

/**
 * Runs `file` to its end: kills where `crash` says, then `--resume` until the run is no longer
 * interrupted. The CLI processes are what is tested; the test reads the run from the database itself.
 */
async function runToEnd(file: string, db: Database, tag: string, crash: Record<string, string> = {}): Promise<Outcome> {
  const effects = join(dir, `${tag}.effects`);
  const starts = join(dir, `${tag}.starts`);
  const env = { ...db.env, EFFECTS: effects, STARTS: starts, ...crash };
  let result = await crewflow(["run", file, "--json", "--db", db.url], env);
  let crashes = 0;
  let answers = 0;
  const runId = /run (\S+) started/.exec(result.stderr)?.[1];
  const statusOf = async (id: string) => (await read(db, (store) => store.getRun(id)))!.status;
  for (;;) {
    const paused = result.stdout.trim() !== "" && (JSON.parse(result.stdout) as Report).status === "paused";
    if (result.stdout.trim() !== "" && !paused) break;
    if (paused) answers += 1;
    else {
      // Killed: the process printed no report.
      crashes += 1;
      expect(runId, `the run started before the crash (${result.stderr})`).toBeTruthy();
    }
    expect(crashes + answers, "resumes needed").toBeLessThan(6);
    // A paused run (now, or when the kill came before the answer was taken) gets the same answer.
    const answer = paused || (await statusOf(runId!)) === "paused" ? ["--feedback", "looks good"] : [];
    result = await crewflow(["run", "--resume", runId!, ...answer, "--json", "--db", db.url], env);
  }
  const report = JSON.parse(result.stdout) as Report;
  if (runId) expect(report.runId).toBe(runId);
  // The method sequence of the whole run: its log across every process that worked on it.
  const events: LoggedEvent[] = await read(db, (store) => store.events(report.runId));
  const sequence = events.filter((e) => e.type.startsWith("method_execution_") && e.type !== "method_execution_started").map((e) => `${e.method}:${e.type.slice(17)}`);
  const done = lines(effects);
  // Compared without the process id: the same effects in the same order, whoever made them.
  return { report, sequence, undurable: undurableEffects(events, done), effects: done.map((e) => e.split("@").slice(0, 2).join("@")), starts: lines(starts).length, crashes };
}

const comparable = ({ report, sequence }: Outcome) => ({
  status: report.status,
  output: report.output,
  state: { ...report.state, id: null },
  sequence,
  error: report.error,
});

/** Share of crash points that also get a kill inside the step (each kill is ~3 CLI processes). */
const INSIDE_SHARE = 0.3;
// Many CLI processes per seed: one generated flow per database (CI time on 2 cores).
const TIMEOUT_MS = 600_000;

/** Maps `items` through `work`, at most `limit` at a time, keeping the order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function crashSuite(database: () => Database, seeds: readonly number[]) {
  it.each(seeds)("seed %i: killed at every step start and inside some steps, resumed, ends as an uninterrupted run", async (seed) => {
    const db = database();
    const flow = generateCrashFlow(seed, { feedback: true });
    const file = join(dir, `${db.name}-${flow.name}.yaml`);
    writeFileSync(file, flow.yaml);
    const reference = await runToEnd(file, db, `${db.name}-${seed}-ref`);
    expect(reference.report.status, flow.yaml).toBe("completed");
    expect(reference.crashes).toBe(0);
    expect(reference.starts).toBeGreaterThan(3);

    // Every step start is a crash point; a few of them (chosen by the seed) also get a kill inside
    // the step. A few processes at a time: each kill point is its own run with its own side-effect log.
    const pick = random(seed * 7919);
    const points = Array.from({ length: reference.starts }, (_, i) => i + 1);
    const inside = new Set(points.filter(() => pick() < INSIDE_SHARE));
    const crashes = await pool(points, db.concurrency, async (at) => {
      // Killed as step `at` starts: nothing of it happened. A sibling branch already under way then (an
      // `or`/`and` join's other side) may have made its side effect without committing it: only those repeat.
      const boundary = await runToEnd(file, db, `${db.name}-${seed}-at${at}`, { CRASH_AT: String(at) });
      expect(comparable(boundary), `${flow.yaml}killed at step start ${at}`).toEqual(comparable(reference));
      expect(unexplainedRepeats(boundary.effects, reference.effects, boundary.undurable), `repeated side effects of committed steps, killed at step start ${at} (undurable: ${boundary.undurable.join(", ")})`).toEqual([]);
      if (!inside.has(at)) return boundary.crashes;

      // Killed just after step `at`'s side effect, before its commit: the steps under way then (that
      // one and its concurrent siblings) run again, at most once more each; nothing committed does.
      const killed = await runToEnd(file, db, `${db.name}-${seed}-after${at}`, { CRASH_AFTER: String(at) });
      expect(comparable(killed), `${flow.yaml}killed inside step ${at}`).toEqual(comparable(reference));
      expect(unexplainedRepeats(killed.effects, reference.effects, killed.undurable), `repeated side effects of committed steps, killed inside step ${at} (undurable: ${killed.undurable.join(", ")})`).toEqual([]);
      return boundary.crashes + killed.crashes;
    });
    const crashed = crashes.reduce((a, b) => a + b, 0);
    expect(crashed).toBeGreaterThanOrEqual(reference.starts);
  }, TIMEOUT_MS);
}

describe("crash-resume of generated flows (CLI)", () => {
  describe("SQLite", () => crashSuite(sqlite, [1]));
  describe("PostgreSQL", () => crashSuite(postgres, [3]));
});
