// Guardrails (spec §9.4) against the local server: function guardrails by ref, retries with the
// failure fed back, exhaustion messages, list guardrails, and LLM-judged text guardrails.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type CrewOutput, TaskOutput } from "../src";
import { FakeOpenAI } from "../src/testing";
import { agent, calls, contextFor, rejection, runnerFor } from "./helpers";

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

/** A guardrail that fails `failures` times, then passes and upper-cases the output. */
function flaky(failures: number) {
  let seen = 0;
  const fn = (output: TaskOutput) => {
    seen += 1;
    if (seen <= failures) return { ok: false as const, error: `too short (check ${seen})` };
    return { ok: true as const, value: output.raw.toUpperCase() };
  };
  return { fn, count: () => seen };
}

const crewWith = (task: Record<string, unknown>) => ({
  agents: { writer: agent("Writer") },
  tasks: [{ name: "draft", description: "Write a draft", expected_output: "A draft", agent: "writer", ...task }],
});

describe("function guardrails", () => {
  it("fails twice then passes: the agent re-runs with the failure and its previous result as context", async () => {
    const guard = flaky(2);
    fake.reply({ content: "draft one" }, { content: "draft two" }, { content: "draft three" });
    const ctx = contextFor();
    const runner = runnerFor(fake, { modules: new Map([["checks", { guard: guard.fn }]]) });
    const out = (await runner.runCrew({ crew: crewWith({ guardrail: { ref: "checks:guard" } }), inputs: {} }, ctx)) as CrewOutput;
    expect(out.raw).toBe("DRAFT THREE");
    expect(guard.count()).toBe(3);
    expect(fake.count).toBe(3);
    const retry = fake.chats[1]!.messages[1]!.content!;
    expect(retry).toContain(
      "This is the context you're working with:\n### Previous attempt failed validation: too short (check 1)\n\n\n### Previous result:\ndraft one\n\n\nTry again, making sure to address the validation error.",
    );
    expect(fake.chats[2]!.messages[1]!.content).toContain("### Previous result:\ndraft two");
    expect(calls(ctx.events, "guardrail")).toEqual([
      expect.objectContaining({ attempt: 1, ok: false, error: "too short (check 1)", index: null, guardrail: "checks:guard", max_retries: 3, task: "draft" }),
      expect.objectContaining({ attempt: 2, ok: false, error: "too short (check 2)" }),
      expect.objectContaining({ attempt: 3, ok: true, error: null }),
    ]);
  });

  it("never passes: after guardrail_max_retries the method fails with CrewAI's message", async () => {
    fake.respond((_b, i) => ({ content: `attempt ${i + 1}` }));
    const never = () => ({ ok: false, error: "still wrong" });
    const ctx = contextFor();
    const runner = runnerFor(fake, { modules: new Map([["checks", { never }]]) });
    const error = await rejection(runner.runCrew({ crew: crewWith({ guardrail: { ref: "checks:never" }, guardrail_max_retries: 2 }), inputs: {} }, ctx));
    expect(error.name).toBe("Exception");
    expect(error.message).toBe("Task failed guardrail validation after 2 retries. Last error: still wrong");
    expect(fake.count).toBe(3); // evaluated max + 1 times
    expect(calls(ctx.events, "guardrail").map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(calls(ctx.events, "task").at(-1)).toMatchObject({ status: "failed", error: { type: "Exception" } });
    expect(calls(ctx.events, "crew").at(-1)).toMatchObject({ status: "failed" });
  });

  it("the default is 3 retries; the deprecated max_retries alias is honoured", async () => {
    fake.respond(() => ({ content: "x" }));
    const never = () => [false, "nope"] as const;
    const runner = runnerFor(fake, { modules: new Map([["checks", { never }]]) });
    const first = await rejection(runner.runCrew({ crew: crewWith({ guardrail: { ref: "checks:never" } }), inputs: {} }, contextFor()));
    expect(first.message).toBe("Task failed guardrail validation after 3 retries. Last error: nope");
    expect(fake.count).toBe(4);
    const second = await rejection(runner.runCrew({ crew: crewWith({ guardrail: { ref: "checks:never" }, max_retries: 1 }), inputs: {} }, contextFor()));
    expect(second.message).toBe("Task failed guardrail validation after 1 retries. Last error: nope");
  });

  it("a list runs in order on the transformed output; its failures name the guardrail's index", async () => {
    fake.respond(() => ({ content: "text" }));
    const exclaim = (o: TaskOutput) => ({ ok: true, value: `${o.raw}!` });
    const hasTwo = (o: TaskOutput) => (o.raw.endsWith("!!") ? { ok: true, value: o.raw } : { ok: false, error: `got ${o.raw}` });
    const runner = runnerFor(fake, { modules: new Map([["checks", { exclaim, hasTwo }]]) });
    const error = await rejection(
      runner.runCrew({ crew: crewWith({ guardrails: [{ ref: "checks:exclaim" }, { ref: "checks:hasTwo" }], guardrail_max_retries: 1 }), inputs: {} }, contextFor()),
    );
    // A retry of guardrail 1 re-runs the agent and does not re-apply guardrail 0.
    expect(error.message).toBe("Task failed guardrail 1 validation after 1 retries. Last error: got text");
  });

  it("(True, None) is an error; a returned TaskOutput replaces the output", async () => {
    fake.respond(() => ({ content: "text" }));
    const none = () => ({ ok: true, value: null });
    const replace = (o: TaskOutput) => [true, new TaskOutput({ ...o, raw: "replaced", json_dict: null, pydantic: null, output_format: "raw", name: o.name, agent: o.agent })];
    const runner = runnerFor(fake, { modules: new Map([["checks", { none, replace }]]) });
    const error = await rejection(runner.runCrew({ crew: crewWith({ guardrail: { ref: "checks:none" } }), inputs: {} }, contextFor()));
    expect(error.message).toBe("Task guardrail returned None as result. This is not allowed.");
    const out = (await runner.runCrew({ crew: crewWith({ guardrail: { ref: "checks:replace" } }), inputs: {} }, contextFor())) as CrewOutput;
    expect(out.raw).toBe("replaced");
  });

  it("a guardrail's string result re-derives the structured output", async () => {
    fake.reply({ content: '{"n": 1}' });
    const bump = () => ({ ok: true, value: '{"n": 2}' });
    const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"], additionalProperties: false };
    const runner = runnerFor(fake, { modules: new Map([["checks", { bump }]]) });
    const out = (await runner.runCrew({ crew: crewWith({ guardrail: { ref: "checks:bump" }, output_json: schema }), inputs: {} }, contextFor())) as CrewOutput;
    expect(out.json_dict).toEqual({ n: 2 });
  });

  it("Python guardrails are refused when the crew loads", async () => {
    const error = await rejection(runnerFor(fake).runCrew({ crew: crewWith({ guardrail: { python: "checks.guard" } }), inputs: {} }, contextFor()));
    expect(error.message).toContain("Crewflow cannot run the Python guardrail 'checks.guard'");
    expect(fake.count).toBe(0);
  });
});

describe("text guardrails (LLM judge)", () => {
  it("the task agent's model judges; its feedback drives the retry", async () => {
    fake.reply(
      { content: "A draft without numbers" },
      { content: '{"valid": false, "feedback": "Mention at least one number."}' },
      { content: "A draft with 42" },
      { content: '{"valid": true, "feedback": null}' },
    );
    const ctx = contextFor();
    const out = (await runnerFor(fake).runCrew({ crew: crewWith({ guardrail: "The draft must contain a number" }), inputs: {} }, ctx)) as CrewOutput;
    expect(out.raw).toBe("A draft with 42");
    const judge = fake.chats[1]!;
    expect(judge.messages[0]!.content).toContain("You are Guardrail Agent.");
    expect(judge.messages[1]!.content).toContain("Task result:\n        A draft without numbers\n\n        Guardrail:\n        The draft must contain a number");
    expect(judge.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "LLMGuardrailResult", strict: true } });
    expect(fake.chats[2]!.messages[1]!.content).toContain("### Previous attempt failed validation: Mention at least one number.");
    expect(calls(ctx.events, "guardrail").map((c) => [c.attempt, c.ok])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(calls(ctx.events, "llm").map((c) => c.purpose)).toEqual(["task", "guardrail", "task", "guardrail"]);
    // The judge's calls count toward the task's usage.
    expect(out.tasks_output[0]!.token_usage.successful_requests).toBe(4);
  });

  it("a judge that errors counts as a failed check", async () => {
    fake.respond((body) => (body.response_format ? { status: 400, body: { error: { message: "bad schema" } } } : { content: "draft" }));
    const error = await rejection(
      runnerFor(fake, { maxRetries: 0 }).runCrew({ crew: crewWith({ guardrail: "Be good", guardrail_max_retries: 1 }), inputs: {} }, contextFor()),
    );
    expect(error.message).toMatch(/^Task failed guardrail validation after 1 retries\. Last error: Error while validating the task output: LLM call to .* 400 bad schema$/);
  });
});
