// The simulated model: the default with no OPENAI_API_KEY / OPENAI_BASE_URL; offline, deterministic,
// labelled "simulated"; schema-valid structured answers; a label from the allowed set for routers.
import { loadDefinitionText } from "@crewflow/definition";
import { describe, expect, it } from "vitest";
import { type AgentOutput, type CrewOutput, labelsAskedFor, parseStructured, outputSpec, simulatedAnswer } from "../src";
import { agent, calls, contextFor, simulatedRunner } from "./helpers";

const crew = {
  agents: { r: agent("Researcher") },
  tasks: [{ name: "research", description: "Research {topic}.\nMore detail.", expected_output: "Findings", agent: "r" }],
};

describe("simulated model", () => {
  it("is the default without a key or base URL, says so once, and labels its output", async () => {
    const lines: string[] = [];
    const runner = simulatedRunner({ log: (line) => lines.push(line) });
    expect(runner.defaultProvider).toBe("simulated");
    const ctx = contextFor();
    const out = (await runner.runCrew({ crew, inputs: { topic: "AI" } }, ctx)) as CrewOutput;
    await runner.runCrew({ crew, inputs: { topic: "AI" } }, contextFor());
    expect(out.raw).toBe("[simulated] Research AI.");
    expect(out.toJSON()).toMatchObject({ simulated: true, tasks_output: [expect.objectContaining({ simulated: true })] });
    expect(lines).toEqual([expect.stringContaining("use the simulated model")]);
    expect(calls(ctx.events, "llm")[0]).toMatchObject({ provider: "simulated", source: "simulated", cost_usd: 0, attempts: 1 });
    expect(out.token_usage.total_tokens).toBeGreaterThan(0);
  });

  it("is deterministic", async () => {
    const run = async () => JSON.stringify(await simulatedRunner().runCrew({ crew, inputs: { topic: "AI" } }, contextFor()));
    expect(await run()).toBe(await run());
  });

  it("answers structured outputs with schema-valid objects", async () => {
    const schema = {
      type: "object",
      properties: {
        verdict: { enum: ["approve", "reject"] },
        score: { type: "integer", minimum: 3, maximum: 5 },
        notes: { type: "string", minLength: 2 },
        tags: { type: "array", items: { type: "string" }, minItems: 2 },
        ok: { type: "boolean" },
      },
      required: ["verdict", "score", "notes", "tags", "ok"],
      additionalProperties: false,
    };
    const structured = { ...crew, tasks: [{ ...crew.tasks[0]!, output_json: schema }] };
    const out = (await simulatedRunner().runCrew({ crew: structured, inputs: { topic: "AI" } }, contextFor())) as CrewOutput;
    expect(out.json_dict).toEqual({ verdict: "approve", score: 3, notes: "simulated", tags: ["simulated", "simulated"], ok: true });
    expect(parseStructured(out.raw, outputSpec(schema, "json")).ok).toBe(true);
  });

  it("a simulated judge passes text guardrails", async () => {
    const guarded = { ...crew, tasks: [{ ...crew.tasks[0]!, guardrail: "Must be about AI" }] };
    const ctx = contextFor();
    const out = (await simulatedRunner().runCrew({ crew: guarded, inputs: { topic: "AI" } }, ctx)) as CrewOutput;
    expect(out.raw).toBe("[simulated] Research AI.");
    expect(calls(ctx.events, "guardrail")).toEqual([expect.objectContaining({ ok: true, attempt: 1 })]);
  });

  describe("router labels", () => {
    const { definition } = loadDefinitionText(`
name: Routes
methods:
  start: {start: true, do: {call: expression, expr: "'x'"}}
  route:
    listen: start
    router: true
    emit: [approve, revise, reject]
    do: {call: agent, with: {role: Router, goal: Decide, backstory: B, input: "x"}}
`);

    it("inside a router method, the answer is one of its emit labels, chosen by a hash of the input", async () => {
      const runner = simulatedRunner({ definition: definition! });
      const answers = new Set<string>();
      for (const input of ["first case", "second case", "third case", "fourth case", "fifth case", "sixth case"]) {
        const out = (await runner.runAgent({ agent: agent("Router"), input }, contextFor("route"))) as AgentOutput;
        expect(["approve", "revise", "reject"]).toContain(out.raw);
        const again = (await runner.runAgent({ agent: agent("Router"), input }, contextFor("route"))) as AgentOutput;
        expect(again.raw).toBe(out.raw);
        answers.add(out.raw);
      }
      expect(answers.size).toBeGreaterThan(1);
      // Outside the router method the same call is plain text.
      const plain = (await runner.runAgent({ agent: agent("Router"), input: "first case" }, contextFor("start"))) as AgentOutput;
      expect(plain.raw).toBe("[simulated] first case");
    });

    it("a prompt that asks for one of a few values gets one of them", async () => {
      const out = (await simulatedRunner().runAgent(
        { agent: agent("Follow-up router", { goal: "Return exactly one bare value: followup or done. Do not include explanation." }), input: "Reviewed research: …" },
        contextFor(),
      )) as AgentOutput;
      expect(["followup", "done"]).toContain(out.raw);
    });

    it("recognises the usual phrasings", () => {
      const ask = (text: string) => labelsAskedFor([{ role: "user", content: text }]);
      expect(ask("Return exactly one bare value: followup or done. Do not explain.")).toEqual(["followup", "done"]);
      expect(ask("Answer with only one of: high, medium, low")).toEqual(["high", "medium", "low"]);
      expect(ask("Pick one of [`yes`, `no`]")).toEqual(["yes", "no"]);
      expect(ask("Possible outcomes: ['approved', 'rejected']\n\nRespond with ONLY one of the exact outcome values")).toEqual(["approved", "rejected"]);
      expect(ask("Write a poem about one of the stars")).toEqual([]);
    });

    it("a structured request wins over labels", () => {
      const text = simulatedAnswer(
        { model: "m", messages: [{ role: "user", content: "x" }], params: { response_format: { type: "json_schema", json_schema: { name: "o", strict: true, schema: { type: "object", properties: { a: { type: "number" } }, required: ["a"], additionalProperties: false } } } } },
        ["a", "b"],
      );
      expect(JSON.parse(text)).toEqual({ a: 0 });
    });
  });
});
