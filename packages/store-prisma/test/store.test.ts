// The Prisma store on both databases, beyond the port's spec (spec.test.ts): runs driven end to end,
// one transaction per step, group commit, synchronous SQLite commits, persistence across store instances.
import { defineFlow, type FlowEvent } from "@crewflow/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaRunStore, sha256 } from "../src";
import { prismaOf } from "../src/store";
import { DATABASES, SQLITE, newRunRecord, tempDir, unique } from "../src/test-databases";
import { chain, drive } from "./support/flows";

describe.each(DATABASES)("store on $name", (db) => {
  let store: PrismaRunStore;
  const dir = tempDir();
  beforeAll(async () => {
    store = await db.open(dir);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("records a run: the event log reads back exactly, one step row per method with the state after it", async () => {
    const name = unique("Chain");
    const result = await drive(store, chain(name, 4), { inputs: { topic: "x" } });
    expect(result.status).toBe("completed");
    const flow = result.flow;
    const loaded = (await store.loadRun(result.runId))!;
    expect(loaded.events).toEqual(flow.events);
    expect(loaded.events.map((e) => e.seq)).toEqual(flow.events.map((_, i) => i + 1));
    expect(loaded.record).toMatchObject({
      runId: result.runId,
      flowName: name,
      status: "completed",
      origin: "new",
      inputs: { topic: "x" },
      output: "m4:4",
      stateId: flow.state.id,
      version: 1,
      parentRunId: null,
    });
    expect(loaded.record.endedAt).not.toBeNull();
    expect(loaded.record.durationMs).toBeGreaterThanOrEqual(0);
    const steps = await store.steps(result.runId);
    expect(steps.map((s) => [s.number, s.method, s.status, s.output])).toEqual([
      [1, "m1", "completed", "m1:1"],
      [2, "m2", "completed", "m2:2"],
      [3, "m3", "completed", "m3:3"],
      [4, "m4", "completed", "m4:4"],
    ]);
    expect(steps[2]!.state).toMatchObject({ count: 3, log: ["m1", "m2", "m3"], topic: "x" });
    expect(steps.every((s) => s.startSeq !== null && s.startSeq < s.seq)).toBe(true);
  });

  it("keeps immutable versions: same text → same version, changed text → the next one", async () => {
    const name = unique("Versions");
    const a = await drive(store, chain(name, 1));
    const b = await drive(store, chain(name, 1));
    const c = await drive(store, chain(name, 2));
    const [ra, rb, rc] = await Promise.all([a, b, c].map((r) => store.getRun(r.runId)));
    expect(ra!.versionId).toBe(rb!.versionId);
    expect(rc!.version).toBe(2);
    const version = (await store.getVersion(rc!.versionId))!;
    expect(version.definition).toBe(JSON.stringify(chain(name, 2).definition()));
    expect(version.hash).toBe(sha256(version.definition!));
  });

  it("commits each step before the next method starts (the engine awaits its journal hook)", async () => {
    const name = unique("Durable");
    const seen: Record<string, string[]> = {};
    let runId = "";
    // Each method looks at the database first: every earlier step must already be there.
    const result = await drive(
      store,
      chain(name, 4, [], async (method) => {
        seen[method] = (await store.steps(runId)).map((s) => s.method);
      }),
      { onRunCreated: (id) => (runId = id) },
    );
    expect(result.status).toBe("completed");
    expect(seen).toEqual({ m1: [], m2: ["m1"], m3: ["m1", "m2"], m4: ["m1", "m2", "m3"] });
    // The same through `commit` called directly:
    const events = result.flow.events;
    const other = unique("Commit");
    const copyId = crypto.randomUUID();
    await store.createRun({ ...(await store.getRun(runId))!, runId: copyId, flowName: other, status: "running" });
    const cut = events.findIndex((e) => e.type === "method_execution_finished") + 1;
    await store.commit(copyId, events.slice(0, cut).map((e) => ({ ...e, runId: copyId })));
    expect((await store.steps(copyId)).map((s) => s.method)).toEqual(["m1"]);
    // SQLite can also commit synchronously (for a listener that cannot await).
    if (store.canCommitSync) {
      const next = events.findIndex((e, i) => i >= cut && e.type === "method_execution_finished") + 1;
      store.commitSync(copyId, events.slice(cut, next).map((e) => ({ ...e, runId: copyId })));
      expect((await store.steps(copyId)).map((s) => s.method)).toEqual(["m1", "m2"]);
    } else expect(() => store.commitSync(copyId, [])).toThrow(/needs SQLite/);
  });

  it("group-commits concurrent runs' appends, and a bad append fails only its caller", async () => {
    const name = unique("Group");
    const runs = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const runId = crypto.randomUUID();
        await store.createRun(newRunRecord(runId, name, sha256(name)));
        return runId;
      }),
    );
    const before = store.writeStats;
    await Promise.all(runs.map((runId) => store.commit(runId, stepEvents(runId, name, 1, "a"))));
    const after = store.writeStats;
    expect(after.requests - before.requests).toBe(40);
    expect(after.transactions - before.transactions).toBeLessThan(40);
    // A duplicate seq violates the log's key: that commit fails, the others in the same batch land.
    const results = await Promise.allSettled(runs.slice(0, 5).map((runId, i) => store.commit(runId, stepEvents(runId, name, i === 2 ? 1 : 4, "b"))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((await store.steps(runs[2]!)).map((s) => s.method)).toEqual(["a"]);
    expect((await store.steps(runs[3]!)).map((s) => s.method)).toEqual(["a", "b"]);
  });

  it("implements CrewAI's persistence: latest snapshot per state id, pending feedback across store instances", async () => {
    const id = crypto.randomUUID();
    await store.saveState(id, "first", { id, n: 1 });
    await store.saveState(id, "second", { id, n: 2 });
    expect(await store.loadState(id)).toEqual({ id, n: 2 });
    expect(await store.loadState(crypto.randomUUID())).toBeNull();
    const context = {
      flow_id: id,
      flow_class: "F",
      method_name: "review",
      method_output: "draft",
      message: "ok?",
      emit: ["yes", "no"],
      default_outcome: null,
      metadata: {},
      llm: null,
      requested_at: new Date().toISOString(),
      execution_uuid: null,
    };
    await store.savePendingFeedback(id, context, { id, n: 3 });
    const other = await db.open(dir);
    try {
      expect(await other.loadPendingFeedback(id)).toEqual({ context, state: { id, n: 3 } });
      expect(await other.loadState(id)).toEqual({ id, n: 3 });
      await other.clearPendingFeedback(id);
    } finally {
      await other.close();
    }
    expect(await store.loadPendingFeedback(id)).toBeNull();
  });

  it("falls back to a run's latest step for a state id that was never @persist-ed", async () => {
    const result = await drive(store, chain(unique("Fallback"), 3));
    const stateId = String(result.flow.state.id);
    expect(await store.loadState(stateId)).toMatchObject({ id: stateId, count: 3 });
    const steps = await store.steps(result.runId);
    expect(await store.stateOrigin(stateId)).toEqual({ runId: result.runId, seq: steps.at(-1)!.seq });
  });

  it("records a failed run with its error and the failed step", async () => {
    const builder = defineFlow(unique("Fails"))
      .start("a", () => 1)
      .listen("b", "a", () => {
        throw new TypeError("bad row 2");
      });
    const result = await drive(store, builder);
    expect(result.status).toBe("failed");
    const run = (await store.getRun(result.runId))!;
    expect(run).toMatchObject({ status: "failed", error: { type: "TypeError", message: "bad row 2" } });
    expect((await store.steps(result.runId)).map((s) => [s.method, s.status, s.error])).toEqual([
      ["a", "completed", null],
      ["b", "failed", { type: "TypeError", message: "bad row 2" }],
    ]);
  });
});

describe("SQLite file", () => {
  it("is created and migrated on first open under the data directory, in WAL mode", async () => {
    const dir = tempDir();
    const store = await SQLITE.open(dir);
    try {
      expect(store.migrated.length).toBeGreaterThan(0);
      expect(store.url).toBe(`file:${dir}/crewflow.db`);
      const rows = await prismaOf(store).$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
      expect(rows[0]?.journal_mode).toBe("wal");
    } finally {
      await store.close();
    }
    const again = await SQLITE.open(dir);
    expect(again.migrated).toEqual([]);
    await again.close();
  });
});

type Body = FlowEvent extends infer E ? (E extends FlowEvent ? Omit<E, "seq" | "at" | "runId" | "flowName"> : never) : never;
function ev(runId: string, flowName: string, seq: number, body: Body): FlowEvent {
  return { ...body, seq, at: new Date().toISOString(), runId, flowName } as FlowEvent;
}

/** A started/finished pair at seq `from`, `from + 1` (what the engine commits for one step). */
function stepEvents(runId: string, flowName: string, from: number, method: string): FlowEvent[] {
  return [
    ev(runId, flowName, from, { type: "method_execution_started", method, execution: from, params: {}, state: { id: "s" }, triggeredBy: null }),
    ev(runId, flowName, from + 1, { type: "method_execution_finished", method, execution: from, result: 1, output: 1, label: null, state: { id: "s", m: method }, durationMs: 1 }),
  ];
}
