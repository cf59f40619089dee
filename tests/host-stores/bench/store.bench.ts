// `pnpm bench` for the run host on the Prisma store (SQLite). Targets: ≤ 100 µs per persisted step and
// ≤ 4× the floor (a raw better-sqlite3 insert of the same snapshot), ≥ 1,500 runs/s for 200 concurrent
// persisted 10-step runs.
//   - "engine + store": real runs through runFlow: the engine awaits the store's commit (its journal
//     hook) after every step, so each step is durable before the next one starts;
//   - "commit path": the store's `commit` alone, awaited per step with the batches a real run produced
//     (the persistence share of the figure above);
//   - "engine alone": the same flows in memory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FlowBuilder, type FlowEvent, defineFlow, sha256 } from "@crewflow/runtime";
import Database from "better-sqlite3";
import { COMMIT_POINTS, newRunId, runFlow } from "@crewflow/host";
import { PrismaRunStore } from "@crewflow/store-prisma";
import { newRunRecord } from "@crewflow/store-prisma/testing";

interface Result {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
const results: Result[] = [];
const report = (name: string, value: number, unit: string, note?: string) => results.push({ name, value, unit, ...(note ? { note } : {}) });

function routerLoop(iterations: number): FlowBuilder {
  return defineFlow("Loop", { config: { max_method_calls: iterations + 10 } })
    .method("step", { start: "again" }, (flow) => {
      flow.state.i = ((flow.state.i as number) ?? 0) + 1;
      return flow.state.i;
    })
    .router("decide", "step", (flow) => ((flow.state.i as number) < iterations ? "again" : "done"))
    .listen("finish", "done", (flow) => flow.state.i);
}

function linear(length: number): FlowBuilder {
  const builder = defineFlow("Linear").start("m0", (flow) => (flow.state.n = 0));
  for (let i = 1; i < length; i++) builder.listen(`m${i}`, `m${i - 1}`, (flow) => (flow.state.n = i));
  return builder;
}

const hosted = (builder: FlowBuilder) => {
  const definition = builder.definition();
  return { definition, text: JSON.stringify(definition), sourcePath: null, flowOptions: { modules: builder.modules() } };
};

/** The events of one in-memory run, and their batches as the journal commits them. */
async function recorded(builder: FlowBuilder): Promise<{ events: FlowEvent[]; batches: FlowEvent[][]; steps: number; ms: number }> {
  const flow = await builder.create();
  const start = performance.now();
  await flow.kickoff();
  const ms = performance.now() - start;
  const batches: FlowEvent[][] = [];
  let current: FlowEvent[] = [];
  for (const event of flow.events) {
    current.push(event);
    if (COMMIT_POINTS.has(event.type)) {
      batches.push(current);
      current = [];
    }
  }
  if (current.length) batches.push(current);
  return { events: flow.events, batches, steps: flow.events.filter((e) => e.type === "method_execution_finished").length, ms };
}

const retag = (batch: FlowEvent[], runId: string): FlowEvent[] => batch.map((e) => ({ ...e, runId }));

function record(runId: string, flowName: string, text: string) {
  return newRunRecord(runId, flowName, sha256(text));
}

async function best(times: number, fn: () => Promise<number>): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) min = Math.min(min, await fn());
  return min;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "crewflow-bench-"));
  const store = await PrismaRunStore.open({ dataDir: dir });
  const loop = await recorded(routerLoop(1000));
  const loopText = JSON.stringify(routerLoop(1000).definition());
  await store.registerVersion({ name: "Loop", definition: loopText });

  // Floor: one autocommit INSERT of each step's snapshot, same pragmas (WAL, synchronous=NORMAL).
  const raw = new Database(join(dir, "floor.db"));
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.exec("CREATE TABLE snapshots (run_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (run_id, seq))");
  const insert = raw.prepare("INSERT INTO snapshots (run_id, seq, state) VALUES (?, ?, ?)");
  const finished = loop.events.filter((e): e is Extract<FlowEvent, { type: "method_execution_finished" }> => e.type === "method_execution_finished");
  const floor = await best(5, async () => {
    const runId = newRunId();
    const start = performance.now();
    for (const e of finished) insert.run(runId, e.seq, JSON.stringify(e.state));
    return ((performance.now() - start) * 1000) / finished.length;
  });
  raw.close();

  // Commit path: the store's commit awaited once per step.
  const commitPath = await best(5, async () => {
    const runId = newRunId();
    await store.createRun(record(runId, "Loop", loopText));
    const batches = loop.batches.map((b) => retag(b, runId));
    const start = performance.now();
    for (const batch of batches) await store.commit(runId, batch);
    return ((performance.now() - start) * 1000) / loop.steps;
  });

  // Engine in memory vs engine + store (runFlow, commits from the listener).
  const memory = await best(5, async () => ((await recorded(routerLoop(1000))).ms * 1000) / loop.steps);
  const persisted = await best(5, async () => {
    const start = performance.now();
    const result = await runFlow(store, hosted(routerLoop(1000)), { kind: "new" });
    if (result.status !== "completed") throw new Error(String(result.error));
    return ((performance.now() - start) * 1000) / loop.steps;
  });

  report("floor: raw better-sqlite3 insert of the snapshot", floor, "µs/step");
  report("commit path: store.commit per step (awaited)", commitPath, "µs/step", `${(commitPath / floor).toFixed(2)}× floor; target ≤ 100 µs, ≤ 4×`);
  report("engine alone, in memory", memory, "µs/step");
  report("engine + store (runFlow, whole run)", persisted, "µs/step", `${(persisted / floor).toFixed(2)}× floor; persistence adds ${(persisted - memory).toFixed(1)} µs/step`);

  // 200 concurrent 10-step runs.
  const ten = await recorded(linear(10));
  const tenText = JSON.stringify(linear(10).definition());
  await store.registerVersion({ name: "Linear", definition: tenText });
  const before = store.writeStats;
  const commitRuns = await best(3, async () => {
    const ids = Array.from({ length: 200 }, () => newRunId());
    const start = performance.now();
    await Promise.all(
      ids.map(async (runId) => {
        await store.createRun(record(runId, "Linear", tenText));
        for (const batch of ten.batches) await store.commit(runId, retag(batch, runId));
      }),
    );
    return 200 / ((performance.now() - start) / 1000);
  });
  const after = store.writeStats;
  const perTx = (after.requests - before.requests) / (after.transactions - before.transactions);
  const memoryRuns = await best(3, async () => {
    const flows = await Promise.all(Array.from({ length: 200 }, () => linear(10).create()));
    const start = performance.now();
    await Promise.all(flows.map((f) => f.kickoff()));
    return 200 / ((performance.now() - start) / 1000);
  });
  const e2eBefore = store.writeStats;
  const e2eRuns = await best(5, async () => {
    const builder = hosted(linear(10));
    const start = performance.now();
    await Promise.all(Array.from({ length: 200 }, () => runFlow(store, builder, { kind: "new" })));
    return 200 / ((performance.now() - start) / 1000);
  });
  const e2eAfter = store.writeStats;
  const e2eTx = (e2eAfter.requests - e2eBefore.requests) / (e2eAfter.transactions - e2eBefore.transactions);
  report("200 concurrent 10-step runs, commit path", commitRuns, "runs/s", `group commit: ${perTx.toFixed(1)} requests per transaction`);
  report("200 concurrent 10-step runs, engine alone in memory", memoryRuns, "runs/s");
  report("200 concurrent 10-step runs, engine + store (runFlow)", e2eRuns, "runs/s", `${e2eTx.toFixed(1)} requests per transaction; target ≥ 1,500`);
  await store.close();

  console.log("store-prisma (SQLite, WAL, synchronous=NORMAL)");
  for (const r of results) console.log(`  ${r.name.padEnd(56)} ${r.value.toFixed(r.value < 100 ? 2 : 0).padStart(9)} ${r.unit.padEnd(8)}${r.note ? `  ${r.note}` : ""}`);
}

await main();
