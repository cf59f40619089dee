// The RunStore spec: one suite every store runs (`runStoreSpec("memory", () => …)`), the way
// LangGraph.js validates each checkpointer with one suite. It checks the port as a host sees it, through
// the port only. It imports vitest, so it is a subpath of its own (`@crewflow/runtime/store-spec`) that
// only test files load. Stores may share a database between tests: every test uses its own flow names.
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue } from "@crewflow/definition";
import type { FlowEvent, NewFlowEvent } from "../events";
import { type FlowHandle, Flow, HumanFeedbackPending, defineFlow } from "../index";
import type { PendingFeedbackContext } from "../persistence";
import { sha256 } from "../store/calls";
import { InvalidCursorError, type Page, type PageRequest } from "../store/cursor";
import { FencedError, type RunRecord, type RunStore } from "../store/port";

/** Every page of a list, fetched `limit` at a time; fails on a page longer than `limit` or on a loop. */
async function allPages<T>(limit: number, fetchPage: (page: PageRequest) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= 1000; pages++) {
    const page = await fetchPage({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (page.nextCursor === null) return { items, pages };
    expect(page.nextCursor).not.toBe(cursor);
    cursor = page.nextCursor;
  }
  throw new Error("the pages never end");
}

/** A name no other test uses. */
const unique = (name: string): string => `${name}-${Math.random().toString(36).slice(2, 10)}`;

/** Fixed times, so ordering never depends on the clock: `at(n)` is n seconds after a base. */
const BASE = Date.parse("2031-03-01T08:00:00.000Z");
const at = (n: number): string => new Date(BASE + n * 1000).toISOString();

/** A holder on another machine: never taken for a dead process of this one. */
const elsewhere = (tag: string): string => `${tag}@crewflow-spec-elsewhere#1`;
/** A holder on this machine whose process does not exist (a pid above any pid_max). */
const deadHere = `spec@${hostname()}#2147483646`;

const definition = (flowName: string, variant = 1): string => `schema: crewai.flow/v1\nname: ${flowName}\n# variant ${variant}\n`;

function record(runId: string, flowName: string, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    flowName,
    definitionPath: null,
    definitionHash: sha256(definition(flowName)),
    status: "running",
    inputs: null,
    stateId: null,
    startedAt: at(0),
    endedAt: null,
    parentRunId: null,
    parentSeq: null,
    output: null,
    error: null,
    ...fields,
  };
}

const newId = (): string => crypto.randomUUID();

function ev(runId: string, flowName: string, seq: number, body: NewFlowEvent, time = at(seq)): FlowEvent {
  return { ...body, seq, at: time, runId, flowName } as FlowEvent;
}

const started = (method: string, execution: number, state: JsonValue): NewFlowEvent => ({ type: "method_execution_started", method, execution, params: {}, state, triggeredBy: null });
const finished = (method: string, execution: number, output: JsonValue, state: JsonValue, label: string | null = null): NewFlowEvent => ({
  type: "method_execution_finished",
  method,
  execution,
  result: output,
  output,
  label,
  state,
  durationMs: 5,
});

/** A started/finished pair at `seq`, `seq + 1`. */
function step(runId: string, flowName: string, seq: number, method: string, state: JsonValue): FlowEvent[] {
  return [ev(runId, flowName, seq, started(method, seq, state)), ev(runId, flowName, seq + 1, finished(method, seq, `${method}:out`, state))];
}

function feedbackContext(flowId: string, method = "review"): PendingFeedbackContext {
  return {
    flow_id: flowId,
    flow_class: "Spec",
    method_name: method,
    method_output: "draft",
    message: "Approve?",
    emit: ["yes", "no"],
    default_outcome: null,
    metadata: { by: "spec" },
    llm: null,
    requested_at: at(0),
    execution_uuid: null,
  };
}

/** Waits (polling, without a fixed sleep) until `check` holds; fails after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Registers the RunStore spec as a `describe` block. `open` gives a store (a fresh one, or another handle
 * on a shared database); it is opened once for the block and closed after it.
 */
export function runStoreSpec(name: string, open: () => Promise<RunStore>): void {
  describe(`RunStore spec: ${name}`, () => {
    let store: RunStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    /** A run created with its definition text; returns its id. */
    async function newRun(flowName: string, fields: Partial<RunRecord> = {}): Promise<string> {
      const runId = fields.runId ?? newId();
      await store.createRun(record(runId, flowName, fields), { definition: definition(flowName) });
      return runId;
    }

    describe("runs and their event logs", () => {
      it("records a run and sets its status, output, state id, end and duration from its events", async () => {
        const flowName = unique("Lifecycle");
        const runId = await newRun(flowName, { inputs: { topic: "x" }, definitionPath: "flows/a.yaml" });
        expect(await store.getRun(runId)).toMatchObject({
          runId,
          flowName,
          status: "running",
          origin: "new",
          version: 1,
          inputs: { topic: "x" },
          definitionPath: "flows/a.yaml",
          definitionHash: sha256(definition(flowName)),
          endedAt: null,
          parentRunId: null,
          forkPatch: null,
          replayOfId: null,
          tokens: { prompt: 0, completion: 0, total: 0 },
          llmCalls: 0,
        });
        const events = [
          ev(runId, flowName, 1, { type: "flow_started", inputs: { topic: "x" }, stateId: "S1" }),
          ...step(runId, flowName, 2, "m1", { id: "S1", n: 1 }),
          ev(runId, flowName, 4, { type: "flow_finished", result: "done", state: { id: "S1", n: 1 } }),
        ];
        await store.commit(runId, events.slice(0, 3));
        expect((await store.getRun(runId))!.status).toBe("running");
        await store.commit(runId, events.slice(3));
        const run = (await store.getRun(runId))!;
        expect(run).toMatchObject({ status: "completed", output: "done", error: null, stateId: "S1", endedAt: at(4) });
        expect(run.durationMs).toBe(4000);
        const loaded = (await store.loadRun(runId))!;
        expect(loaded.events).toEqual(events);
        expect(loaded.record).toEqual(run);
        expect((await store.events(runId, undefined, 2)).map((e) => e.seq)).toEqual([3, 4]);
        expect(await store.getRun(newId())).toBeNull();
        expect(await store.loadRun(newId())).toBeNull();
        expect(await store.events(newId())).toEqual([]);
      });

      it("fails, resumes and pauses from events; updateRun changes the row", async () => {
        const flowName = unique("Status");
        const runId = await newRun(flowName);
        await store.append(runId, [ev(runId, flowName, 1, { type: "flow_started", inputs: null, stateId: "S" }), ev(runId, flowName, 2, { type: "flow_failed", error: { type: "TypeError", message: "bad" } })]);
        expect(await store.getRun(runId)).toMatchObject({ status: "failed", error: { type: "TypeError", message: "bad" }, endedAt: at(2) });
        await store.commit(runId, [ev(runId, flowName, 3, { type: "flow_started", inputs: null, stateId: "S", resumed: true })]);
        expect(await store.getRun(runId)).toMatchObject({ status: "running", endedAt: null, durationMs: null });
        await store.commit(runId, [ev(runId, flowName, 4, { type: "flow_paused", flowId: "S", method: "review", state: { id: "S2" }, message: "ok?", emit: null })]);
        expect(await store.getRun(runId)).toMatchObject({ status: "paused", stateId: "S2", endedAt: at(4) });
        await store.updateRun(runId, { status: "cancelled", endedAt: at(10), output: { why: "stopped" } });
        const run = (await store.getRun(runId))!;
        expect(run).toMatchObject({ status: "cancelled", endedAt: at(10), output: { why: "stopped" } });
        expect(run.durationMs).toBe(10_000);
      });

      it("reads events back in seq order whatever the commit order; a commit with a duplicate seq fails whole", async () => {
        const flowName = unique("Order");
        const runId = await newRun(flowName);
        const events = [...step(runId, flowName, 1, "a", { id: "s" }), ...step(runId, flowName, 3, "b", { id: "s" })];
        await store.commit(runId, events.slice(2));
        await store.commit(runId, events.slice(0, 2));
        expect((await store.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        const again = [ev(runId, flowName, 5, started("c", 5, null)), ev(runId, flowName, 3, started("c", 5, null))];
        await expect(store.commit(runId, again)).rejects.toThrow();
        expect((await store.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect((await store.steps(runId)).map((s) => s.method)).toEqual(["a", "b"]);
      });

      it("keeps one step per ended execution, with the state after it; a start and its end may come in different commits", async () => {
        const flowName = unique("Steps");
        const runId = await newRun(flowName, { stateId: "S" });
        const error = { type: "ValueError", message: "no" };
        await store.commit(runId, [
          ev(runId, flowName, 1, started("m1", 1, { id: "S" })),
          ev(runId, flowName, 2, started("m2", 2, { id: "S" })),
          ev(runId, flowName, 3, finished("m1", 1, { v: 1 }, { id: "S", n: 1 }, "go")),
        ]);
        await store.commit(runId, [
          ev(runId, flowName, 4, { type: "method_execution_failed", method: "m2", execution: 2, error, durationMs: 7 }),
          ev(runId, flowName, 5, started("m3", 3, { id: "S" })),
          ev(runId, flowName, 6, { type: "method_execution_paused", method: "m3", execution: 3, state: { id: "S", n: 2 }, flowId: "S", message: "ok?", emit: ["yes"] }),
        ]);
        const steps = await store.steps(runId);
        expect(steps).toEqual([
          { number: 1, seq: 3, startSeq: 1, method: "m1", execution: 1, status: "completed", output: { v: 1 }, label: "go", error: null, durationMs: 5, stateId: "S", state: { id: "S", n: 1 }, at: at(3) },
          { number: 2, seq: 4, startSeq: 2, method: "m2", execution: 2, status: "failed", output: null, label: null, error, durationMs: 7, stateId: null, state: null, at: at(4) },
          { number: 3, seq: 6, startSeq: 5, method: "m3", execution: 3, status: "paused", output: null, label: null, error: null, durationMs: null, stateId: "S", state: { id: "S", n: 2 }, at: at(6) },
        ]);
        expect(await store.step(runId, { number: 2 })).toEqual(steps[1]);
        expect(await store.step(runId, { seq: 6 })).toEqual(steps[2]);
        expect(await store.step(runId, { number: 4 })).toBeNull();
        expect(await store.step(runId, { seq: 5 })).toBeNull();
      });

      it("gives the engine's checkpoint at any seq", async () => {
        const flowName = unique("Checkpoint");
        const runId = await newRun(flowName);
        await store.commit(runId, [...step(runId, flowName, 1, "a", { id: "s", n: 1 }), ...step(runId, flowName, 3, "b", { id: "s", n: 2 }), ...step(runId, flowName, 5, "a", { id: "s", n: 3 })]);
        expect(await store.checkpoint(runId, 4)).toEqual({
          completed: ["a", "b"],
          outputs: [
            { method: "a", output: "a:out" },
            { method: "b", output: "b:out" },
          ],
          executionCounts: { a: 1, b: 1 },
          state: { id: "s", n: 2 },
        });
        expect(await store.checkpoint(runId)).toMatchObject({ executionCounts: { a: 2, b: 1 }, state: { id: "s", n: 3 } });
        expect(await store.checkpoint(runId, 1)).toMatchObject({ completed: [], state: { id: "s", n: 1 } });
        expect(await store.checkpoint(newId())).toBeNull();
      });

      it("records LLM calls beside the log in order, with token totals of model calls only", async () => {
        const flowName = unique("Calls");
        const runId = await newRun(flowName);
        const call = (n: number) => ({
          request: { model: "gpt-4o-mini", messages: [{ role: "user", content: `q${n}` }] },
          hash: `h${n}`,
          response: { content: `a${n}` },
          usage: { prompt_tokens: 10 * n, completion_tokens: n, total_tokens: 11 * n },
          latencyMs: 12.5,
        });
        const tool = { kind: "tool", tool: "search", args: { q: "x" }, usage: { prompt_tokens: 99 } };
        const events = [
          ev(runId, flowName, 1, started("ask", 1, { id: "s" })),
          ev(runId, flowName, 2, { type: "llm_call", method: "ask", execution: 1, call: call(1) }),
          ev(runId, flowName, 3, { type: "llm_call", method: "ask", execution: 1, call: tool }),
          ev(runId, flowName, 4, { type: "llm_call", method: "ask", execution: 1, call: call(2) }),
          ev(runId, flowName, 5, { type: "llm_call", method: "ask", execution: 1, call: "a bare value" }),
          ev(runId, flowName, 6, finished("ask", 1, "a2", { id: "s" })),
        ];
        await store.commit(runId, events);
        expect((await store.loadRun(runId))!.events).toEqual(events);
        const calls = await store.recordedCalls(runId);
        expect(calls.map((c) => [c.seq, c.kind, c.hash, c.model, c.tokens.total, c.latencyMs])).toEqual([
          [2, "llm", "h1", "gpt-4o-mini", 11, 12.5],
          [3, "tool", null, null, 99, null],
          [4, "llm", "h2", "gpt-4o-mini", 22, 12.5],
          [5, "llm", null, null, 0, null],
        ]);
        expect(calls.map((c) => c.call)).toEqual([call(1), tool, call(2), "a bare value"]);
        expect(calls[0]).toMatchObject({ method: "ask", execution: 1, at: at(2) });
        expect(await store.getRun(runId)).toMatchObject({ tokens: { prompt: 30, completion: 3, total: 33 }, llmCalls: 3 });
      });

      it("lists runs newest first, by flow and status, and pages their ids with a cursor", async () => {
        const flowName = unique("Pages");
        // Two runs share a start time: ties go by id.
        const times = [1, 2, 3, 3, 5];
        const ids = await Promise.all(times.map((t) => newRun(flowName, { startedAt: at(t) })));
        await store.updateRun(ids[1]!, { status: "completed" });
        const byTime = times.map((t, i) => ({ t, id: ids[i]! })).sort((a, b) => b.t - a.t || (a.id < b.id ? -1 : 1));
        const newest = byTime.map((r) => r.id);
        expect((await store.listRuns({ flowName })).map((r) => r.runId)).toEqual(newest);
        expect((await store.listRuns({ flowName, limit: 2 })).map((r) => r.runId)).toEqual(newest.slice(0, 2));
        expect((await store.listRuns({ flowName, status: "completed" })).map((r) => r.runId)).toEqual([ids[1]]);

        const flowId = (await store.findFlow(flowName))!.id;
        const pages: string[][] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await store.runIdsPage({ flowId, limit: 2, cursor });
          pages.push(page.ids);
          if (page.nextCursor === null) break;
          expect(page.nextCursor).toBe(page.ids.at(-1));
          cursor = page.nextCursor;
        }
        expect(pages).toEqual([newest.slice(0, 2), newest.slice(2, 4), newest.slice(4)]);
        expect((await store.runIdsPage({ flowId, limit: 10, status: "running" })).ids).toEqual(newest.filter((id) => id !== ids[1]));
        expect((await store.runIdsPage({ flowId, limit: 10, since: at(2), until: at(5) })).ids).toEqual(newest.filter((_, i) => byTime[i]!.t >= 2 && byTime[i]!.t < 5));
        expect(await store.runIdsPage({ flowId, limit: 5 })).toEqual({ ids: newest, nextCursor: null });
      });

      it("lists the ids of running runs, among given ones or up to a limit", async () => {
        const flowName = unique("Running");
        const ids = await Promise.all([1, 2, 3].map((t) => newRun(flowName, { startedAt: at(t) })));
        await store.commit(ids[0]!, [ev(ids[0]!, flowName, 1, { type: "flow_finished", result: null, state: null })]);
        expect(new Set(await store.runningRunIds({ limit: 100, among: ids }))).toEqual(new Set(ids.slice(1)));
        expect(await store.runningRunIds({ limit: 1, among: ids })).toHaveLength(1);
        expect(await store.runningRunIds({ limit: 100, among: [] })).toEqual([]);
        expect(await store.runningRunIds({ limit: 100_000 })).toEqual(expect.arrayContaining(ids.slice(1)));
      });
    });

    describe("leases", () => {
      it("grants a claim; a second claimer is refused while the lease is live; the holder may claim again", async () => {
        const runId = await newRun(unique("Claim"));
        const a = await store.claimRun(runId, elsewhere("a"), 60_000);
        expect(a).toEqual({ lease: expect.any(Number), lastSeq: 0 });
        const refused = await store.claimRun(runId, elsewhere("b"), 60_000);
        expect(refused).toEqual({ heldBy: elsewhere("a"), until: expect.any(Number) });
        expect(await store.heldBy(runId)).toEqual({ holder: elsewhere("a"), until: (refused as { until: number }).until });
        expect(await store.orphanedRuns()).not.toContain(runId);
        const again = await store.claimRun(runId, elsewhere("a"), 60_000);
        expect(again).toMatchObject({ lease: (a as { lease: number }).lease + 1 });
        expect(await store.claimRun(newId(), elsewhere("a"))).toBeNull();
        expect(await store.acquireLease(newId())).toBeNull();
      });

      it("frees a lapsed lease for the next claimer; the old holder's renewals then fail", async () => {
        const runId = await newRun(unique("Expiry"));
        const a = (await store.claimRun(runId, elsewhere("a"), 1)) as { lease: number };
        await until(async () => (await store.heldBy(runId)) === null);
        expect(await store.orphanedRuns()).toContain(runId);
        const b = (await store.claimRun(runId, elsewhere("b"), 60_000)) as { lease: number };
        expect(b.lease).toBeGreaterThan(a.lease);
        expect(await store.renewLease(runId, a.lease, 60_000)).toBe(false);
        expect(await store.renewLease(runId, b.lease, 120_000)).toBe(true);
        expect((await store.heldBy(runId))!.holder).toBe(elsewhere("b"));
        expect(await store.claimRun(runId, elsewhere("a"), 60_000)).toMatchObject({ heldBy: elsewhere("b") });
      });

      it("renews a short lease so it does not lapse", async () => {
        const runId = await newRun(unique("Renew"));
        const a = (await store.claimRun(runId, elsewhere("a"), 1)) as { lease: number };
        expect(await store.renewLease(runId, a.lease, 60_000)).toBe(true);
        expect(await store.claimRun(runId, elsewhere("b"), 60_000)).toMatchObject({ heldBy: elsewhere("a") });
      });

      it("releases a lease only for its current holder", async () => {
        const runId = await newRun(unique("Release"));
        const a = (await store.claimRun(runId, elsewhere("a"), 60_000)) as { lease: number };
        await store.releaseLease(runId, a.lease - 1);
        expect(await store.heldBy(runId)).toMatchObject({ holder: elsewhere("a") });
        await store.releaseLease(runId, a.lease);
        expect(await store.heldBy(runId)).toBeNull();
        expect(await store.orphanedRuns()).toContain(runId);
        expect(await store.claimRun(runId, elsewhere("b"), 60_000)).toMatchObject({ lease: a.lease + 1 });
      });

      it("takes a run from a dead process of this machine at once", async () => {
        const runId = await newRun(unique("Dead"));
        await store.claimRun(runId, deadHere, 60_000);
        expect(await store.heldBy(runId)).toBeNull();
        expect(await store.orphanedRuns()).toContain(runId);
        expect(await store.claimRun(runId, elsewhere("b"), 60_000)).toMatchObject({ lease: expect.any(Number) });
        expect(await store.heldBy(runId)).toMatchObject({ holder: elsewhere("b") });
      });

      it("fences appends: the next seq and the current lease, else FencedError and nothing written", async () => {
        const flowName = unique("Fenced");
        const runId = await newRun(flowName);
        await store.commit(runId, step(runId, flowName, 1, "a", { id: "s" }));
        const one = (await store.acquireLease(runId))!;
        expect(one.lastSeq).toBe(2);
        const next = step(runId, flowName, 3, "b", { id: "s" });
        await expect(store.appendFenced(runId, one.lease, 4, next.slice(1))).rejects.toBeInstanceOf(FencedError);
        await expect(store.appendFenced(runId, one.lease, 4, next)).rejects.toBeInstanceOf(FencedError);
        await expect(store.appendFenced(runId, one.lease - 1, 3, next)).rejects.toBeInstanceOf(FencedError);
        await store.appendFenced(runId, one.lease, 3, next);
        // A retry of the same append (its answer was lost) is refused, not doubled.
        await expect(store.appendFenced(runId, one.lease, 3, next)).rejects.toBeInstanceOf(FencedError);
        await store.commit(runId, step(runId, flowName, 5, "c", { id: "s" }), one.lease);
        // A takeover: the old lease can write nothing more, events or row.
        const two = (await store.acquireLease(runId))!;
        expect(two).toEqual({ lease: one.lease + 1, lastSeq: 6 });
        await expect(store.commit(runId, step(runId, flowName, 7, "d", { id: "s" }), one.lease)).rejects.toBeInstanceOf(FencedError);
        await expect(store.updateRun(runId, { status: "failed" }, one.lease)).rejects.toBeInstanceOf(FencedError);
        expect((await store.getRun(runId))!.status).toBe("running");
        await store.commit(runId, step(runId, flowName, 7, "d", { id: "s" }), two.lease);
        await store.updateRun(runId, { status: "completed" }, two.lease);
        expect((await store.getRun(runId))!.status).toBe("completed");
        expect((await store.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect((await store.steps(runId)).map((s) => s.method)).toEqual(["a", "b", "c", "d"]);
        await expect(store.appendFenced(newId(), 1, 1, step(runId, flowName, 1, "x", null))).rejects.toBeInstanceOf(FencedError);
      });

      it("counts unfenced commits in the seq a new lease starts from", async () => {
        const flowName = unique("LastSeq");
        const runId = await newRun(flowName);
        const one = (await store.claimRun(runId, elsewhere("a"), 60_000)) as { lease: number; lastSeq: number };
        expect(one.lastSeq).toBe(0);
        await store.commit(runId, [...step(runId, flowName, 1, "a", null), ...step(runId, flowName, 3, "b", null)]);
        expect(await store.acquireLease(runId)).toEqual({ lease: one.lease + 1, lastSeq: 4 });
      });

      it("lists running runs whose executor is gone as orphaned, and no others", async () => {
        const flowName = unique("Orphans");
        const [free, held, done] = await Promise.all([newRun(flowName), newRun(flowName), newRun(flowName)]);
        await store.claimRun(held!, elsewhere("a"), 60_000);
        await store.commit(done!, [ev(done!, flowName, 1, { type: "flow_finished", result: 1, state: null })]);
        const orphans = await store.orphanedRuns();
        expect(orphans).toContain(free);
        expect(orphans).not.toContain(held);
        expect(orphans).not.toContain(done);
      });
    });

    describe("lineage", () => {
      it("gives the whole fork tree from any of its runs, children oldest first, several levels deep", async () => {
        const flowName = unique("Lineage");
        const root = await newRun(flowName, { startedAt: at(0) });
        await store.commit(root, [...step(root, flowName, 1, "a", { id: "r" }), ...step(root, flowName, 3, "b", { id: "r" })]);
        const patch = [{ op: "replace" as const, path: "/n", value: 7 }];
        // Created out of start order: the tree orders children by start time.
        const late = await newRun(flowName, { startedAt: at(20), parentRunId: root, parentSeq: 4 });
        const fork = await newRun(flowName, { startedAt: at(10), parentRunId: root, parentSeq: 2 });
        await store.createRun(record(newId(), flowName), { definition: definition(flowName) }); // unrelated
        const child = newId();
        await store.createRun(record(child, flowName, { startedAt: at(30), parentRunId: fork, parentSeq: 2 }), { origin: "fork", forkPatch: patch });
        const grandchild = newId();
        await store.createRun(record(grandchild, flowName, { startedAt: at(40), parentRunId: child, parentSeq: 2, definitionHash: sha256(definition(flowName, 2)) }), {
          definition: definition(flowName, 2),
          origin: "checkpoint",
        });
        await store.commit(grandchild, [ev(grandchild, flowName, 1, { type: "flow_finished", result: null, state: null })]);

        const tree = await store.lineageTree(grandchild);
        expect(tree).toEqual({
          runId: root,
          origin: "new",
          status: "running",
          parentSeq: null,
          forkPatch: null,
          version: 1,
          startedAt: at(0),
          children: [
            {
              runId: fork,
              origin: "new",
              status: "running",
              parentSeq: 2,
              forkPatch: null,
              version: 1,
              startedAt: at(10),
              children: [
                {
                  runId: child,
                  origin: "fork",
                  status: "running",
                  parentSeq: 2,
                  forkPatch: patch,
                  version: 1,
                  startedAt: at(30),
                  children: [{ runId: grandchild, origin: "checkpoint", status: "completed", parentSeq: 2, forkPatch: null, version: 2, startedAt: at(40), children: [] }],
                },
              ],
            },
            { runId: late, origin: "new", status: "running", parentSeq: 4, forkPatch: null, version: 1, startedAt: at(20), children: [] },
          ],
        });
        expect(await store.lineageTree(root)).toEqual(tree);
        expect(await store.lineageTree(late)).toEqual(tree);
        expect(await store.lineageTree(newId())).toBeNull();
      });

      it("gives a run without forks as a tree of one", async () => {
        const runId = await newRun(unique("Alone"), { startedAt: at(3) });
        expect(await store.lineageTree(runId)).toMatchObject({ runId, children: [], startedAt: at(3) });
      });
    });

    describe("snapshots and pending feedback", () => {
      it("saves and loads a state id's latest snapshot", async () => {
        const id = newId();
        await store.saveState(id, "first", { id, n: 1 });
        await store.saveState(id, "second", { id, n: 2, nested: { list: [1, "two", null] } });
        expect(await store.loadState(id)).toEqual({ id, n: 2, nested: { list: [1, "two", null] } });
        expect(await store.loadState(newId())).toBeNull();
      });

      it("falls back to the latest step of a run on a state id that was never saved, and says where it came from", async () => {
        const flowName = unique("Fallback");
        const stateId = newId();
        const runId = await newRun(flowName, { stateId });
        await store.commit(runId, [...step(runId, flowName, 1, "a", { id: stateId, n: 1 }), ...step(runId, flowName, 3, "b", { id: stateId, n: 2 })]);
        expect(await store.loadState(stateId)).toEqual({ id: stateId, n: 2 });
        expect(await store.stateOrigin(stateId)).toEqual({ runId, seq: 4 });
        expect(await store.stateOrigin(newId())).toBeNull();
        await store.saveState(stateId, "persisted", { id: stateId, n: 99 });
        expect(await store.loadState(stateId)).toEqual({ id: stateId, n: 99 });
      });

      it("saves, loads and clears pending feedback; the paused state is also the latest snapshot", async () => {
        const id = newId();
        const context = feedbackContext(id);
        await store.savePendingFeedback(id, context, { id, n: 3 });
        expect(await store.loadPendingFeedback(id)).toEqual({ context, state: { id, n: 3 } });
        expect(await store.loadState(id)).toEqual({ id, n: 3 });
        const of = (await store.pendingFeedbackOf(id))!;
        expect(of.context).toEqual(context);
        expect(of.createdAt).toBeInstanceOf(Date);
        await store.savePendingFeedback(id, feedbackContext(id, "second"), { id, n: 4 });
        expect((await store.loadPendingFeedback(id))!.context.method_name).toBe("second");
        await store.clearPendingFeedback(id);
        expect(await store.loadPendingFeedback(id)).toBeNull();
        expect(await store.pendingFeedbackOf(id)).toBeNull();
        expect(await store.loadState(id)).toEqual({ id, n: 4 });
      });

      it("lists paused runs waiting for feedback, oldest first", async () => {
        const flowName = unique("Paused");
        const pause = async (t: number, withFeedback: boolean): Promise<string> => {
          const stateId = newId();
          const runId = await newRun(flowName, { startedAt: at(t) });
          await store.commit(runId, [ev(runId, flowName, 1, { type: "flow_paused", flowId: stateId, method: "review", state: { id: stateId }, message: "ok?", emit: null })]);
          if (withFeedback) await store.savePendingFeedback(stateId, feedbackContext(stateId), { id: stateId });
          return runId;
        };
        const later = await pause(5, true);
        const earlier = await pause(1, true);
        await pause(3, false);
        await newRun(flowName, { startedAt: at(0) });
        const flowId = (await store.findFlow(flowName))!.id;
        const paused = (await store.pausedRunsPage({ flowId, limit: 10 })).items;
        expect(paused.map((p) => [p.runId, p.flowId, p.flowName])).toEqual([
          [earlier, flowId, flowName],
          [later, flowId, flowName],
        ]);
        expect(paused[0]!.context).toMatchObject({ method_name: "review" });
        expect(paused[0]!.createdAt).toBeInstanceOf(Date);
        const first = await store.pausedRunsPage({ flowId, limit: 1 });
        expect(first.items.map((p) => p.runId)).toEqual([earlier]);
        expect((await store.pausedRunsPage({ flowId, limit: 10, cursor: first.nextCursor! })).items.map((p) => p.runId)).toEqual([later]);
      });

      it("pages paused runs exactly once each, also when they started at the same time", async () => {
        const flowName = unique("PausedPages");
        const ids: string[] = [];
        for (let i = 0; i < 13; i++) {
          const stateId = newId();
          // Five runs share each start time: the run id orders them.
          const runId = await newRun(flowName, { startedAt: at(Math.floor(i / 5)) });
          await store.commit(runId, [ev(runId, flowName, 1, { type: "flow_paused", flowId: stateId, method: "review", state: { id: stateId }, message: "ok?", emit: null })]);
          await store.savePendingFeedback(stateId, feedbackContext(stateId), { id: stateId });
          ids.push(runId);
        }
        const flowId = (await store.findFlow(flowName))!.id;
        const expected = ids.map((id, i) => ({ id, t: Math.floor(i / 5) })).sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1)).map((r) => r.id);
        for (const limit of [1, 4, 5, 13, 200]) {
          const { items, pages } = await allPages(limit, (page) => store.pausedRunsPage({ flowId, ...page }));
          expect(items.map((p) => p.runId)).toEqual(expected);
          expect(pages).toBe(Math.ceil(13 / limit)); // no empty last page
        }
        await expect(store.pausedRunsPage({ flowId, limit: 5, cursor: "not-a-cursor" })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe("as the engine's FlowPersistence (the runtime's conformance cases on this store)", () => {
      const bump = (flow: FlowHandle) => {
        flow.state.count = ((flow.state.count as number | undefined) ?? 0) + 1;
        return `n${String(flow.state.count)}`;
      };
      const counter = (flowName: string, persistFirstOnly = false) =>
        defineFlow(flowName, persistFirstOnly ? {} : { persist: { enabled: true } })
          .start("first", bump, persistFirstOnly ? { persist: { enabled: true } } : {})
          .listen("second", "first", bump);

      it("case 39: flow-level persistence saves after every method; the latest snapshot is the final state", async () => {
        const flow = await counter(unique("P")).create({ persistence: store });
        expect(await flow.kickoff()).toBe("n2");
        expect(await store.loadState(String(flow.state.id))).toMatchObject({ id: flow.state.id, count: 2 });
      });

      it("case 42: restore by id re-runs the whole flow on the hydrated state", async () => {
        const builder = counter(unique("Restore"));
        const first = await builder.create({ persistence: store });
        await first.kickoff();
        const id = String(first.state.id);
        const second = await builder.create({ persistence: store });
        expect(await second.kickoff({ inputs: { id } })).toBe("n4");
        expect(second.state).toMatchObject({ id, count: 4 });
        expect(await store.loadState(id)).toMatchObject({ count: 4 });
      });

      it("case 44: only persisted steps' snapshots come back", async () => {
        const builder = counter(unique("Method"), true);
        const first = await builder.create({ persistence: store });
        await first.kickoff();
        expect(first.state.count).toBe(2);
        const id = String(first.state.id);
        expect(await store.loadState(id)).toMatchObject({ count: 1 });
        const second = await builder.create({ persistence: store });
        await second.kickoff({ inputs: { id } });
        expect(second.state).toMatchObject({ id, count: 3 });
      });

      it("case 54: a human-feedback pause is kept pending in the store and resumed from it", async () => {
        const builder = defineFlow(unique("Review"))
          .method("review", { start: true, human_feedback: { message: "Review:" } }, () => "draft")
          .listen("publish", "review", (_flow: FlowHandle, result: unknown) => `published:${(result as { feedback: string }).feedback}`);
        const paused = await (await builder.create({ defaultPersistence: store })).kickoff();
        expect(paused).toBeInstanceOf(HumanFeedbackPending);
        const id = (paused as HumanFeedbackPending).context.flow_id;
        expect(await store.loadPendingFeedback(id)).toMatchObject({ context: { flow_id: id, method_name: "review", method_output: "draft" } });
        const resumed = await Flow.fromPending(id, builder.definition(), { persistence: store, modules: builder.modules() });
        expect(await resumed.resume("looks good")).toBe("published:looks good");
        expect(await store.loadPendingFeedback(id)).toBeNull();
        await expect(Flow.fromPending(id, builder.definition(), { persistence: store, modules: builder.modules() })).rejects.toThrow(/No pending feedback/);
      });
    });

    describe("the flow catalog", () => {
      it("creates a flow with its first version as head, and refuses a taken name", async () => {
        const flowName = unique("Catalog");
        const text = definition(flowName);
        const ref = (await store.createFlow(flowName, text))!;
        expect(ref).toMatchObject({ number: 1, hash: sha256(text) });
        expect(await store.createFlow(flowName, definition(flowName, 2))).toBeNull();
        const flow = (await store.findFlow(flowName))!;
        expect(flow).toMatchObject({ id: ref.flowId, name: flowName, headVersionId: ref.versionId, deletedAt: null, revision: 0 });
        expect(flow.versions).toEqual([{ id: ref.versionId, number: 1, hash: sha256(text), createdAt: expect.any(String) }]);
        expect(await store.findFlow(ref.flowId)).toEqual(flow);
        expect(await store.findFlow(unique("Nothing"))).toBeNull();
        expect(await store.getVersion(ref.versionId)).toMatchObject({ flowId: ref.flowId, versionId: ref.versionId, flowName, number: 1, definition: text, hash: sha256(text) });
        expect(await store.getVersion(newId())).toBeNull();
      });

      it("registers immutable versions: the same text is the same version, a new text the next number", async () => {
        const flowName = unique("Versions");
        const one = await store.registerVersion({ name: flowName, definition: definition(flowName), sourcePath: "a.yaml" });
        expect(await store.registerVersion({ name: flowName, definition: definition(flowName) })).toEqual(one);
        expect(await store.registerVersion({ name: flowName, hash: sha256(definition(flowName)) })).toEqual(one);
        const two = await store.registerVersion({ name: flowName, definition: definition(flowName, 2) });
        expect(two).toMatchObject({ flowId: one.flowId, number: 2 });
        // A version first known by its hash gets its text once the text is seen.
        const three = await store.registerVersion({ name: flowName, hash: sha256(definition(flowName, 3)) });
        expect((await store.getVersion(three.versionId))!.definition).toBeNull();
        await store.registerVersion({ name: flowName, definition: definition(flowName, 3) });
        expect((await store.flowVersionText(one.flowId, 3))!.text).toBe(definition(flowName, 3));
        await expect(store.registerVersion({ name: flowName, definition: "x", hash: sha256("y") })).rejects.toThrow();
        const flow = (await store.findFlow(flowName))!;
        expect(flow.headVersionId).toBe(one.versionId); // the first version; later ones move it only through saveFlowHead
        expect(flow.versions.map((v) => v.number)).toEqual([1, 2, 3]);
        expect(await store.flowVersionText(one.flowId, 1)).toEqual({ version: flow.versions[0], text: definition(flowName) });
        expect(await store.flowVersionText(one.flowId, 9)).toBeNull();
        expect(await store.getVersion(one.versionId)).toMatchObject({ sourcePath: "a.yaml" });
      });

      it("saves a head by compare-and-swap: of two saves from one revision exactly one wins", async () => {
        const flowName = unique("Cas");
        const first = (await store.createFlow(flowName, definition(flowName)))!;
        const a = await store.registerVersion({ name: flowName, definition: definition(flowName, 2) });
        const b = await store.registerVersion({ name: flowName, definition: definition(flowName, 3) });
        const results = await Promise.all([store.saveFlowHead(first.flowId, a.versionId, 0), store.saveFlowHead(first.flowId, b.versionId, 0)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const flow = (await store.findFlow(first.flowId))!;
        expect(flow.revision).toBe(1);
        expect(flow.headVersionId).toBe(results[0] ? a.versionId : b.versionId);
        expect(await store.saveFlowHead(first.flowId, first.versionId, 0)).toBe(false);
        expect(await store.saveFlowHead(first.flowId, first.versionId, 1)).toBe(true);
        expect((await store.findFlow(first.flowId))!).toMatchObject({ revision: 2, headVersionId: first.versionId });
      });

      it("deletes and restores a flow by compare-and-swap; a head save restores it too", async () => {
        const flowName = unique("Delete");
        const ref = (await store.createFlow(flowName, definition(flowName)))!;
        expect(await store.setFlowDeleted(ref.flowId, true, 5)).toBe(false);
        expect(await store.setFlowDeleted(ref.flowId, true, 0)).toBe(true);
        expect((await store.findFlow(flowName))!.deletedAt).toEqual(expect.any(String));
        expect(await store.setFlowDeleted(ref.flowId, false, 1)).toBe(true);
        expect((await store.findFlow(flowName))!).toMatchObject({ deletedAt: null, revision: 2 });
        expect(await store.setFlowDeleted(ref.flowId, true, 2)).toBe(true);
        expect(await store.saveFlowHead(ref.flowId, ref.versionId, 3)).toBe(true);
        expect((await store.findFlow(flowName))!).toMatchObject({ deletedAt: null, revision: 4 });
        expect(await store.setFlowDeleted(newId(), true, 0)).toBe(false);
      });

      it("pages flows by name with their head and version count, deleted ones only when asked", async () => {
        const prefix = unique("list");
        await store.createFlow(`${prefix}-b`, definition(`${prefix}-b`));
        const a = (await store.createFlow(`${prefix}-a`, definition(`${prefix}-a`)))!;
        const a2 = await store.registerVersion({ name: `${prefix}-a`, definition: definition(`${prefix}-a`, 2) });
        const c = (await store.createFlow(`${prefix}-c`, definition(`${prefix}-c`)))!;
        expect(await store.setFlowDeleted(c.flowId, true, 0)).toBe(true);
        const mine = async (includeDeleted: boolean, limit: number) =>
          (await allPages(limit, (page) => store.flowsPage({ includeDeleted, ...page }))).items.filter((f) => f.name.startsWith(prefix));
        expect((await mine(false, 200)).map((f) => [f.name, f.head.number, f.versionCount, f.deletedAt])).toEqual([
          [`${prefix}-a`, 1, 2, null],
          [`${prefix}-b`, 1, 1, null],
        ]);
        expect((await mine(true, 200)).map((f) => f.name)).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
        expect(await store.saveFlowHead(a.flowId, a2.versionId, 0)).toBe(true);
        expect((await mine(false, 200))[0]).toMatchObject({ id: a.flowId, head: { id: a2.versionId, number: 2 }, versionCount: 2, revision: 1 });
        await expect(store.flowsPage({ includeDeleted: false, limit: 5, cursor: "%%%" })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it("pages every flow exactly once, in name order", async () => {
        const prefix = unique("pages");
        const names = Array.from({ length: 23 }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
        for (const name of [...names].reverse()) await store.createFlow(name, definition(name));
        for (const limit of [1, 7, 23, 200]) {
          const all = (await allPages(limit, (page) => store.flowsPage({ includeDeleted: true, ...page }))).items.map((f) => f.name);
          expect(new Set(all).size).toBe(all.length);
          expect(all.filter((n) => n.startsWith(prefix))).toEqual(names);
          expect(all).toEqual([...all].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
        }
      });

      it("pages a flow's versions newest first, each once; a cursor of another list is refused", async () => {
        const flowName = unique("VersionPages");
        let flowId = "";
        for (let v = 1; v <= 12; v++) flowId = (await store.registerVersion({ name: flowName, definition: definition(flowName, v) })).flowId;
        for (const limit of [1, 5, 12, 200]) {
          const { items } = await allPages(limit, (page) => store.versionsPage(flowId, page));
          expect(items.map((v) => v.number)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
          expect(items[0]).toEqual({ id: expect.any(String), number: 12, hash: sha256(definition(flowName, 12)), createdAt: expect.any(String) });
        }
        expect(await store.versionsPage(newId(), { limit: 5 })).toEqual({ items: [], nextCursor: null });
        const flowsCursor = (await store.flowsPage({ includeDeleted: true, limit: 1 })).nextCursor!;
        await expect(store.versionsPage(flowId, { limit: 5, cursor: flowsCursor })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it("puts a run on its flow's version", async () => {
        const flowName = unique("RunVersion");
        const one = await newRun(flowName);
        const two = newId();
        await store.createRun(record(two, flowName, { definitionHash: sha256(definition(flowName, 2)) }), { definition: definition(flowName, 2), origin: "replay", replayOf: one });
        const [a, b] = [(await store.getRun(one))!, (await store.getRun(two))!];
        expect(a.flowId).toBe(b.flowId);
        expect([a.version, b.version]).toEqual([1, 2]);
        expect(b).toMatchObject({ origin: "replay", replayOfId: one, definitionHash: sha256(definition(flowName, 2)) });
        expect((await store.getVersion(b.versionId))!.definition).toBe(definition(flowName, 2));
        await expect(store.createRun(record(one, flowName), { definition: definition(flowName) })).rejects.toThrow();
      });
    });
  });
}
