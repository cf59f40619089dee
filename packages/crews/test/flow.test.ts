// Crews inside flows (in process): the template-shaped flow against the local server and with the
// simulated model, the router following the model's label, replay of a recorded run with zero HTTP
// requests, and an LLM failure failing the method.
import { loadDefinitionText } from "@crewflow/definition";
import { Flow, type FlowEvent, type FlowOptions } from "@crewflow/runtime";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ReplayChatModel, ReplayMissError, createCrewRunner, llmCallsOf, runUsage } from "../src";
import { FakeOpenAI } from "../src/testing";
import { REVIEW_FLOW, reviewResponder } from "./fixtures";
import { KEY, expectNoKey } from "./helpers";

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const definition = loadDefinitionText(REVIEW_FLOW).definition!;

async function run(crews: FlowOptions["crews"], inputs: Record<string, unknown> | null = null) {
  const flow = await Flow.create(definition, { crews: crews! });
  let error: unknown = null;
  let result: unknown = null;
  try {
    result = await flow.kickoff({ inputs });
  } catch (err) {
    error = err;
  }
  const methods = flow.events.flatMap((e) => (e.type === "method_execution_finished" ? [`${e.method}${e.label ? `→${e.label}` : ""}`] : []));
  return { flow, result, error, methods, outputs: JSON.parse(JSON.stringify(flow.outputsByMethod)) as Record<string, Record<string, unknown>> };
}

const openaiRunner = (extra = {}) => createCrewRunner({ definition, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY }, ...extra });

describe("the template-shaped flow", () => {
  it("runs end to end against the server; the router follows the model's label (followup)", async () => {
    fake.respond(reviewResponder("followup"));
    const { result, error, methods, outputs, flow } = await run(openaiRunner());
    expect(error).toBeNull();
    expect(methods).toEqual(["brief", "decide→followup", "follow_up"]);
    expect(fake.count).toBe(4);
    expect(String(result)).toBe("Exec note: adopt vector search carefully.");
    expect(outputs.brief).toMatchObject({ raw: "Solid analysis. needs_followup: true", tasks_output: [{ description: "Analyse vector databases for data platform teams." }, {}] });
    expect(outputs.decide).toMatchObject({ raw: "followup", agent_role: "Follow-up router" });
    // The CEL template fed the crew's raw output to the router.
    expect(fake.chats[2]!.messages[1]!.content).toContain("Critiqued brief: Solid analysis. needs_followup: true");
    expect(runUsage(flow.events).successful_requests).toBe(4);
    expectNoKey(flow.events);
  });

  it("the label done ends the flow at the router", async () => {
    fake.respond(reviewResponder("done"));
    const { methods, result } = await run(openaiRunner(), { topic: "edge AI", audience: "CTOs" });
    expect(methods).toEqual(["brief", "decide→done"]);
    expect(String(result)).toBe("done");
    expect(fake.chats[0]!.messages[0]!.content).toBe("You are Market analyst. Writes short, sourced briefs.\nYour personal goal is: Analyse edge AI for CTOs");
  });

  it("runs with the simulated model, offline: the router picks one of its emit labels", async () => {
    const first = await run(createCrewRunner({ definition, env: {} }));
    const second = await run(createCrewRunner({ definition, env: {} }));
    expect(first.error).toBeNull();
    const label = String(first.outputs.decide!.raw);
    expect(["followup", "done"]).toContain(label);
    expect(first.methods).toEqual(label === "followup" ? ["brief", "decide→followup", "follow_up"] : ["brief", "decide→done"]);
    expect(second.methods).toEqual(first.methods);
    expect(first.outputs.brief).toMatchObject({ simulated: true });
    expect(String(first.outputs.brief!.raw)).toMatch(/^\[simulated\] /);
    expect(fake.count).toBe(0);
  });

  it("replaying a recorded run gives the same final state and outputs with zero HTTP requests", async () => {
    fake.respond(reviewResponder("followup"));
    const recorded = await run(openaiRunner({ stream: true }));
    expect(recorded.error).toBeNull();
    const requests = fake.count;
    const events: FlowEvent[] = JSON.parse(JSON.stringify(recorded.flow.events)); // as persisted
    const replay = ReplayChatModel.fromEvents(events);
    expect(replay.size).toBe(4);

    const replayed = await run(createCrewRunner({ definition, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY }, model: replay }));
    expect(replayed.error).toBeNull();
    expect(fake.count).toBe(requests);
    expect(replay.answered).toBe(4);
    const { id: _a, ...stateA } = recorded.flow.state;
    const { id: _b, ...stateB } = replayed.flow.state;
    expect(stateB).toEqual(stateA);
    expect(replayed.methods).toEqual(recorded.methods);
    expect(replayed.outputs).toEqual(recorded.outputs);
    expect(llmCallsOf(replayed.flow.events).map((c) => c.hash)).toEqual(llmCallsOf(recorded.flow.events).map((c) => c.hash));
    expect(llmCallsOf(replayed.flow.events).every((c) => c.provider === "replay" && c.source === `replay:${c.hash}`)).toBe(true);
  });

  it("a replay of different inputs misses, naming the nearest recording and where it differs", async () => {
    fake.respond(reviewResponder("done"));
    const recorded = await run(openaiRunner());
    const replay = ReplayChatModel.fromEvents(recorded.flow.events);
    const changed = await run(createCrewRunner({ definition, env: {}, model: replay }), { topic: "graph databases", audience: "data platform teams" });
    expect(changed.error).toBeInstanceOf(ReplayMissError);
    const message = (changed.error as Error).message;
    expect(message).toMatch(/^replay miss: no recorded LLM call has request hash [0-9a-f]{12} \(model gpt-4\.1-mini, 2 messages\); nearest recording differs at /);
    expect(message).toContain('messages[1].content: recorded "\\nCurrent Task: Analyse vector databases');
    expect(message).toContain('requested "\\nCurrent Task: Analyse graph databases');
    expect(changed.flow.events.some((e) => e.type === "method_execution_failed" && e.error.type === "ReplayMissError")).toBe(true);
  });

  it("an endpoint that keeps failing fails the method and the run with the endpoint in the message", async () => {
    fake.respond(() => ({ status: 503, headers: { "retry-after-ms": "1" }, body: { error: { message: "overloaded" } } }));
    const { error, flow } = await run(openaiRunner({ maxRetries: 1 }));
    expect((error as Error).message).toBe(`LLM call to ${fake.url} failed (model gpt-4.1-mini, 2 attempts): 503 overloaded`);
    const failed = flow.events.find((e) => e.type === "method_execution_failed");
    expect(failed).toMatchObject({ method: "brief", error: { type: "InternalServerError", message: expect.stringContaining(fake.url) } });
    expectNoKey(flow.events, error);
  });

  it("case 78: a structured crew output reaches CEL through outputs; a router returning it emits its str()", async () => {
    fake.respond(() => ({ content: '{"score": 9}' }));
    const yaml = `name: Structured
methods:
  brief:
    start: true
    do:
      call: crew
      with:
        agents: {a: {role: Scorer, goal: Score, backstory: Scores things.}}
        tasks:
          - description: Score it
            expected_output: A score
            agent: a
            output_json: {type: object, properties: {score: {type: integer}}, required: [score]}
  use:
    listen: brief
    do: {call: expression, expr: "outputs.brief.json_dict.score > 5 ? outputs.brief.raw : 'low'"}
  route:
    start: true
    router: true
    do:
      call: crew
      with:
        agents: {a: {role: Scorer, goal: Score, backstory: Scores things.}}
        tasks: [{description: Score it, expected_output: A score, agent: a, output_json: {type: object}}]
`;
    const structured = loadDefinitionText(yaml).definition!;
    const flow = await Flow.create(structured, { crews: createCrewRunner({ definition: structured, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY } }) });
    await flow.kickoff({ inputs: null });
    const finished = flow.events.flatMap((e) => (e.type === "method_execution_finished" ? [[e.method, e.label, e.result] as const] : []));
    expect(finished.find(([m]) => m === "use")![2]).toBe('{"score": 9}');
    expect(finished.find(([m]) => m === "route")![1]).toBe("{'score': 9}");
  });
});
