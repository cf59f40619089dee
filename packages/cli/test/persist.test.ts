// `crewflow run` on the database, both kinds: SIGKILL at random moments then --resume, fork from a step
// with an edit, the run list and step log, and replay of a crew-using run against a counting LLM server.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeOpenAI } from "@crewflow/crews/testing";
import type { StepView } from "@crewflow/store-prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, crewflow, postgres, spawnCrewflow, sqlite, tempDir } from "./support/cli";

const dir = tempDir();
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

// Ten steps; each notes that it started (a file the test reads), sleeps, then counts and logs itself.
const methods = Array.from({ length: 10 }, (_, i) => `m${i + 1}`);
write(
  "slow.mjs",
  `import { appendFileSync } from "node:fs";
async function step(flow, name) {
  if (process.env.CREWFLOW_MARKERS) appendFileSync(process.env.CREWFLOW_MARKERS, name + "\\n");
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.STEP_MS ?? 20)));
  flow.state.count = (flow.state.count ?? 0) + 1;
  flow.state.log = [...(flow.state.log ?? []), name];
  return name + ":" + flow.state.count;
}
${methods.map((m) => `export const ${m} = (flow) => step(flow, "${m}");`).join("\n")}
`,
);
const slowFlow = (name: string, length: number) =>
  write(
    `${name}.yaml`,
    `schema: crewai.flow/v1
name: ${name}
state: {type: dict, default: {count: 0, log: []}}
methods:
${methods
  .slice(0, length)
  .map((m, i) => `  ${m}: {${i === 0 ? "start: true" : `listen: m${i}`}, do: {ref: "./slow.mjs:${m}"}}`)
  .join("\n")}
`,
  );

interface Report {
  status: string;
  runId: string;
  stateId: string;
  output: unknown;
  state: Record<string, unknown>;
  trace: { method: string }[];
  error: { type: string; message: string } | null;
  replay?: { identical: boolean; liveCalls: number; replayedCalls: number; firstDifference: { index: number; recordedMethod: string } | null };
}

const json = (stdout: string) => JSON.parse(stdout) as Report;
const withoutId = (state: Record<string, unknown>) => ({ ...state, id: null });

/** Runs the CLI until its run exists, SIGKILLs it `delayMs` later (or lets it finish), and says what it printed. */
function runAndKill(file: string, db: Database, markers: string, delayMs: number): Promise<{ runId: string; committed: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawnCrewflow(["run", file, "--db", db.url], { ...db.env, CREWFLOW_MARKERS: markers, STEP_MS: "20" });
    let stderr = "";
    let runId = "";
    let killed = false;
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const started = /run (\S+) started/.exec(stderr);
      if (started && !runId) {
        runId = started[1]!;
        setTimeout(() => (killed = child.kill("SIGKILL")), delayMs);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (!runId) return reject(new Error(`the run never started (exit ${code} ${signal}): ${stderr}`));
      // A ✓ line is printed only once its step is committed.
      const committed = [...stderr.matchAll(/^✓ (\S+)/gm)].map((m) => m[1]!);
      resolve({ runId, committed, killed: killed && signal === "SIGKILL" });
    });
  });
}

const summary = (steps: StepView[]) => steps.map((s) => ({ seq: s.seq, method: s.method, status: s.status, state: s.state }));

describe.each([
  ["sqlite", sqlite],
  ["postgres", postgres],
])("crewflow run on %s", (_name, make) => {
  let db: Database;
  beforeAll(() => {
    db = make();
  });

  it("survives SIGKILL at 12 random moments of a 10-step run: --resume completes it, nothing committed is lost", async () => {
    const file = slowFlow(`Kill${_name}`, 10);
    const clean = await crewflow(["run", file, "--db", db.url, "--json"], { ...db.env, STEP_MS: "20" });
    expect(clean.code).toBe(0);
    const expected = withoutId(json(clean.stdout).state);
    expect(expected).toMatchObject({ count: 10, log: methods });
    // Kill moments spread over the steps' part of a run (startup is excluded: the clock starts at "run … started").
    const span = Math.max(250, 10 * 20 * 1.6);
    const moments = Array.from({ length: 12 }, () => Math.floor(Math.random() * span));
    const store = await db.open();
    try {
      let interrupted = 0;
      // Several runs at once where the database allows it (each process is killed at its own moment).
      for (let batch = 0; batch < moments.length; batch += db.concurrency) {
        await Promise.all(
          moments.slice(batch, batch + db.concurrency).map(async (delay, i) => {
            const markers = join(dir, `markers-${_name}-${batch + i}`);
            appendFileSync(markers, "");
            const { runId, committed, killed } = await runAndKill(file, db, markers, delay);
            if (killed) interrupted++;
            const before = await store.steps(runId);
            const inDb = before.map((s) => s.method);
            const context = `kill #${batch + i} at +${delay} ms: committed ${committed.join(",")}; in db ${inDb.join(",")}`;
            // Every step reported as completed before the kill is in the database…
            expect(inDb, context).toEqual(expect.arrayContaining(committed));
            // …and so is every step whose successor had started (the engine awaits each step's commit).
            const started = readFileSync(markers, "utf8").split("\n").filter(Boolean);
            for (const m of started.slice(1)) expect(inDb, context).toContain(methods[methods.indexOf(m) - 1]);
            const resumed = await crewflow(["run", file, "--db", db.url, "--json", "--resume", runId], db.env);
            expect(resumed.code, `${context}\n${resumed.stderr}`).toBe(0);
            const report = json(resumed.stdout);
            expect(report.status).toBe("completed");
            expect(report.runId).toBe(runId);
            expect(withoutId(report.state), context).toEqual(expected);
            const after = await store.steps(runId);
            expect(summary(after).slice(0, before.length), context).toEqual(summary(before));
            expect(after.map((s) => s.method), context).toEqual(methods);
            const events = (await store.loadRun(runId))!.events;
            expect(events.map((e) => e.seq)).toEqual(events.map((_, k) => k + 1));
            expect((await store.getRun(runId))!.status).toBe("completed");
          }),
        );
      }
      expect(interrupted).toBeGreaterThanOrEqual(6); // most kills land mid-run
    } finally {
      await store.close();
    }
  });

  it("forks from step 3 of a 6-step run with an edited value", async () => {
    const file = slowFlow(`Fork${_name}`, 6);
    const parent = json((await crewflow(["run", file, "--db", db.url, "--json"], { ...db.env, STEP_MS: "1" })).stdout);
    expect(parent.status).toBe("completed");
    const markers = join(dir, `fork-markers-${_name}`);
    appendFileSync(markers, "");
    const forked = await crewflow(["run", file, "--db", db.url, "--json", "--fork", `${parent.runId}#3`, "--set", "count=100", "--set", "note=edited"], {
      ...db.env,
      STEP_MS: "1",
      CREWFLOW_MARKERS: markers,
    });
    expect(forked.code, forked.stderr).toBe(0);
    const fork = json(forked.stdout);
    expect(fork.runId).not.toBe(parent.runId);
    expect(fork.stateId).not.toBe(parent.stateId);
    expect(readFileSync(markers, "utf8").split("\n").filter(Boolean)).toEqual(["m4", "m5", "m6"]); // steps 1–3 not re-executed
    expect(fork.trace.map((t) => t.method)).toEqual(["m4", "m5", "m6"]);
    expect(fork.state).toMatchObject({ count: 103, note: "edited", log: methods.slice(0, 6) });
    const shown = await crewflow(["show", fork.runId, "--db", db.url, "--json"], db.env);
    const { run, steps } = JSON.parse(shown.stdout) as { run: Record<string, unknown>; steps: StepView[] };
    const parentSteps = (JSON.parse((await crewflow(["show", parent.runId, "--db", db.url, "--json"], db.env)).stdout) as { steps: StepView[] }).steps;
    expect(run).toMatchObject({
      origin: "fork",
      parentRunId: parent.runId,
      parentSeq: parentSteps[2]!.seq,
      forkPatch: [
        { op: "replace", path: "/count", value: 100 },
        { op: "add", path: "/note", value: "edited" },
      ],
    });
    expect(steps.map((s) => s.method)).toEqual(["m4", "m5", "m6"]);
    expect(steps[0]!.state).toMatchObject({ count: 101, note: "edited" });
    // The human views: the list shows the lineage, the step log shows the steps.
    const list = await crewflow(["runs", "--db", db.url, "--flow", `Fork${_name}`], db.env);
    expect(list.stdout).toContain(`fork of ${parent.runId}@${parentSteps[2]!.seq} (edited)`);
    const log = await crewflow(["show", parent.runId, "--db", db.url], db.env);
    expect(log.stdout).toMatch(/^3\s+\d+\s+m3\s+completed/m);
    const diff = await crewflow(["diff", parent.runId, fork.runId, "--db", db.url], db.env);
    expect(diff.stdout).toContain("~ m4#1: replace /count=101, add /note=\"edited\"");
  });
});

describe("replay of a crew-using run", () => {
  let fake: FakeOpenAI;
  const db = sqlite();
  beforeAll(async () => {
    fake = await FakeOpenAI.start((body) => {
      const system = body.messages[0]?.content ?? "";
      if (system.includes("Researcher")) return { content: "Tides follow the moon.", usage: { prompt_tokens: 20, completion_tokens: 5 } };
      return { content: "short", usage: { prompt_tokens: 12, completion_tokens: 1 } };
    });
  });
  afterAll(() => fake?.close());

  const crewYaml = (summaryInput: string) => `schema: crewai.flow/v1
name: TideNotes
state: {type: dict, default: {topic: tides}}
methods:
  research:
    start: true
    do: {call: agent, with: {role: Researcher, goal: Find one fact, backstory: Precise., input: "Research \${state.topic}"}}
  summarize:
    listen: research
    do: {call: agent, with: {role: Editor, goal: Say it short, backstory: Terse., input: "${summaryInput}"}}
  store:
    listen: summarize
    do: {call: expression, expr: "'done'"}
`;

  it("makes zero HTTP requests to the LLM server and ends in the same state; a changed version names its first differing request", async () => {
    const file = write("tides.yaml", crewYaml("Summarize: ${outputs.research.raw}"));
    const env = { ...db.env, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "sk-test-replay" };
    const recorded = await crewflow(["run", file, "--db", db.url, "--json"], env);
    expect(recorded.code, recorded.stderr).toBe(0);
    const original = json(recorded.stdout);
    expect(fake.count).toBe(2);

    const replayed = await crewflow(["run", "--replay", original.runId, "--db", db.url, "--json"], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(fake.count).toBe(2); // not one request more
    const replay = json(replayed.stdout);
    expect(replay.replay).toMatchObject({ identical: true, liveCalls: 0, replayedCalls: 2, firstDifference: null });
    expect(withoutId(replay.state)).toEqual(withoutId(original.state));
    expect(replay.trace.map((t) => t.method)).toEqual(original.trace.map((t) => t.method));

    const changed = write("tides-v2.yaml", crewYaml("Summarize in five words: ${outputs.research.raw}"));
    const diverged = await crewflow(["run", changed, "--replay", original.runId, "--db", db.url, "--json"], env);
    expect(diverged.code).toBe(1);
    expect(fake.count).toBe(2);
    expect(json(diverged.stdout).replay).toMatchObject({ identical: false, firstDifference: { index: 1, recordedMethod: "summarize" } });
  });
});
