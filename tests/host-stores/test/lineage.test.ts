// Resume, fork from any step, checkpoint restore, restore_from_state_id, human feedback across restarts,
// and the diffs between steps and runs — each across store instances (a new process sees only the database).
import { type FlowHandle, defineFlow } from "@crewflow/runtime";
import { describe, expect, it } from "vitest";
import { assignmentsToPatch, diffRuns, diffSteps, runFlow } from "@crewflow/host";
import type { PrismaRunStore } from "@crewflow/store-prisma";
import { DATABASES, tempDir, unique } from "@crewflow/store-prisma/testing/databases";
import { chain, hosted } from "@crewflow/host/spec";

async function withStore<T>(open: () => Promise<PrismaRunStore>, fn: (store: PrismaRunStore) => Promise<T>): Promise<T> {
  const store = await open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe.each(DATABASES)("lineage on $name", (db) => {
  const dir = tempDir();
  const open = () => db.open(dir);

  it("resumes an interrupted run by id in a new store: completed steps are not run again, the log stays gap-free", async () => {
    const name = unique("Resume");
    const calls: string[] = [];
    let crash = true;
    const builder = () =>
      chain(name, 5, calls, (method) => {
        if (method === "m4" && crash) throw new Error("process died");
      });
    const first = await withStore(open, (store) => runFlow(store, hosted(builder()), { kind: "new" }));
    expect(first.status).toBe("failed");
    crash = false;
    calls.length = 0;
    const resumed = await withStore(open, (store) => runFlow(store, hosted(builder()), { kind: "resume", runId: first.runId }));
    expect(resumed.status).toBe("completed");
    expect(resumed.runId).toBe(first.runId);
    expect(calls).toEqual(["m4", "m5"]);
    await withStore(open, async (store) => {
      const loaded = (await store.loadRun(first.runId))!;
      expect(loaded.record.status).toBe("completed");
      expect(loaded.events.map((e) => e.seq)).toEqual(loaded.events.map((_, i) => i + 1));
      expect((await store.steps(first.runId)).map((s) => `${s.method}:${s.status}`)).toEqual(["m1:completed", "m2:completed", "m3:completed", "m4:failed", "m4:completed", "m5:completed"]);
      expect(resumed.flow!.state).toMatchObject({ count: 5, log: ["m1", "m2", "m3", "m4", "m5"] });
    });
  });

  it("refuses to resume a run with another version of its flow", async () => {
    const name = unique("Pinned");
    const first = await withStore(open, (store) => runFlow(store, hosted(chain(name, 2)), { kind: "new" }));
    const other = await withStore(open, (store) => runFlow(store, hosted(chain(name, 3)), { kind: "resume", runId: first.runId }));
    expect(other.status).toBe("failed");
    expect(String(other.error)).toContain("ran version 1");
  });

  it("forks from step 3 of a 6-step run with an edited value: new id, lineage, steps 1–3 not re-executed, the edit in its state", async () => {
    const name = unique("Fork");
    const calls: string[] = [];
    const parent = await withStore(open, (store) => runFlow(store, hosted(chain(name, 6, calls)), { kind: "new" }));
    const step3 = await withStore(open, (store) => store.step(parent.runId, { number: 3 }));
    expect(step3).toMatchObject({ method: "m3", state: { count: 3 } });
    calls.length = 0;
    const patch = assignmentsToPatch(step3!.state, [
      { path: "count", value: 100 },
      { path: "note.by", value: "editor" },
    ]);
    expect(patch).toEqual([
      { op: "replace", path: "/count", value: 100 },
      { op: "add", path: "/note", value: {} },
      { op: "add", path: "/note/by", value: "editor" },
    ]);
    const fork = await withStore(open, (store) => runFlow(store, hosted(chain(name, 6, calls)), { kind: "fork", runId: parent.runId, seq: step3!.seq, patch }));
    expect(fork.status).toBe("completed");
    expect(fork.runId).not.toBe(parent.runId);
    expect(calls).toEqual(["m4", "m5", "m6"]);
    expect(fork.flow!.state).toMatchObject({ count: 103, note: { by: "editor" }, log: ["m1", "m2", "m3", "m4", "m5", "m6"] });
    expect(fork.flow!.state.id).not.toBe(parent.flow!.state.id);
    await withStore(open, async (store) => {
      expect(await store.getRun(fork.runId)).toMatchObject({ origin: "fork", parentRunId: parent.runId, parentSeq: step3!.seq, forkPatch: patch, status: "completed" });
      expect((await store.steps(fork.runId)).map((s) => s.method)).toEqual(["m4", "m5", "m6"]);
      expect((await store.steps(fork.runId))[0]!.state).toMatchObject({ count: 101, note: { by: "editor" } });
      // The parent is untouched.
      expect((await store.steps(parent.runId)).at(-1)!.state).toMatchObject({ count: 6 });
      // Aligned diff: the fork's m4 is the parent's m4, differing by the edit.
      const diff = await diffRuns(store, parent.runId, fork.runId);
      expect(diff.steps.map((s) => s.key)).toEqual(["m1#1", "m2#1", "m3#1", "m4#1", "m5#1", "m6#1"]);
      expect(diff.firstDifference!.key).toBe("m1#1"); // only the parent has steps 1–3
      const m4 = diff.steps.find((s) => s.key === "m4#1")!;
      expect(m4.patch).toEqual(expect.arrayContaining([{ op: "replace", path: "/count", value: 101 }, { op: "add", path: "/note", value: { by: "editor" } }]));
      expect(diff.final.patch).toEqual(expect.arrayContaining([{ op: "replace", path: "/count", value: 103 }]));
    });
  });

  it("resumes an interrupted fork from its fork point: the parent's steps stay skipped, the edit stays", async () => {
    const name = unique("ForkResume");
    const calls: string[] = [];
    let crash = true;
    const builder = () =>
      chain(name, 6, calls, (method) => {
        if (method === "m4" && crash) throw new Error("process died");
      });
    crash = false;
    const parent = await withStore(open, (store) => runFlow(store, hosted(builder()), { kind: "new" }));
    crash = true;
    const step = await withStore(open, (store) => store.step(parent.runId, { number: 3 }));
    const fork = await withStore(open, (store) =>
      runFlow(store, hosted(builder()), { kind: "fork", runId: parent.runId, seq: step!.seq, patch: [{ op: "replace", path: "/count", value: 30 }] }),
    );
    expect(fork.status).toBe("failed"); // its first own step died: nothing of its own was completed
    crash = false;
    calls.length = 0;
    const resumed = await withStore(open, (store) => runFlow(store, hosted(builder()), { kind: "resume", runId: fork.runId }));
    expect(resumed.status).toBe("completed");
    expect(calls).toEqual(["m4", "m5", "m6"]);
    expect(resumed.flow!.state).toMatchObject({ id: fork.flow!.state.id, count: 33, log: ["m1", "m2", "m3", "m4", "m5", "m6"] });
    expect(resumed.flow!.outputsByMethod).toMatchObject({ m1: "m1:1", m3: "m3:3", m6: "m6:33" });
  });

  it("forks from any step, the first and the last included", async () => {
    const name = unique("AnyStep");
    const parent = await withStore(open, (store) => runFlow(store, hosted(chain(name, 4)), { kind: "new" }));
    for (const number of [1, 2, 4]) {
      const calls: string[] = [];
      const fork = await withStore(open, async (store) => {
        const step = (await store.step(parent.runId, { number }))!;
        return runFlow(store, hosted(chain(name, 4, calls)), { kind: "fork", runId: parent.runId, seq: step.seq });
      });
      expect(calls).toEqual(["m1", "m2", "m3", "m4"].slice(number));
      expect(fork.flow!.state).toMatchObject({ count: 4 });
    }
  });

  it("validates a fork's patch against the state schema: an invalid edit fails before any run is created", async () => {
    const name = unique("Typed");
    const typed = defineFlow(name, { state: { type: "json_schema", json_schema: { type: "object", properties: { count: { type: "integer" } } } } })
      .start("a", (flow: FlowHandle) => (flow.state.count = 1))
      .listen("b", "a", (flow: FlowHandle) => (flow.state.count = (flow.state.count as number) + 1));
    const parent = await withStore(open, (store) => runFlow(store, hosted(typed), { kind: "new" }));
    await withStore(open, async (store) => {
      const step = (await store.step(parent.runId, { number: 1 }))!;
      const before = (await store.listRuns({ flowName: name })).length;
      const bad = await runFlow(store, hosted(typed), { kind: "fork", runId: parent.runId, seq: step.seq, patch: assignmentsToPatch(step.state, [{ path: "count", value: "many" }]) });
      expect(bad.status).toBe("failed");
      expect((bad.error as Error).name).toBe("ValueError");
      expect(await store.listRuns({ flowName: name })).toHaveLength(before);
      const good = await runFlow(store, hosted(typed), { kind: "fork", runId: parent.runId, seq: step.seq, patch: assignmentsToPatch(step.state, [{ path: "count", value: 41 }]) });
      expect(good.outcome).toBe(42);
    });
  });

  it("restores a checkpoint (same state id, completed methods skipped) and CrewAI's restore_from_state_id (every method runs)", async () => {
    const name = unique("Restore");
    const parent = await withStore(open, (store) => runFlow(store, hosted(chain(name, 3)), { kind: "new" }));
    const calls: string[] = [];
    await withStore(open, async (store) => {
      const step = (await store.step(parent.runId, { number: 1 }))!;
      const cp = await runFlow(store, hosted(chain(name, 3, calls)), { kind: "checkpoint", runId: parent.runId, seq: step.seq });
      expect(calls).toEqual(["m2", "m3"]);
      expect(cp.flow!.state.id).toBe(parent.flow!.state.id);
      expect(await store.getRun(cp.runId)).toMatchObject({ origin: "checkpoint", parentRunId: parent.runId, parentSeq: step.seq });
      calls.length = 0;
      const stateId = String(parent.flow!.state.id);
      const restored = await runFlow(store, hosted(chain(name, 3, calls)), {
        kind: "new",
        restoreFromStateId: stateId,
        patch: [{ op: "replace", path: "/count", value: 10 }],
      });
      expect(calls).toEqual(["m1", "m2", "m3"]);
      expect(restored.flow!.state).toMatchObject({ count: 13 });
      expect(restored.flow!.state.id).not.toBe(stateId);
      expect(await store.getRun(restored.runId)).toMatchObject({ origin: "restore", forkPatch: [{ op: "replace", path: "/count", value: 10 }] });
    });
  });

  it("keeps a human-feedback pause pending across restarts and resumes it by run id", async () => {
    const name = unique("Review");
    const review = () =>
      defineFlow(name)
        .start("draft", { call: "expression", expr: "'draft-content'" }, { human_feedback: { message: "Review:", emit: ["approved", "rejected"], llm: "gpt-4o-mini", default_outcome: "rejected" } })
        .listen("publish", "approved", (flow: FlowHandle) => `published:${flow.lastHumanFeedback!.feedback}`)
        .listen("discard", "rejected", () => "discarded");
    const paused = await withStore(open, (store) => runFlow(store, hosted(review()), { kind: "new" }));
    expect(paused.status).toBe("paused");
    const stateId = String(paused.flow!.state.id);
    await withStore(open, async (store) => {
      expect(await store.getRun(paused.runId)).toMatchObject({ status: "paused" });
      expect(await store.loadPendingFeedback(stateId)).toMatchObject({ context: { method_name: "draft", emit: ["approved", "rejected"] } });
    });
    const resumed = await withStore(open, (store) => runFlow(store, hosted(review()), { kind: "resume", runId: paused.runId, feedback: "approved, ship it" }));
    expect(resumed.outcome).toBe("published:approved, ship it");
    await withStore(open, async (store) => {
      expect(await store.loadPendingFeedback(stateId)).toBeNull();
      expect(await store.getRun(paused.runId)).toMatchObject({ status: "completed", output: "published:approved, ship it" });
    });
  });

  it("diffs the state between two steps of a run", async () => {
    const parent = await withStore(open, (store) => runFlow(store, hosted(chain(unique("Diff"), 3)), { kind: "new" }));
    await withStore(open, async (store) => {
      const diff = await diffSteps(store, parent.runId, { number: 1 }, { number: 3 });
      expect(diff.from).toMatchObject({ number: 1, method: "m1" });
      expect(diff.to).toMatchObject({ number: 3, method: "m3" });
      expect(diff.changed).toBe(true);
      expect(diff.patch).toEqual([
        { op: "replace", path: "/count", value: 3 },
        { op: "add", path: "/log/1", value: "m2" },
        { op: "add", path: "/log/2", value: "m3" },
      ]);
      expect(diff.delta).toEqual({ count: [1, 3], log: { _t: "a", 1: ["m2"], 2: ["m3"] } });
      expect((await diffSteps(store, parent.runId, { number: 2 }, { number: 2 })).changed).toBe(false);
    });
  });
});
