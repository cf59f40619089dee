// The tRPC API end to end: a real server on an ephemeral port (its own temp SQLite file), a real
// tRPC client over HTTP (batch link + SSE subscription link with `eventsource`).
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../src/app";
import { QUICK_FLOW, RESEARCH_FLOW, REVIEW_FLOW, SLOW_FLOW } from "./support/fixtures";
import { type TestServer, closeServer, collect, range, seqs, startServerWithSteps, waitForRun } from "./support/server";

/** A value without the fields that say which model answered (`simulated`, `cost_usd`). */
const withoutProvenance = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutProvenance)
    : value && typeof value === "object"
      ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== "simulated" && k !== "cost_usd").map(([k, v]) => [k, withoutProvenance(v)]))
      : value;

const codeOf = (err: unknown) => (err instanceof TRPCClientError ? (err as TRPCClientError<AppRouter>).data?.code : undefined);

describe("tRPC API over HTTP", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServerWithSteps();
  });

  afterAll(() => closeServer(server));

  it("creates a flow from CrewAI's example YAML, runs it and streams every event in order", async () => {
    const { client } = server;
    const created = await client.flows.create.mutate({ text: RESEARCH_FLOW });
    expect(created.flow.name).toBe("ResearchReviewFlow");
    expect(created.flow.head.number).toBe(1);

    const { runId } = await client.runs.start.mutate({ flowId: created.flow.id, inputs: { topic: "AI agents", audience: "CTOs" } });
    const live = await collect(client, runId);
    expect(live.error).toBeNull();
    expect(live.completed).toBe(true);
    expect(seqs(live.events)).toEqual(range(1, live.events.length));
    // Each message is tracked with the seq of its last event: ids increase and end at the last seq.
    expect(live.ids.map(Number)).toEqual([...new Set(live.ids.map(Number))].sort((a, b) => a - b));
    expect(live.ids.at(-1)).toBe(String(live.events.at(-1)!.seq));
    expect(live.events[0]!.type).toBe("flow_started");
    expect(live.events.at(-1)!.type).toBe("flow_finished");
    expect(live.events.filter((e) => e.type === "llm_call").length).toBeGreaterThan(0);

    const run = await waitForRun(client, runId);
    expect(run.status).toBe("completed");
    expect(run.version).toBe(1);
    expect(run.inputs).toEqual({ topic: "AI agents", audience: "CTOs" });
    expect(run.llmCalls).toBeGreaterThan(0);

    // A late subscriber gets the whole history from the store, identical to what was streamed.
    const late = await collect(client, runId);
    expect(late.completed).toBe(true);
    expect(late.events).toEqual(live.events);

    const steps = await client.runs.steps.query({ runId });
    expect(steps.map((s) => s.method).slice(0, 2)).toEqual(["research_brief", "route_followup"]);
    const state = await client.runs.stateAt.query({ runId, at: { step: 1 } });
    expect(state.state).toMatchObject({ topic: "AI agents", audience: "CTOs" });
  });

  it("validates inputs against the state schema before a run exists", async () => {
    const { client } = server;
    const flow = (await client.flows.list.query()).items.find((f) => f.name === "ResearchReviewFlow")!;
    const err = await client.runs.start.mutate({ flowId: flow.id, inputs: { topic: { not: "a string" } } }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe("BAD_REQUEST");
    expect((err as TRPCClientError<AppRouter>).data?.problems?.[0]?.path).toBe("inputs");
    const bad = await client.runs.start.mutate({ flowId: flow.id, inputs: { topic: 42 } as never, version: 0 }).catch((e: unknown) => e);
    expect(codeOf(bad)).toBe("BAD_REQUEST");
    expect((bad as TRPCClientError<AppRouter>).data?.problems?.map((p) => p.path)).toContain("version");
  });

  it("resumes a subscription from the last event id: no gap, no duplicate", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ text: SLOW_FLOW });
    const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { delay: 60 } });
    const first = await collect(client, runId, { stopAfter: 3 });
    expect(seqs(first.events)).toEqual(range(1, first.events.length));
    expect(first.events.length).toBeLessThan(12);
    expect(first.ids.at(-1)).toBe(String(first.events.length));
    const rest = await collect(client, runId, { lastEventId: first.ids.at(-1)! });
    expect(rest.completed).toBe(true);
    const all = [...first.events, ...rest.events];
    expect(seqs(all)).toEqual(range(1, all.length));
    expect(all.at(-1)!.type).toBe("flow_finished");
    expect(all.filter((e) => e.type === "method_execution_finished")).toHaveLength(5);
  });

  it("reconnects by itself when the connection drops mid-run and misses nothing", async () => {
    const { client, app } = server;
    const flow = (await client.flows.list.query()).items.find((f) => f.name === "SlowFlow")!;
    // The run holds after its first step until the gate file exists.
    const gate = join(server.root, `gate-${randomUUID()}`);
    const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { delay: 1, gate } });
    const resumed: string[] = [];
    const onRequest = (req: IncomingMessage) => {
      if (req.url?.startsWith("/trpc/events.run") && req.headers["last-event-id"]) resumed.push(String(req.headers["last-event-id"]));
    };
    app.server.on("request", onRequest);
    let dropped = false;
    const got = await collect(client, runId, {
      onEvents: () => {
        if (dropped) return;
        dropped = true;
        // Once events have arrived: drop every socket, the SSE stream included (EventSource reconnects
        // with Last-Event-ID), then let the run go on.
        app.server.closeAllConnections();
        writeFileSync(gate, "open");
      },
    });
    app.server.off("request", onRequest);
    expect(got.completed).toBe(true);
    expect(seqs(got.events)).toEqual(range(1, got.events.length));
    expect(got.events.at(-1)!.type).toBe("flow_finished");
    // The client came back once, saying where it had stopped.
    expect(resumed).toHaveLength(1);
    expect(Number(resumed[0])).toBeGreaterThan(0);
  });

  it("forks a run from a step with a state patch, and shows the fork tree", async () => {
    const { client } = server;
    const flow = (await client.flows.list.query()).items.find((f) => f.name === "SlowFlow")!;
    const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { delay: 1 } });
    expect((await waitForRun(client, runId)).status).toBe("completed");

    const fork = await client.runs.fork.mutate({ runId, at: { step: 2 }, set: [{ path: "count", value: 100 }] });
    expect(fork.parentRunId).toBe(runId);
    const events = await collect(client, fork.runId);
    expect(events.completed).toBe(true);
    const forked = await waitForRun(client, fork.runId);
    expect(forked.status).toBe("completed");
    expect(forked.origin).toBe("fork");
    expect(forked.forkPatch).toEqual([{ op: "replace", path: "/count", value: 100 }]);
    // Steps 3..5 ran again on the patched state: 100 + 3.
    expect(forked.output).toBe(103);
    const executed = events.events.filter((e) => e.type === "method_execution_started").map((e) => (e.type === "method_execution_started" ? e.method : ""));
    expect(executed).toEqual(["three", "four", "five"]);

    const lineage = await client.runs.lineage.query({ runId: fork.runId });
    expect(lineage.root.runId).toBe(runId);
    expect(lineage.root.children.map((c) => c.runId)).toEqual([fork.runId]);

    const diff = await client.runs.diffRuns.query({ left: runId, right: fork.runId });
    expect(diff.steps.find((s) => s.key === "three#1")).toMatchObject({ changed: true, outputChanged: true });
    const stepDiff = await client.runs.diffSteps.query({ runId, from: { step: 1 }, to: { step: 5 } });
    expect(stepDiff.patch).toEqual([{ op: "replace", path: "/count", value: 5 }]);

    const badPatch = await client.runs.fork.mutate({ runId, at: { step: 2 }, patch: [{ op: "replace", path: "/count", value: "many" }] }).catch((e: unknown) => e);
    expect(codeOf(badPatch)).toBe("BAD_REQUEST");
    const noStep = await client.runs.fork.mutate({ runId, at: { step: 99 } }).catch((e: unknown) => e);
    expect(codeOf(noStep)).toBe("NOT_FOUND");
  });

  it("replays a run from its recorded LLM calls", async () => {
    const { client } = server;
    const flow = (await client.flows.list.query()).items.find((f) => f.name === "ResearchReviewFlow")!;
    const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { topic: "replay", audience: "testers" } });
    const source = await waitForRun(client, runId);
    expect(source.status).toBe("completed");
    const replay = await client.runs.replay.mutate({ runId });
    expect(replay.of).toBe(runId);
    const events = await collect(client, replay.runId);
    expect(events.completed).toBe(true);
    const replayed = await waitForRun(client, replay.runId);
    expect(replayed.status).toBe("completed");
    expect(replayed.replayOf).toBe(runId);
    // Every call answered from the recording, none live; the same final state and the same answers.
    expect(replayed.replay).toMatchObject({ sameVersion: true, stateMatch: true, liveCalls: 0, recordedCalls: source.llmCalls, replayedCalls: source.llmCalls });
    // Known gap (crews): a replayed simulated answer is not marked `simulated` and is priced, so the
    // step outputs differ in exactly those two fields and the report's `identical` is false.
    expect(withoutProvenance(replayed.output)).toEqual(withoutProvenance(source.output));
  });

  it("pauses for human feedback and resumes with the answer", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ text: REVIEW_FLOW });
    const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { topic: "tRPC" } });
    const first = await collect(client, runId);
    expect(first.completed).toBe(true);
    expect(first.events.at(-1)!.type).toBe("flow_paused");
    const paused = await waitForRun(client, runId);
    expect(paused.status).toBe("paused");
    expect(paused.pending).toMatchObject({ method: "draft", message: "Review the draft:", emit: ["approved", "rejected"], output: "A post about tRPC" });

    const pending = await client.feedback.pending.query({ flowId: flow.id });
    expect(pending.items.map((p) => p.runId)).toEqual([runId]);
    expect(pending.nextCursor).toBeNull();

    await client.feedback.submit.mutate({ runId, feedback: "approved" });
    const rest = await collect(client, runId, { lastEventId: first.ids.at(-1)! });
    expect(rest.completed).toBe(true);
    expect(seqs([...first.events, ...rest.events])).toEqual(range(1, first.events.length + rest.events.length));
    const done = await waitForRun(client, runId);
    expect(done.status).toBe("completed");
    expect(done.output).toBe("published: A post about tRPC");
    expect(await client.feedback.pending.query({ flowId: flow.id })).toEqual({ items: [], nextCursor: null });

    const again = await client.feedback.submit.mutate({ runId, feedback: "approved" }).catch((e: unknown) => e);
    expect(codeOf(again)).toBe("CONFLICT");
  });

  it("cancels a running run", async () => {
    const { client } = server;
    const flow = (await client.flows.list.query()).items.find((f) => f.name === "SlowFlow")!;
    // The run holds after its first step until the gate file exists: cancel it there, then let it go on.
    const gate = join(server.root, `gate-${randomUUID()}`);
    const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { delay: 1, gate } });
    let cancelling: Promise<unknown> | null = null;
    const got = await collect(client, runId, {
      onEvents: () => {
        cancelling ??= client.runs.cancel.mutate({ runId }).then(() => writeFileSync(gate, "open"));
      },
    });
    await cancelling;
    expect(got.completed).toBe(true);
    const run = await waitForRun(client, runId);
    expect(run.status).toBe("cancelled");
    expect(got.events.filter((e) => e.type === "method_execution_finished").length).toBeLessThan(5);
    expect(got.events.at(-1)).toMatchObject({ type: "flow_failed", error: { type: "Cancelled" } });
  });

  it("50 concurrent runs complete with every event exactly once", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ text: QUICK_FLOW });
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { topic: `t${i}` } });
        const live = await collect(client, runId);
        return { runId, live };
      }),
    );
    for (const { runId, live } of results) {
      expect(live.completed, runId).toBe(true);
      expect(seqs(live.events), runId).toEqual(range(1, live.events.length));
      expect(live.events.at(-1)!.type).toBe("flow_finished");
      const stored = await collect(client, runId);
      expect(stored.events).toEqual(live.events);
    }
    const listed = await client.runs.list.query({ flowId: flow.id, limit: 20 });
    expect(listed.items).toHaveLength(20);
    const page2 = await client.runs.list.query({ flowId: flow.id, limit: 40, cursor: listed.nextCursor! });
    expect(page2.items).toHaveLength(30);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...listed.items, ...page2.items].map((r) => r.runId)).size).toBe(50);
    expect((await client.runs.list.query({ flowId: flow.id, status: "failed" })).items).toEqual([]);
  });

  it("versions: save needs the head, a stale save gets CONFLICT; diff, export and soft delete", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ name: "Drafts" });
    const v1 = await client.flows.get.query({ flowId: flow.id });
    const edited = v1.text.replace("topic: AI agents", "topic: flows");
    const saved = await client.flows.save.mutate({ flowId: flow.id, baseVersion: 1, text: edited });
    expect(saved.version.number).toBe(2);
    expect(saved.changed).toBe(true);
    // The editor opens a flow from the mapping the server parsed (no YAML parse in the browser).
    const v2 = await client.flows.get.query({ flowId: flow.id });
    expect(v2.data).toMatchObject({ name: "Drafts", state: { default: { topic: "flows" } } });
    expect((await client.flows.get.query({ flowId: flow.id, version: 1 })).data).toMatchObject({ state: { default: { topic: "AI agents" } } });

    const stale = await client.flows.save.mutate({ flowId: flow.id, baseVersion: 1, text: edited.replace("flows", "stale") }).catch((e: unknown) => e);
    expect(codeOf(stale)).toBe("CONFLICT");
    expect((stale as Error).message).toMatch(/version 2/);

    const versions = await client.flows.versions.query({ flowId: flow.id });
    expect(versions.items.map((v) => v.number)).toEqual([2, 1]);
    expect(versions.nextCursor).toBeNull();
    const diff = await client.flows.diffVersions.query({ flowId: flow.id, from: 1, to: 2 });
    expect(diff.patch).toEqual([{ op: "replace", path: "/state/default/topic", value: "flows" }]);

    const renamed = await client.flows.save.mutate({ flowId: flow.id, baseVersion: 2, text: edited.replace('name: "Drafts"', "name: Other") }).catch((e: unknown) => e);
    expect(codeOf(renamed)).toBe("BAD_REQUEST");

    const exported = await client.flows.exportYaml.query({ flowId: flow.id, version: 2 });
    expect(exported.text).toBe(edited);
    expect(exported.warnings).toEqual([]);

    await client.flows.delete.mutate({ flowId: flow.id });
    expect((await client.flows.list.query()).items.map((f) => f.name)).not.toContain("Drafts");
    const startDeleted = await client.runs.start.mutate({ flowId: flow.id }).catch((e: unknown) => e);
    expect(codeOf(startDeleted)).toBe("NOT_FOUND");
    const recreate = await client.flows.create.mutate({ name: "Drafts" }).catch((e: unknown) => e);
    expect(codeOf(recreate)).toBe("CONFLICT");
    const restored = await client.flows.restore.mutate({ flowId: flow.id });
    expect(restored.deleted).toBe(false);
    expect(restored.head.number).toBe(2);
    expect((await client.flows.list.query()).items.map((f) => f.name)).toContain("Drafts");
  });

  it("validates and imports YAML with diagnostics; exports with CrewAI compatibility warnings", async () => {
    const { client } = server;
    const invalid = await client.flows.validate.query({ text: "name: Broken\nmethods:\n  a:\n    start: true\n    do: {call: nope}\n" });
    expect(invalid.valid).toBe(false);
    expect(invalid.errors[0]!.path).toBe("methods.a.do.call");

    const bad = await client.flows.importYaml.mutate({ yaml: "name: Broken\nmethods:\n  a:\n    start: true\n    do: {call: nope}\n" }).catch((e: unknown) => e);
    expect(codeOf(bad)).toBe("BAD_REQUEST");
    expect((bad as TRPCClientError<AppRouter>).data?.problems?.[0]?.path).toBe("methods.a.do.call");

    const js = `name: JsFlow\nmethods:\n  a:\n    start: true\n    do: {ref: ./steps.mjs:tick}\n`;
    const imported = await client.flows.importYaml.mutate({ yaml: js });
    expect(imported.created).toBe(true);
    const exported = await client.flows.exportYaml.query({ flowId: imported.flow.id });
    expect(exported.warnings.map((w) => w.path)).toEqual(["methods.a.do.ref"]);
    expect(exported.warnings[0]!.code).toBe("crewai_incompatible");

    const again = await client.flows.importYaml.mutate({ yaml: js.replace("tick", "tick ") }).catch((e: unknown) => e);
    expect(codeOf(again)).toBe("CONFLICT");
    const replaced = await client.flows.importYaml.mutate({ yaml: js + "description: two\n", replace: true });
    expect(replaced.created).toBe(false);
    expect(replaced.flow.head.number).toBe(2);
  });

  it("answers unknown ids with NOT_FOUND and bad payloads with BAD_REQUEST and the issue paths", async () => {
    const { client } = server;
    for (const call of [
      () => client.runs.get.query({ runId: "nope" }),
      () => client.runs.steps.query({ runId: "nope" }),
      () => client.flows.get.query({ flowId: "nope" }),
      () => client.runs.lineage.query({ runId: "nope" }),
      () => client.runs.start.mutate({ flowId: "nope" }),
    ])
      expect(codeOf(await call().catch((e: unknown) => e))).toBe("NOT_FOUND");
    const events = await collect(server.client, "nope");
    expect(codeOf(events.error)).toBe("NOT_FOUND");

    const err = await client.runs.fork.mutate({ runId: "x", at: { step: 0 }, extra: 1 } as never).catch((e: unknown) => e);
    expect(codeOf(err)).toBe("BAD_REQUEST");
    const data = (err as TRPCClientError<AppRouter>).data!;
    expect(data.problems!.map((p) => p.path).sort()).toEqual(["", "at.step"]);
    expect(JSON.stringify(data)).not.toMatch(/stack|node_modules|at .*\.ts:/);
  });
});
