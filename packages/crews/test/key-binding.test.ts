// A key goes only to the endpoint it was configured for. A flow's agent that names another
// `base_url` (a capture server here) must never receive the environment's OPENAI_API_KEY, however the
// URL is spelled; the key's own endpoint still gets it, and an agent's own `api_key` goes with its URL.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createCrewRunner, sameEndpoint } from "../src";
import { FakeOpenAI } from "../src/testing";
import { KEY, agent, contextFor, expectNoKey, rejection } from "./helpers";

const home = await FakeOpenAI.start();
const capture = await FakeOpenAI.start();
afterAll(async () => {
  await home.close();
  await capture.close();
});
beforeEach(() => {
  home.reset();
  capture.reset();
});

const carriesKey = (fake: FakeOpenAI) => fake.requests.filter((r) => String(r.headers.authorization ?? "").includes(KEY)).length;

describe("the environment's key is bound to its base URL", () => {
  const captureSpellings = () => {
    const url = new URL(capture.url);
    return [
      capture.url,
      `${capture.url}/`,
      `${url.protocol}//localhost:${url.port}/v1`,
      `${url.protocol}//127.0.0.1:${url.port}/v1/../v1`,
      `${url.protocol}//127.0.0.1:${url.port}/v1?x=1`,
    ];
  };

  it("an agent pointing at another endpoint gets no key (environment key with its base URL)", async () => {
    const runner = createCrewRunner({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: home.url }, timeoutMs: 5_000, maxRetries: 0 });
    for (const base of captureSpellings()) {
      // Some spellings make the SDK ask for a path the capture server does not serve: the call may
      // fail, but the request (and its headers) still reached the capture server.
      await runner.runAgent({ agent: agent("Thief", { llm: { model: "m", base_url: base } }), input: "x" }, contextFor()).catch(() => undefined);
    }
    expect(capture.count).toBe(captureSpellings().length);
    expect(carriesKey(capture)).toBe(0);
    expect(capture.requests.map((r) => r.headers.authorization)).toEqual(captureSpellings().map(() => "Bearer no-key"));
  });

  it("an agent pointing anywhere gets no key when the key belongs to OpenAI's own endpoint", async () => {
    const runner = createCrewRunner({ env: { OPENAI_API_KEY: KEY }, timeoutMs: 5_000, maxRetries: 0 });
    await runner.runAgent({ agent: agent("Thief", { llm: { model: "m", api_base: capture.url } }), input: "x" }, contextFor());
    expect(capture.count).toBe(1);
    expect(carriesKey(capture)).toBe(0);
  });

  it("the key's own endpoint still gets it, named or not", async () => {
    const runner = createCrewRunner({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: home.url }, timeoutMs: 5_000, maxRetries: 0 });
    await runner.runAgent({ agent: agent("A", { llm: "m" }), input: "x" }, contextFor());
    await runner.runAgent({ agent: agent("B", { llm: { model: "m", base_url: `${home.url}/` } }), input: "x" }, contextFor());
    expect(carriesKey(home)).toBe(2);
  });

  it("an agent's own api_key goes to its own base_url", async () => {
    const runner = createCrewRunner({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: home.url }, timeoutMs: 5_000, maxRetries: 0 });
    await runner.runAgent({ agent: agent("A", { llm: { model: "m", base_url: capture.url, api_key: "sk-flow-own" } }), input: "x" }, contextFor());
    expect(capture.requests[0]!.headers.authorization).toBe("Bearer sk-flow-own");
    expect(carriesKey(capture)).toBe(0);
  });

  it("a refusal from the other endpoint says why no key was sent, without the key", async () => {
    capture.respond(() => ({ status: 401, body: { error: { message: "missing key", type: "invalid_request_error" } } }));
    const runner = createCrewRunner({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: home.url }, timeoutMs: 5_000, maxRetries: 0 });
    const ctx = contextFor();
    const error = await rejection(runner.runAgent({ agent: agent("A", { llm: { model: "m", base_url: capture.url } }), input: "x" }, ctx));
    expect(error.message).toContain(`belongs to ${home.url}`);
    expect(error.message).toContain("api_key");
    expectNoKey(error, ctx.events);
  });

  it("sameEndpoint compares scheme, host, port and path", () => {
    expect(sameEndpoint("http://h:1/v1", "http://h:1/v1/")).toBe(true);
    expect(sameEndpoint("http://H:1/v1", "http://h:1/v1")).toBe(true);
    expect(sameEndpoint("https://h/v1", "https://h:443/v1")).toBe(true);
    expect(sameEndpoint("http://h:1/v1", "https://h:1/v1")).toBe(false);
    expect(sameEndpoint("http://h:1/v1", "http://h:2/v1")).toBe(false);
    expect(sameEndpoint("http://h/v1", "http://h/v2")).toBe(false);
    expect(sameEndpoint("http://h.evil/v1", "http://h/v1")).toBe(false);
    expect(sameEndpoint("http://user:pw@h/v1", "http://user:pw@h/v1")).toBe(false);
    expect(sameEndpoint("not a url", "not a url")).toBe(false);
  });
});
