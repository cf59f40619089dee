// A model endpoint that accepts the connection and never answers: the run fails within the configured
// deadline (CREWFLOW_LLM_DEADLINE_MS) instead of minutes later, its log shows the wait while it lasts
// (`llm_waiting` events), and once the endpoint answers again the failed run continues through the
// HTTP API to completion, without running its completed step again.
import { FakeOpenAI } from "@crewflow/crews/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hungModelFlow } from "./support/fixtures";
import { type TestServer, closeServer, collect, startServer, waitForRun } from "./support/server";

const FLOW = hungModelFlow("HungModel");

describe("a hung model endpoint", () => {
  let fake: FakeOpenAI;
  let server: TestServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    process.env.OPENAI_BASE_URL = fake.url;
    process.env.OPENAI_API_KEY = "sk-deadline-test";
    process.env.CREWFLOW_LLM_DEADLINE_MS = "2000";
    server = await startServer();
  });

  afterAll(async () => {
    await closeServer(server);
    await fake?.close();
    process.env = saved;
  });

  it("fails the run within its deadline, shows the wait, and the run continues once the endpoint answers", async () => {
    const { client, url } = server;
    fake.reply({ hang: true });
    const { flow } = await client.flows.create.mutate({ text: FLOW });
    const { runId } = await client.runs.start.mutate({ flowId: flow.id });
    const failed = await waitForRun(client, runId);
    expect(failed.status).toBe("failed");
    expect(failed.error?.message).toContain("got no answer within its deadline of 2 s");
    const log = await collect(client, runId);
    const waits = log.events.filter((e) => e.type === "llm_waiting");
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toMatchObject({ method: "ask", endpoint: fake.url });

    fake.reply({ content: "A short note." });
    const resumed = await fetch(`${url}/api/runs/${runId}/resume`, { method: "POST" });
    expect(resumed.status).toBe(202);
    const done = await waitForRun(client, runId);
    expect(done.status).toBe("completed");
    const all = await collect(client, runId);
    const finished = all.events.flatMap((e) => (e.type === "method_execution_finished" ? [e.method] : []));
    expect(finished).toEqual(["prepare", "ask"]);
  });
});
