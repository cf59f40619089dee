// The real `openai` SDK over HTTP against a local OpenAI-compatible server: completions, structured
// output, streaming, tool calls, retries, errors and timeouts, and the recorded call events.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type AgentOutput, type CrewOutput, defineTool, requestHash } from "../src";
import { FakeOpenAI } from "../src/testing";
import { KEY, agent, calls, contextFor, expectNoKey, rejection, runnerFor } from "./helpers";

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const SCORE = {
  title: "Review",
  type: "object",
  properties: { score: { type: "integer", minimum: 0, maximum: 10 }, summary: { type: "string" } },
  required: ["score", "summary"],
  additionalProperties: false,
};

describe("LLM calls over the openai SDK", () => {
  it("plain completion: role-playing prompt, bearer key, and a recorded call with hash, usage, cost and latency", async () => {
    fake.reply({ content: "Hello from the model", usage: { prompt_tokens: 1000, completion_tokens: 500, cached_tokens: 200 } });
    const ctx = contextFor("greet");
    const runner = runnerFor(fake);
    const result = (await runner.runAgent({ agent: agent("Greeter", { llm: "gpt-4o-mini" }), input: "Say hello" }, ctx)) as AgentOutput;
    expect(result.raw).toBe("Hello from the model");
    expect(String(result)).toBe("Hello from the model");
    expect(fake.count).toBe(1);
    const body = fake.chats[0]!;
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.messages).toEqual([
      { role: "system", content: "You are Greeter. Backstory of Greeter\nYour personal goal is: Goal of Greeter" },
      { role: "user", content: "\nCurrent Task: Say hello\n\nProvide your complete response:" },
    ]);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);

    const [call] = calls(ctx.events, "llm");
    expect(call).toMatchObject({
      provider: "openai",
      source: fake.url,
      purpose: "agent",
      agent: "Greeter",
      request: { model: "gpt-4o-mini", messages: body.messages, params: {} },
      response: { content: "Hello from the model", tool_calls: [], finish_reason: "stop" },
      usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, cached_prompt_tokens: 200 },
      attempts: 1,
      stream: false,
    });
    expect(call!.hash).toBe(requestHash(call!.request as never));
    expect(call!.hash).toMatch(/^[0-9a-f]{64}$/);
    // gpt-4o-mini: 800 fresh × 0.15 + 200 cached × 0.075 + 500 × 0.6 per 1M tokens.
    expect(call!.cost_usd).toBeCloseTo((800 * 0.15 + 200 * 0.075 + 500 * 0.6) / 1e6, 12);
    expect(call!.latency_ms).toBeGreaterThan(0);
    expect(result.usage_metrics).toMatchObject({ total_tokens: 1500, successful_requests: 1 });
    expectNoKey(ctx.events);
  });

  it("per-agent llm block: model, base_url, temperature and max_tokens", async () => {
    fake.reply({ content: "ok" });
    const runner = runnerFor(fake, { env: {} }); // no env: the agent's base_url alone selects the endpoint
    await runner.runAgent({ agent: agent("A", { llm: { model: "openai/gpt-4.1", base_url: fake.url, temperature: 0.2, max_tokens: 64 } }), input: "x" }, contextFor());
    expect(fake.chats[0]).toMatchObject({ model: "gpt-4.1", temperature: 0.2, max_tokens: 64 });
  });

  it("json_schema output: sent as response_format, validated, exposed as pydantic / json_dict", async () => {
    fake.reply({ content: '{"score": 9, "summary": "solid"}' });
    const ctx = contextFor();
    const runner = runnerFor(fake);
    const result = (await runner.runAgent({ agent: agent("Reviewer", { response_format: SCORE }), input: "Review it" }, ctx)) as AgentOutput;
    expect(fake.chats[0]!.response_format).toEqual({ type: "json_schema", json_schema: { name: "Review", strict: true, schema: SCORE } });
    expect(result.pydantic?.toJSON()).toEqual({ score: 9, summary: "solid" });
    expect(String(result.pydantic)).toBe("score=9 summary='solid'");

    fake.reply({ content: '{"score": 7, "summary": "fine"}' });
    const crew = (await runner.runCrew(
      {
        crew: { agents: { r: agent("Reviewer") }, tasks: [{ description: "Review", expected_output: "A score", agent: "r", output_json: SCORE }] },
        inputs: {},
      },
      contextFor(),
    )) as CrewOutput;
    expect(crew.json_dict).toEqual({ score: 7, summary: "fine" });
    expect(crew.pydantic).toBeNull();
    expect(String(crew)).toBe("{'score': 7, 'summary': 'fine'}");
    expect(crew.toJSON()).toMatchObject({ raw: '{"score": 7, "summary": "fine"}', json_dict: { score: 7, summary: "fine" }, pydantic: null });
  });

  it("a non-strict schema is sent with strict: false", async () => {
    fake.reply({ content: '{"a": "x"}' });
    const loose = { type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a"] };
    await runnerFor(fake).runAgent({ agent: agent("A", { response_format: loose }), input: "x" }, contextFor());
    expect(fake.chats[0]!.response_format).toEqual({ type: "json_schema", json_schema: { name: "output", strict: false, schema: loose } });
  });

  it("streaming: stream: true with usage, tokens recorded as llm_stream events in order", async () => {
    fake.reply({ content: "Streaming tokens arrive in small pieces.", usage: { prompt_tokens: 11, completion_tokens: 7 } });
    const ctx = contextFor();
    const result = (await runnerFor(fake, { stream: true }).runAgent({ agent: agent("Writer"), input: "Write" }, ctx)) as AgentOutput;
    expect(fake.chats[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const deltas = ctx.events.flatMap((e) => (e.type === "llm_stream" ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe("Streaming tokens arrive in small pieces.");
    expect(result.raw).toBe("Streaming tokens arrive in small pieces.");
    // The stream events come before the call's record, which carries the usage of the final chunk.
    const last = ctx.events.at(-1)!;
    expect(last.type).toBe("llm_call");
    expect(calls(ctx.events, "llm")[0]).toMatchObject({ stream: true, usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
  });

  it("tool calls over two turns: the tool runs with validated args and its result goes back to the model", async () => {
    const seen: unknown[] = [];
    const search = defineTool({
      name: "Web Search",
      description: "Search the web",
      schema: z.object({ query: z.string(), limit: z.number().int().default(3) }),
      run: async (args) => {
        seen.push(args);
        return { hits: [`result for ${args.query}`] };
      },
    });
    fake.reply({ content: null, tool_calls: [{ id: "call_1", name: "web_search", arguments: { query: "crewai" } }] }, { content: "CrewAI is a framework." });
    const ctx = contextFor();
    const runner = runnerFor(fake, { modules: new Map([["tools", { search }]]) });
    const result = (await runner.runAgent({ agent: agent("Researcher", { tools: ["tools:search"] }), input: "What is CrewAI?" }, ctx)) as AgentOutput;
    expect(result.raw).toBe("CrewAI is a framework.");
    expect(seen).toEqual([{ query: "crewai", limit: 3 }]);
    const [first, second] = fake.chats;
    expect(first!.tools).toEqual([
      {
        type: "function",
        function: {
          name: "web_search",
          description: "Search the web",
          parameters: expect.objectContaining({ type: "object", properties: expect.objectContaining({ query: { type: "string" } }) }),
        },
      },
    ]);
    expect(first!.messages[1]!.content).toBe("\nCurrent Task: What is CrewAI?"); // with tools: no "Provide your complete response"
    expect(second!.messages.slice(2)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "web_search", arguments: '{"query":"crewai"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: '{"hits":["result for crewai"]}' },
    ]);
    expect(calls(ctx.events).map((c) => c.kind)).toEqual(["llm", "tool", "llm"]);
    expect(calls(ctx.events, "tool")[0]).toMatchObject({
      tool: "web_search",
      call_id: "call_1",
      agent: "Researcher",
      arguments: { query: "crewai" }, // as the model sent them (the tool got the defaults filled in)
      result: '{"hits":["result for crewai"]}',
    });
  });

  it("tools by registered name, tool errors fed back as text, streamed tool calls folded", async () => {
    const add = defineTool({
      name: "add",
      description: "Add two numbers",
      schema: z.object({ a: z.number(), b: z.number() }),
      run: ({ a, b }) => String(a + b),
    });
    fake.reply(
      { tool_calls: [{ name: "add", arguments: { a: "one" } }] },
      { tool_calls: [{ name: "nope", arguments: {} }] },
      { tool_calls: [{ name: "add", arguments: { a: 2, b: 3 } }] },
      { content: "5" },
    );
    const ctx = contextFor();
    const result = (await runnerFor(fake, { tools: { add }, stream: true }).runAgent({ agent: agent("Calc", { tools: ["add"] }), input: "2+3" }, ctx)) as AgentOutput;
    expect(result.raw).toBe("5");
    const toolEvents = calls(ctx.events, "tool");
    expect(toolEvents[0]!.result).toMatch(/^I encountered an error while trying to use the tool\. This was the error: .*\n Tool add accepts these inputs:/s);
    expect(toolEvents[1]!.result).toBe("You tried to use the tool nope, but it doesn't exist. You must use one of the following tools, use one at time: add.");
    expect(toolEvents[2]).toMatchObject({ arguments: { a: 2, b: 3 }, result: "5" });
    expect(toolEvents[2]).not.toHaveProperty("error");
  });

  it("429 then success: retried with backoff, both attempts counted on the call", async () => {
    fake.reply({ status: 429, headers: { "retry-after-ms": "20" }, body: { error: { message: "Rate limit reached", type: "rate_limit" } } }, { content: "after the limit" });
    const ctx = contextFor();
    const result = (await runnerFor(fake).runAgent({ agent: agent("A"), input: "x" }, ctx)) as AgentOutput;
    expect(result.raw).toBe("after the limit");
    expect(fake.count).toBe(2);
    expect(calls(ctx.events, "llm")[0]).toMatchObject({ attempts: 2, response: { content: "after the limit" } });
  });

  it("a 500 that persists fails with the endpoint, the status and the attempts in the message", async () => {
    const boom = { status: 500, headers: { "retry-after-ms": "5" }, body: { error: { message: "upstream exploded", type: "server_error" } } };
    fake.reply(boom, boom, boom);
    const ctx = contextFor();
    const error = await rejection(runnerFor(fake).runAgent({ agent: agent("A"), input: "x" }, ctx));
    expect(error.name).toBe("InternalServerError");
    expect(error.message).toBe(`LLM call to ${fake.url} failed (model gpt-4.1-mini, 3 attempts): 500 upstream exploded`);
    expect(fake.count).toBe(3);
    expect(calls(ctx.events, "llm")[0]).toMatchObject({ response: null, error: { type: "InternalServerError" } });
  });

  it("a timeout fails the call after the configured time", async () => {
    fake.reply({ hang: true });
    const started = Date.now();
    const error = await rejection(runnerFor(fake, { timeoutMs: 300, maxRetries: 0 }).runAgent({ agent: agent("A"), input: "x" }, contextFor()));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.name).toBe("APIConnectionTimeoutError");
    expect(error.message).toBe(`LLM call to ${fake.url} failed (model gpt-4.1-mini, 1 attempt): Request timed out. (timeout 300 ms)`);
  });

  it("one deadline bounds the whole call, retries included, and the wait shows in the log meanwhile", async () => {
    fake.reply({ hang: true }, { hang: true }, { hang: true }, { hang: true });
    const ctx = contextFor();
    // Per attempt 60 s and 3 retries would wait minutes; the 1.2 s deadline ends it in the first attempt.
    const error = await rejection(runnerFor(fake, { timeoutMs: 60_000, maxRetries: 3, deadlineMs: 1_200 }).runAgent({ agent: agent("A"), input: "x" }, ctx));
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toBe(
      `LLM call to ${fake.url} got no answer within its deadline of 1 s (model gpt-4.1-mini, 1 attempt); raise CREWFLOW_LLM_DEADLINE_MS or the agent's llm.deadline (seconds) if the model is just slow`,
    );
    expect(fake.count).toBe(1);
    const waits = ctx.events.filter((e) => e.type === "llm_waiting");
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toMatchObject({ type: "llm_waiting", endpoint: fake.url });
  });

  it("an agent's llm.deadline (seconds) overrides the runner's", async () => {
    fake.reply({ hang: true });
    const error = await rejection(runnerFor(fake, { deadlineMs: 60_000 }).runAgent({ agent: agent("A", { llm: { model: "m", deadline: 0.5 } }), input: "x" }, contextFor()));
    expect(error.message).toContain("got no answer within its deadline of 1 s (model m, 1 attempt)");
  });

  it("a stream that stalls after its headers is cut off after the timeout", async () => {
    fake.reply({ content: "never sent", stall: true });
    const error = await rejection(runnerFor(fake, { timeoutMs: 300, maxRetries: 0, stream: true }).runAgent({ agent: agent("A"), input: "x" }, contextFor()));
    expect(error.name).toBe("APIConnectionTimeoutError");
    expect(error.message).toBe(`LLM call to ${fake.url} failed (model gpt-4.1-mini, 1 attempt): Stream stalled. (timeout 300 ms)`);
  });

  it("an agent's llm.timeout (seconds) and max_retries override the runner's", async () => {
    fake.reply({ hang: true }, { hang: true });
    const error = await rejection(
      runnerFor(fake).runAgent({ agent: agent("A", { llm: { model: "m", timeout: 0.2, max_retries: 1 } }), input: "x" }, contextFor()),
    );
    expect(error.message).toContain("(model m, 2 attempts): Request timed out. (timeout 200 ms)");
    expect(fake.count).toBe(2);
  });

  it("a dead endpoint fails with a message naming the endpoint and the network cause", async () => {
    const dead = await FakeOpenAI.start();
    const url = dead.url;
    await dead.close();
    const error = await rejection(
      runnerFor(fake, { env: { OPENAI_BASE_URL: url, OPENAI_API_KEY: KEY }, maxRetries: 0 }).runAgent({ agent: agent("A"), input: "x" }, contextFor()),
    );
    expect(error.name).toBe("APIConnectionError");
    expect(error.message).toMatch(new RegExp(`^LLM call to ${url.replace(/[.]/g, "\\.")} failed \\(model gpt-4\\.1-mini, 1 attempt\\): Connection error\\. \\(.*ECONNREFUSED.*\\)$`));
  });

  it("invalid JSON twice, then valid JSON: re-asked with the error, the third answer is used", async () => {
    fake.reply({ content: "Here is my review: great" }, { content: '{"score": "high", "summary": "x"}' }, { content: '```json\n{"score": 8, "summary": "good"}\n```' });
    const ctx = contextFor();
    const crew = (await runnerFor(fake).runCrew(
      { crew: { agents: { r: agent("Reviewer") }, tasks: [{ name: "review", description: "Review", expected_output: "JSON", agent: "r", output_json: SCORE }] }, inputs: {} },
      ctx,
    )) as CrewOutput;
    expect(crew.json_dict).toEqual({ score: 8, summary: "good" });
    expect(fake.count).toBe(3);
    const retry = fake.chats[1]!.messages.at(-1)!;
    expect(retry.role).toBe("user");
    expect(retry.content).toContain("Your previous answer does not match the required output format: the answer is not valid JSON");
    expect(fake.chats[2]!.messages.at(-1)!.content).toContain("output/score must be integer");
    expect(calls(ctx.events, "structured_output").map((c) => c.ok)).toEqual([false, false, true]);
    expect(calls(ctx.events, "llm").map((c) => c.purpose)).toEqual(["task", "format_retry", "format_retry"]);
  });

  it("JSON that never fits: the raw answer is kept and the structured fields stay null (CrewAI)", async () => {
    fake.respond(() => ({ content: "no json here" }));
    const crew = (await runnerFor(fake, { structuredRetries: 2 }).runCrew(
      { crew: { agents: { r: agent("Reviewer") }, tasks: [{ description: "Review", expected_output: "JSON", agent: "r", output_pydantic: SCORE }] }, inputs: {} },
      contextFor(),
    )) as CrewOutput;
    expect(fake.count).toBe(3);
    expect(crew.raw).toBe("no json here");
    expect(crew.pydantic).toBeNull();
    expect(crew.json_dict).toBeNull();
  });

  it("an empty answer fails like CrewAI", async () => {
    fake.reply({ content: "" });
    const error = await rejection(runnerFor(fake).runAgent({ agent: agent("A"), input: "x" }, contextFor()));
    expect(error.message).toBe("Invalid response from LLM call - None or empty.");
  });

  it("the API key never reaches an event, a log line or an error message", async () => {
    const lines: string[] = [];
    // The server echoes the credentials it got, as some providers do in their 401 message.
    fake.respond((_body, index) =>
      index === 0
        ? { content: `echo: ${fake.requests.at(-1)!.headers.authorization}` }
        : { status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}`, type: "invalid_request_error" } } },
    );
    const ctx = contextFor();
    const runner = runnerFor(fake, { log: (line) => lines.push(line) });
    await runner.runAgent({ agent: agent("A"), input: "x" }, ctx);
    const error = await rejection(runner.runAgent({ agent: agent("A", { llm: { model: "m", api_key: "sk-agent-level-key-0000" } }), input: "y" }, ctx));
    expect(error.name).toBe("AuthenticationError");
    expect(error.message).toContain("401 Incorrect API key provided: [redacted]");
    expect(fake.requests.at(-1)!.headers.authorization).toBe("Bearer sk-agent-level-key-0000");
    expectNoKey(ctx.events, lines, error);
    expect(JSON.stringify(ctx.events)).not.toContain("sk-agent-level-key-0000");
    expect(JSON.stringify(ctx.events)).toContain("echo: Bearer [redacted]");
  });
});
