// Token usage and cost per call, task, crew and run; the editable price table; llm settings.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type CrewOutput, ReplayChatModel, costOf, defaultPrices, llmConfig, llmEnvironment, priceOf, requestHash, runUsage } from "../src";
import { FakeOpenAI } from "../src/testing";
import { agent, calls, contextFor, rejection, runnerFor } from "./helpers";

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe("usage and cost", () => {
  it("sums per task, per crew and per run; tasks and the crew are recorded with their usage", async () => {
    fake.reply(
      { content: "a", usage: { prompt_tokens: 100, completion_tokens: 10 } },
      { content: "b", usage: { prompt_tokens: 200, completion_tokens: 20, cached_tokens: 50, reasoning_tokens: 5 } },
    );
    const ctx = contextFor();
    const crew = {
      agents: { x: agent("X", { llm: "gpt-4o" }), y: agent("Y", { llm: "unknown-model" }) },
      tasks: [
        { name: "one", description: "1", expected_output: "x", agent: "x" },
        { name: "two", description: "2", expected_output: "x", agent: "y" },
      ],
    };
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, ctx)) as CrewOutput;
    const gpt4o = (100 * 2.5 + 10 * 10) / 1e6;
    expect(out.tasks_output[0]!.token_usage).toEqual({
      total_tokens: 110,
      prompt_tokens: 100,
      cached_prompt_tokens: 0,
      completion_tokens: 10,
      reasoning_tokens: 0,
      cache_creation_tokens: 0,
      successful_requests: 1,
      cost_usd: gpt4o,
    });
    // A model without a price makes the sums' cost unknown rather than wrong.
    expect(out.tasks_output[1]!.token_usage).toMatchObject({ total_tokens: 220, cached_prompt_tokens: 50, reasoning_tokens: 5, cost_usd: null });
    expect(out.token_usage).toMatchObject({ total_tokens: 330, prompt_tokens: 300, completion_tokens: 30, successful_requests: 2, cost_usd: null });
    expect(calls(ctx.events, "task").map((t) => [t.task, (t.token_usage as { total_tokens: number }).total_tokens])).toEqual([
      ["one", 110],
      ["two", 220],
    ]);
    expect(calls(ctx.events, "crew")[0]).toMatchObject({ status: "completed", token_usage: { total_tokens: 330 } });
    expect(runUsage(ctx.events)).toMatchObject({ total_tokens: 330, successful_requests: 2 });
  });

  it("prices: exact name, longest prefix (dated snapshots), openai/ prefix, CREWFLOW_PRICES overrides", () => {
    const table = defaultPrices({});
    expect(priceOf("gpt-4o-mini", table)).toEqual({ input: 0.15, cached_input: 0.075, output: 0.6 });
    expect(priceOf("gpt-4o-mini-2024-07-18", table)).toEqual(priceOf("gpt-4o-mini", table));
    expect(priceOf("openai/gpt-4o", table)).toEqual(priceOf("gpt-4o", table));
    expect(priceOf("llama3", table)).toBeNull();
    const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000, cached_prompt_tokens: 0, reasoning_tokens: 0 };
    expect(costOf("gpt-4o", usage, table)).toBe(12.5);
    const file = join(mkdtempSync(join(tmpdir(), "prices-")), "prices.json");
    writeFileSync(file, JSON.stringify({ models: { llama3: { input: 1, output: 2 } } }));
    expect(costOf("llama3", usage, defaultPrices({ CREWFLOW_PRICES: file }))).toBe(3);
  });
});

describe("llm settings", () => {
  const env = llmEnvironment({ OPENAI_API_KEY: "k", MODEL: "gpt-4o" });
  it("reads the environment and an agent's llm", () => {
    expect(env).toEqual({ apiKey: "k", baseURL: null, defaultModel: "gpt-4o" });
    expect(llmEnvironment({ OPENAI_API_BASE: "http://x/v1" }).baseURL).toBe("http://x/v1");
    expect(llmEnvironment({}).defaultModel).toBe("gpt-4.1-mini");
    expect(llmConfig(null, env, "a").model).toBe("gpt-4o");
    expect(llmConfig("openai/o4-mini", env, "a").model).toBe("o4-mini");
    expect(llmConfig({ model: "m", base_url: "http://h/v1", temperature: 0, seed: 7, timeout: 5, max_retries: 0, deadline: 30, stream: true, unknown: 1 }, env, "a")).toEqual({
      model: "m",
      baseURL: "http://h/v1",
      apiKey: null,
      params: { temperature: 0, seed: 7 },
      timeoutMs: 5000,
      maxRetries: 0,
      deadlineMs: 30_000,
      stream: true,
    });
  });
});

describe("replay model", () => {
  it("answers identical requests in recorded order and reports misses", async () => {
    fake.reply({ content: "first" }, { content: "second" });
    const ctx = contextFor();
    const runner = runnerFor(fake);
    const ask = () => runner.runAgent({ agent: agent("A"), input: "same question" }, ctx);
    await ask();
    await ask();
    const [one, two] = calls(ctx.events, "llm");
    expect(one!.hash).toBe(two!.hash);
    const replay = ReplayChatModel.fromEvents(ctx.events);
    const replayRunner = runnerFor(fake, { model: replay });
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(String(await replayRunner.runAgent({ agent: agent("A"), input: "same question" }, contextFor())));
    expect(answers).toEqual(["first", "second", "second"]);
    expect(fake.count).toBe(2);
    const miss = await rejection(replayRunner.runAgent({ agent: agent("B"), input: "same question" }, contextFor()));
    expect(miss.name).toBe("ReplayMissError");
    expect(miss.message).toContain('nearest recording differs at messages[0].content: recorded "You are A. Backstory of A\\nYour personal goal is: Goal of A", requested "You are B.');
    expect(requestHash(one!.request as never)).toBe(one!.hash);
  });
});
