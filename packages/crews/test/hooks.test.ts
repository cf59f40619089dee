// LLM hooks (spec §9.7): read and edit messages, block a call, rewrite a response; flow-scoped (runner
// option or `x-crewflow.hooks` refs) and agent-scoped (the agent's `x-crewflow.hooks`), fail-open.
import { loadDefinitionText } from "@crewflow/definition";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentOutput, type CrewOutput, HookAborted, type LlmHookContext } from "../src";
import { FakeOpenAI } from "../src/testing";
import { agent, calls, contextFor, rejection, runnerFor } from "./helpers";

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe("LLM hooks", () => {
  it("before hooks edit the messages in place; the edited request is what is sent, hashed and recorded", async () => {
    fake.reply({ content: "short" });
    const seen: LlmHookContext[] = [];
    const before = (context: LlmHookContext) => {
      seen.push({ ...context, messages: [...context.messages] });
      context.messages[0]!.content += "\nAnswer in one word.";
      context.messages.push({ role: "user", content: "Be brief." });
    };
    const ctx = contextFor("ask");
    await runnerFor(fake, { hooks: { before: [before] } }).runAgent({ agent: agent("Helper"), input: "Hi" }, ctx);
    expect(seen[0]).toMatchObject({ agent: { role: "Helper" }, task: null, crew: null, llm: { model: "gpt-4.1-mini", provider: "openai" }, iterations: 0, method: "ask" });
    const sent = fake.chats[0]!.messages;
    expect(sent[0]!.content).toMatch(/\nAnswer in one word\.$/);
    expect(sent.at(-1)).toEqual({ role: "user", content: "Be brief." });
    expect((calls(ctx.events, "llm")[0]!.request as { messages: unknown }).messages).toEqual(sent);
  });

  it("returning false blocks the call: no request, a recorded block, CrewAI's error", async () => {
    const ctx = contextFor();
    const error = await rejection(runnerFor(fake, { hooks: { before: [() => false] } }).runAgent({ agent: agent("A"), input: "x" }, ctx));
    expect(error.name).toBe("ValueError");
    expect(error.message).toBe("LLM call blocked by before_llm_call hook");
    expect(fake.count).toBe(0);
    expect(calls(ctx.events, "llm")[0]).toMatchObject({ blocked: true, response: null });
  });

  it("throwing HookAborted blocks too and skips later hooks; other errors are recorded and ignored", async () => {
    fake.reply({ content: "answer" });
    let later = 0;
    const failing = () => {
      throw new Error("hook bug");
    };
    const ctx = contextFor();
    const out = (await runnerFor(fake, { hooks: { before: [failing, () => void (later += 1)] } }).runAgent({ agent: agent("A"), input: "x" }, ctx)) as AgentOutput;
    expect(out.raw).toBe("answer");
    expect(later).toBe(1);
    expect(calls(ctx.events, "hook_error")[0]).toMatchObject({ hook: "failing", error: { type: "Error", message: "hook bug" } });

    const abort = () => {
      throw new HookAborted("stop");
    };
    const error = await rejection(runnerFor(fake, { hooks: { before: [abort, () => void (later += 1)] } }).runAgent({ agent: agent("A"), input: "x" }, contextFor()));
    expect(error.message).toBe("LLM call blocked by before_llm_call hook");
    expect(later).toBe(1);
  });

  it("after hooks rewrite the answer, chained; the model's answer and the rewrite are both recorded", async () => {
    fake.reply({ content: "raw answer" });
    const ctx = contextFor();
    const out = (await runnerFor(fake, {
      hooks: { after: [(c) => `${c.response}!`, (c) => c.response!.toUpperCase(), () => undefined] },
    }).runAgent({ agent: agent("A"), input: "x" }, ctx)) as AgentOutput;
    expect(out.raw).toBe("RAW ANSWER!");
    expect(calls(ctx.events, "llm")[0]).toMatchObject({ response: { content: "raw answer" }, rewritten: "RAW ANSWER!" });
  });

  it("after hooks do not run on tool-call turns", async () => {
    fake.reply({ tool_calls: [{ name: "nope", arguments: {} }] }, { content: "final" });
    const responses: (string | null)[] = [];
    await runnerFor(fake, { hooks: { after: [(c) => void responses.push(c.response)] } }).runAgent({ agent: agent("A"), input: "x" }, contextFor());
    expect(responses).toEqual(["final"]);
  });

  it("declared as refs: flow-wide in x-crewflow.hooks (with an agents filter) and per agent", async () => {
    fake.respond(() => ({ content: "text" }));
    const log: string[] = [];
    const hooks = {
      tag: (c: LlmHookContext) => void log.push(`flow:${c.agent?.role}`),
      onlyWriter: (c: LlmHookContext) => void log.push(`writer-only:${c.agent?.role}`),
      mine: (c: LlmHookContext) => void log.push(`agent:${c.agent?.role}:${c.task?.name}`),
      shout: (c: LlmHookContext) => `${c.response} (checked)`,
    };
    const { definition } = loadDefinitionText(`
name: Hooked
x-crewflow:
  hooks:
    before_llm_call: ["hooks:tag", {ref: "hooks:onlyWriter", agents: [Writer]}]
methods:
  a: {start: true, do: {call: expression, expr: "1"}}
`);
    const crew = {
      agents: {
        r: agent("Researcher", { "x-crewflow": { hooks: { before_llm_call: ["hooks:mine"], after_llm_call: ["hooks:shout"] } } }),
        w: agent("Writer"),
      },
      tasks: [
        { name: "research", description: "r", expected_output: "x", agent: "r" },
        { name: "write", description: "w", expected_output: "x", agent: "w" },
      ],
    };
    const runner = runnerFor(fake, { definition: definition!, modules: new Map([["hooks", hooks]]) });
    const out = (await runner.runCrew({ crew, inputs: {} }, contextFor())) as CrewOutput;
    expect(log).toEqual(["flow:Researcher", "agent:Researcher:research", "flow:Writer", "writer-only:Writer"]);
    expect(out.tasks_output.map((t) => t.raw)).toEqual(["text (checked)", "text"]);
  });

  it("a bad hook ref fails the action before any call", async () => {
    const crew = { agents: { r: agent("R", { "x-crewflow": { hooks: { before_llm_call: ["nowhere:fn"] } } }) }, tasks: [{ description: "t", expected_output: "x", agent: "r" }] };
    const error = await rejection(runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor()));
    expect(error.message).toContain("unresolvable hook ref 'nowhere:fn'");
    expect(fake.count).toBe(0);
  });
});
