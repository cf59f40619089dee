// Deterministic replay: a crew-using run re-executed from its recorded LLM calls makes no HTTP request
// and ends with the same steps and state; a changed version is reported at its first differing request.
import { defineFlow, type FlowHandle } from "@crewflow/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplayUnavailable, replayRun, runFlow } from "@crewflow/host";
import type { PrismaRunStore } from "@crewflow/store-prisma";
import { httpCrews, replayCrews } from "./support/crews";
import { DATABASES, tempDir, unique } from "@crewflow/store-prisma/testing/databases";
import { chain, hosted } from "@crewflow/host/spec";
import { type TestLlmServer, startLlmServer } from "./support/llm-server";

const agent = (input: string) => ({ call: "agent" as const, with: { role: "Writer", goal: "Write short notes", backstory: "Terse.", input } });

/** research (LLM) → route (code router) → summarize (LLM) → finish (code). */
function crewFlow(name: string, summaryPrompt = "Summarize: ${outputs.research}") {
  return defineFlow(name, { state: { type: "dict", default: { topic: "tides" } } })
    .start("research", agent("Research ${state.topic}"))
    .router("route", "research", (flow: FlowHandle) => ((flow.outputs.research as string).length > 5 ? "long" : "short"))
    .listen("summarize", "long", agent(summaryPrompt))
    .listen("finish", "summarize", (flow: FlowHandle) => {
      flow.state.summary = flow.outputs.summarize;
      return "done";
    });
}

describe.each(DATABASES)("replay on $name", (db) => {
  let store: PrismaRunStore;
  let llm: TestLlmServer;
  beforeAll(async () => {
    store = await db.open(tempDir());
    llm = await startLlmServer();
  });
  afterAll(async () => {
    await store?.close();
    await llm?.close();
  });

  it("replays a crew-using run with zero HTTP requests to the LLM server and the same steps and state", async () => {
    const name = unique("Crew");
    const recorded = await runFlow(store, hosted(crewFlow(name), { flowOptions: { modules: crewFlow(name).modules(), crews: httpCrews(llm.url) } }), { kind: "new" });
    expect(recorded.status).toBe("completed");
    expect(llm.requests).toBeGreaterThanOrEqual(2);
    expect(await store.getRun(recorded.runId)).toMatchObject({ llmCalls: 2 });
    const before = llm.requests;
    const report = await replayRun(store, recorded.runId, { replayModel: replayCrews, flowOptions: { modules: crewFlow(name).modules() } });
    expect(llm.requests).toBe(before);
    expect(report).toMatchObject({ identical: true, stepsMatch: true, stateMatch: true, sameVersion: true, firstDifference: null, recordedCalls: 2, replayedCalls: 2 });
    expect(report.result.status).toBe("completed");
    const { state: original } = (await store.steps(recorded.runId)).at(-1)!;
    const { state: replayed } = (await store.steps(report.result.runId)).at(-1)!;
    expect({ ...replayed, id: null }).toEqual({ ...original, id: null });
    expect((await store.steps(report.result.runId)).map((s) => s.method)).toEqual(["research", "route", "summarize", "finish"]);
    expect(await store.getRun(report.result.runId)).toMatchObject({ origin: "new", replayOfId: recorded.runId });
  });

  it("reports the first step whose request differs when the flow version changed", async () => {
    const name = unique("Changed");
    const recorded = await runFlow(store, hosted(crewFlow(name), { flowOptions: { modules: crewFlow(name).modules(), crews: httpCrews(llm.url) } }), { kind: "new" });
    const before = llm.requests;
    const changed = crewFlow(name, "Summarize in one line: ${outputs.research}");
    const report = await replayRun(store, recorded.runId, {
      definition: { text: JSON.stringify(changed.definition()), sourcePath: null },
      replayModel: replayCrews,
      flowOptions: { modules: changed.modules() },
    });
    expect(llm.requests).toBe(before);
    expect(report.sameVersion).toBe(false);
    expect(report.identical).toBe(false);
    expect(report.result.status).toBe("failed");
    expect(report.firstDifference).toMatchObject({ index: 1, recordedMethod: "summarize" });
    expect(report.firstDifference!.diff.patch).toEqual([
      expect.objectContaining({ op: "replace", path: "/messages/1/content", value: expect.stringContaining("Summarize in one line:") }),
    ]);
    expect(report.firstStepDifference).toMatchObject({ number: 3, recorded: { method: "summarize", status: "completed" }, replayed: { method: "summarize", status: "failed" } });
  });

  it("replays a run without LLM calls with no model at all; asks for one when the run made calls", async () => {
    const name = unique("Plain");
    const run = await runFlow(store, hosted(chain(name, 3)), { kind: "new" });
    const ok = await replayRun(store, run.runId, { flowOptions: { modules: chain(name, 3).modules() } });
    expect(ok).toMatchObject({ identical: true, recordedCalls: 0 });
    const crew = unique("NoModel");
    const withCalls = await runFlow(store, hosted(crewFlow(crew), { flowOptions: { modules: crewFlow(crew).modules(), crews: httpCrews(llm.url) } }), { kind: "new" });
    await expect(replayRun(store, withCalls.runId, { flowOptions: { modules: crewFlow(crew).modules() } })).rejects.toBeInstanceOf(ReplayUnavailable);
  });

  it("replays a fork from its parent's snapshot with the same patch", async () => {
    const name = unique("ForkReplay");
    const parent = await runFlow(store, hosted(chain(name, 4)), { kind: "new" });
    const step = (await store.step(parent.runId, { number: 2 }))!;
    const fork = await runFlow(store, hosted(chain(name, 4)), { kind: "fork", runId: parent.runId, seq: step.seq, patch: [{ op: "replace", path: "/count", value: 50 }] });
    const report = await replayRun(store, fork.runId, { flowOptions: { modules: chain(name, 4).modules() } });
    expect(report.identical).toBe(true);
    expect((await store.steps(report.result.runId)).map((s) => s.method)).toEqual(["m3", "m4"]);
    expect((await store.steps(report.result.runId)).at(-1)!.state).toMatchObject({ count: 52 });
  });
});
