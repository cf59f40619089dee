// events.live: a running method's start and its streamed LLM tokens reach a subscriber as they happen
// (the committed log only has them once the method ends). Real server, real tRPC over HTTP + SSE.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../src/app";
import { tickState } from "./support/fixtures";
import { type Client, type TestServer, closeServer, collect, startServerWithSteps, waitForRun } from "./support/server";

/** A wait (so the subscriber is in place), then an agent that streams its answer. */
const STREAM_FLOW = `schema: crewai.flow/v1
name: StreamFlow
${tickState(300)}
methods:
  wait:
    start: true
    do: { ref: ./steps.mjs:tick }
  answer:
    listen: wait
    do:
      call: agent
      with:
        role: Writer
        goal: Write a short note about streaming.
        backstory: Writes short notes.
        llm: { model: gpt-4o-mini, stream: true }
        input: "Say something"
`;

type LiveEvent = { type: "started"; seq: number; method: string; execution: number } | { type: "token"; seq: number; method: string; execution: number; delta: string };

function collectLive(client: Client, runId: string, onData?: () => void): Promise<{ events: LiveEvent[]; completed: boolean; error: unknown }> {
  return new Promise((resolve) => {
    const out = { events: [] as LiveEvent[], completed: false, error: null as unknown };
    const timer = setTimeout(() => (subscription.unsubscribe(), resolve(out)), 20_000);
    const subscription = client.events.live.subscribe(
      { runId },
      {
        onData: (message) => {
          out.events.push(...(message.events as LiveEvent[]));
          onData?.();
        },
        onError: (err) => (clearTimeout(timer), (out.error = err), resolve(out)),
        onComplete: () => (clearTimeout(timer), (out.completed = true), resolve(out)),
      },
    );
  });
}

describe("events.live over HTTP", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServerWithSteps();
  });

  afterAll(() => closeServer(server));

  it("streams method starts and LLM tokens while the run goes on, matching what the log commits", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ text: STREAM_FLOW });
    const { runId } = await client.runs.start.mutate({ flowId: flow.id });
    const live = await collectLive(client, runId);
    expect(live.error).toBeNull();
    expect(live.completed).toBe(true);
    expect((await waitForRun(client, runId)).status).toBe("completed");

    const log = (await collect(client, runId)).events;
    // The answer's start came live, with the seq the log gives it.
    const started = live.events.filter((e) => e.type === "started");
    const answerStart = log.find((e) => e.type === "method_execution_started" && e.method === "answer")!;
    expect(started.map((e) => [e.method, e.seq])).toContainEqual(["answer", answerStart.seq]);
    // Every token the log committed came live first, in order, and they spell the model's answer.
    const tokens = live.events.filter((e): e is Extract<LiveEvent, { type: "token" }> => e.type === "token");
    const committed = log.filter((e) => e.type === "llm_stream");
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((t) => [t.seq, t.delta])).toEqual(committed.map((e) => [e.seq, e.type === "llm_stream" ? e.delta : null]));
    const call = log.find((e) => e.type === "llm_call" && e.method === "answer");
    const content = call && call.type === "llm_call" ? (call.call as { response?: { content?: string } }).response?.content : undefined;
    expect(tokens.map((t) => t.delta).join("")).toBe(content);
  });

  it("a late subscriber first gets the method that runs now", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ text: STREAM_FLOW.replace("StreamFlow", "StreamFlowLate").replace("steps.mjs:tick", "steps.mjs:hold") });
    // `wait` holds until the gate file exists: it has started before anyone listens, and its start is
    // not committed until it ends. The gate opens once the late subscriber has its first message.
    const gate = join(server.root, "late-gate");
    const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { gate } });
    while (!existsSync(`${gate}.entered`)) await new Promise((r) => setTimeout(r, 20));
    const late = await collectLive(client, runId, () => existsSync(gate) || writeFileSync(gate, "open"));
    expect(late.completed).toBe(true);
    expect(late.events[0]).toMatchObject({ type: "started", method: "wait" });
    expect(late.events.filter((e) => e.type === "started").map((e) => e.method)).toEqual(["wait", "answer"]);
    const seqs = late.events.map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b)); // no repeats, in order
  });

  it("completes at once for a run with no job, and says NOT_FOUND for an unknown run", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ text: STREAM_FLOW.replace("StreamFlow", "StreamFlow2").replace("delay: 300", "delay: 1") });
    const { runId } = await client.runs.start.mutate({ flowId: flow.id });
    await waitForRun(client, runId);
    const after = await collectLive(client, runId);
    expect(after).toEqual({ events: [], completed: true, error: null });

    const unknown = await collectLive(client, "no-such-run");
    expect(unknown.error).toBeInstanceOf(TRPCClientError);
    expect((unknown.error as TRPCClientError<AppRouter>).data?.code).toBe("NOT_FOUND");
  });
});
