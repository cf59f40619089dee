// Crews: task context, sequential and hierarchical process, delegation, max_iter, load-time errors and
// the result objects' JSON and string forms (spec §9.2, §9.3, §9.6; case 78).
import { labelOf } from "@crewflow/runtime";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type CrewOutput, defineTool } from "../src";
import { type FakeChatBody, FakeOpenAI } from "../src/testing";
import { agent, calls, contextFor, rejection, runnerFor } from "./helpers";

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const userOf = (body: FakeChatBody) => body.messages[1]!.content ?? "";
const SEP = "\n\n----------\n\n";

describe("task context (§9.3)", () => {
  it("no context → all earlier outputs; names → those tasks; [] → none", async () => {
    fake.respond((_b, i) => ({ content: `out${i + 1}` }));
    const crew = {
      agents: { a: agent("A") },
      tasks: [
        { name: "t1", description: "one", expected_output: "x", agent: "a" },
        { name: "t2", description: "two", expected_output: "x", agent: "a" },
        { name: "t3", description: "three", expected_output: "x", agent: "a" },
        { name: "t4", description: "four", expected_output: "x", agent: "a", context: ["t1", "t3"] },
        { name: "t5", description: "five", expected_output: "x", agent: "a", context: [] },
      ],
    };
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor())) as CrewOutput;
    const [c1, c2, c3, c4, c5] = fake.chats.map(userOf);
    expect(c1).not.toContain("This is the context");
    expect(c2).toContain("This is the context you're working with:\nout1\n");
    expect(c3).toContain(`This is the context you're working with:\nout1${SEP}out2\n`);
    expect(c4).toContain(`This is the context you're working with:\nout1${SEP}out3\n`);
    expect(c5).not.toContain("This is the context");
    expect(out.raw).toBe("out5");
    expect(out.tasks_output.map((t) => t.raw)).toEqual(["out1", "out2", "out3", "out4", "out5"]);
    expect(out.token_usage.successful_requests).toBe(5);
  });

  it("async tasks run side by side; the next synchronous task waits for them", async () => {
    fake.respond((body) => {
      const task = userOf(body).split("\n")[1]!; // "Current Task: <description>"
      if (task.includes("slow")) return { content: "slow done", delayMs: 150 };
      if (task.includes("fast")) return { content: "fast done", delayMs: 10 };
      return { content: "joined" };
    });
    const crew = {
      agents: { a: agent("A") },
      tasks: [
        { name: "slow", description: "slow", expected_output: "x", agent: "a", async_execution: true },
        { name: "fast", description: "fast", expected_output: "x", agent: "a", async_execution: true },
        { name: "join", description: "join", expected_output: "x", agent: "a" },
      ],
    };
    const started = Date.now();
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor())) as CrewOutput;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(out.tasks_output.map((t) => t.raw)).toEqual(["slow done", "fast done", "joined"]);
    expect(userOf(fake.chats[2]!)).toContain(`slow done${SEP}fast done`);
  });
});

describe("process (§9.2)", () => {
  it("hierarchical: a generated manager delegates through the delegation tool and answers with the result", async () => {
    fake.reply(
      { tool_calls: [{ id: "d1", name: "delegate_work_to_coworker", arguments: { task: "Find facts on AI", context: "For a brief", coworker: "research ANALYST" } }] },
      { content: "Facts: AI is useful." },
      { content: "Final brief: AI is useful." },
    );
    const ctx = contextFor();
    const crew = {
      process: "hierarchical",
      manager_llm: "gpt-4o",
      agents: { researcher: agent("Research analyst"), writer: agent("Writer") },
      tasks: [{ name: "brief", description: "Write a brief on AI", expected_output: "A brief" }],
    };
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, ctx)) as CrewOutput;
    expect(out.raw).toBe("Final brief: AI is useful.");
    expect(out.tasks_output[0]!.agent).toBe("Crew Manager");
    const [manager1, worker, manager2] = fake.chats;
    expect(manager1!.model).toBe("gpt-4o");
    expect(manager1!.messages[0]!.content).toMatch(/^You are Crew Manager\. You are a seasoned manager/);
    expect(manager1!.tools!.map((t) => t.function.name)).toEqual(["delegate_work_to_coworker", "ask_question_to_coworker"]);
    expect(manager1!.tools![0]!.function.description).toMatch(/^Delegate a specific task to one of the following coworkers: Research analyst, Writer\n/);
    expect(worker!.messages[0]!.content).toContain("You are Research analyst.");
    expect(userOf(worker!)).toContain("Find facts on AI");
    expect(userOf(worker!)).toContain("This is the context you're working with:\nFor a brief");
    expect(manager2!.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "d1", content: "Facts: AI is useful." });
    expect(calls(ctx.events).map((c) => `${c.kind}:${c.agent ?? ""}`)).toEqual([
      "llm:Crew Manager",
      "llm:Research analyst",
      "task:Research analyst",
      "tool:Crew Manager",
      "llm:Crew Manager",
      "task:Crew Manager",
      "crew:",
    ]);
  });

  it("hierarchical: a task's own agent is the only coworker; an unknown coworker gets CrewAI's error text", async () => {
    fake.reply({ tool_calls: [{ id: "d1", name: "ask_question_to_coworker", arguments: { question: "q", context: "c", coworker: "Nobody" } }] }, { content: "done" });
    const crew = {
      process: "hierarchical",
      manager_agent: "boss",
      agents: { boss: agent("Boss"), researcher: agent("Research analyst"), writer: agent("Writer") },
      tasks: [{ description: "Do it", expected_output: "x", agent: "writer" }],
    };
    await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor());
    expect(fake.chats[0]!.messages[0]!.content).toContain("You are Boss.");
    expect(fake.chats[0]!.tools![0]!.function.description).toContain("coworkers: Writer\n");
    expect(fake.chats[1]!.messages.at(-1)!.content).toBe(
      "\nError executing tool. coworker mentioned not found, it must be one of the following options:\n- writer\n",
    );
  });

  it("sequential: an agent with allow_delegation gets delegation tools for the other agents", async () => {
    fake.reply({ content: "ok" });
    const crew = { agents: { a: agent("A", { allow_delegation: true }), b: agent("B") }, tasks: [{ description: "t", expected_output: "x", agent: "a" }] };
    await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor());
    expect(fake.chats[0]!.tools!.map((t) => t.function.name)).toEqual(["delegate_work_to_coworker", "ask_question_to_coworker"]);
    expect(fake.chats[0]!.tools![0]!.function.description).toContain("coworkers: B\n");
  });

  it("max_iter: after that many tool turns the agent is told to answer, without tools", async () => {
    const ping = defineTool({ name: "ping", description: "Ping", schema: z.object({}), run: () => "pong" });
    fake.respond((body) => (body.tools ? { tool_calls: [{ name: "ping", arguments: {} }] } : { content: "final after forcing" }));
    const crew = { agents: { a: agent("A", { tools: ["ping"], max_iter: 2 }) }, tasks: [{ description: "loop", expected_output: "x", agent: "a" }] };
    const ctx = contextFor();
    const out = (await runnerFor(fake, { tools: { ping } }).runCrew({ crew, inputs: {} }, ctx)) as CrewOutput;
    expect(out.raw).toBe("final after forcing");
    expect(fake.count).toBe(3);
    const last = fake.chats[2]!;
    expect(last.tools).toBeUndefined();
    expect(last.messages.at(-1)).toEqual({
      role: "assistant",
      content:
        "Now it's time you MUST give your absolute best final answer. You'll ignore all previous instructions, stop using any tools, and just return your absolute BEST Final answer.",
    });
    expect(calls(ctx.events, "llm").map((c) => c.purpose)).toEqual(["task", "task", "final_answer"]);
  });
});

describe("loading a crew", () => {
  const base = { agents: { a: agent("A") }, tasks: [{ description: "t", expected_output: "x", agent: "a" }] };
  const cases: [string, Record<string, unknown>, string][] = [
    ["hierarchical needs a manager", { ...base, process: "hierarchical" }, "Attribute `manager_llm` or `manager_agent` is required when using hierarchical process."],
    [
      "sequential tasks need an agent",
      { ...base, tasks: [{ description: "Orphan task", expected_output: "x" }] },
      "Sequential process error: Agent is missing in the task with the following description: Orphan task",
    ],
    [
      "one output type only",
      { ...base, tasks: [{ description: "t", expected_output: "x", agent: "a", output_json: { type: "object" }, output_pydantic: { type: "object" } }] },
      "Only one output type can be set, either output_pydantic or output_json.",
    ],
    ["unknown agents", { ...base, tasks: [{ description: "t", expected_output: "x", agent: "zed" }] }, "tasks[0] references agent 'zed' which does not match a loaded agent definition"],
    ["context must be earlier", { ...base, tasks: [{ name: "t", description: "t", expected_output: "x", agent: "a", context: ["later"] }] }, "has context reference 'later'"],
    ["unknown tools", { ...base, agents: { a: agent("A", { tools: ["SerperDevTool"] }) } }, "Unknown tool 'SerperDevTool'."],
    ["manager without tools", { ...base, process: "hierarchical", manager_agent: "m", agents: { a: agent("A"), m: agent("M", { tools: ["x:y"] }) } }, "unresolvable tool ref 'x:y'"],
    [
      "at most one trailing async task",
      { ...base, tasks: [1, 2].map((n) => ({ description: `t${n}`, expected_output: "x", agent: "a", async_execution: true })) },
      "The crew must end with at most one asynchronous task.",
    ],
    ["a broken schema", { ...base, tasks: [{ description: "t", expected_output: "x", agent: "a", output_json: { type: "nope" } }] }, "invalid JSON Schema for a structured output"],
  ];
  for (const [title, crew, message] of cases)
    it(title, async () => {
      const error = await rejection(runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor()));
      expect(error.message).toContain(message);
      expect(fake.count).toBe(0);
    });

  it("a declaration file's mapping: list-form agents and the __dir the runtime adds", async () => {
    fake.reply({ content: "from declaration" });
    const crew = { __dir: "/tmp", agents: [{ name: "a", ...agent("A") }], tasks: [{ description: "t", expected_output: "x", agent: "a" }] };
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor())) as CrewOutput;
    expect(out.raw).toBe("from declaration");
  });
});

describe("result objects (§9.6, case 78)", () => {
  const schema = {
    title: "Verdict",
    type: "object",
    properties: { score: { type: "integer" }, tags: { type: "array", items: { type: "string" } }, detail: { $ref: "#/$defs/Detail" } },
    required: ["score"],
    $defs: { Detail: { type: "object", properties: { ok: { type: "boolean" } } } },
  };

  it("json_dict: str() is the dict's Python form, which a router uses as its label", async () => {
    fake.reply({ content: '{"score": 9}' });
    const crew = { agents: { a: agent("A") }, tasks: [{ description: "t", expected_output: "x", agent: "a", output_json: { type: "object", properties: { score: { type: "integer" } } } }] };
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor())) as CrewOutput;
    expect(String(out)).toBe("{'score': 9}");
    expect(labelOf(out)).toBe("{'score': 9}");
    expect(out.get("score")).toBe(9);
    expect(out.toJSON()).toEqual({
      raw: '{"score": 9}',
      pydantic: null,
      json_dict: { score: 9 },
      tasks_output: [expect.objectContaining({ raw: '{"score": 9}', json_dict: { score: 9 }, output_format: "json", agent: "A", summary: "t...", description: "t" })],
      token_usage: expect.objectContaining({ successful_requests: 1 }),
    });
  });

  it("pydantic: str() is pydantic's `field=value` form, nested models by their title", async () => {
    fake.reply({ content: '{"score": 7, "tags": ["a", "b"], "detail": {"ok": true}}' });
    const crew = { agents: { a: agent("A") }, tasks: [{ description: "t", expected_output: "x", agent: "a", output_pydantic: schema }] };
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor())) as CrewOutput;
    expect(String(out)).toBe("score=7 tags=['a', 'b'] detail=Detail(ok=True)");
    expect(out.toJSON().pydantic).toEqual({ score: 7, tags: ["a", "b"], detail: { ok: true } });
    expect(out.tasks_output[0]!.output_format).toBe("pydantic");
  });

  it("raw: str() is the raw text of the last task", async () => {
    fake.reply({ content: "first" }, { content: "second" });
    const crew = { agents: { a: agent("A") }, tasks: [1, 2].map((n) => ({ description: `t${n}`, expected_output: "x", agent: "a" })) };
    const out = (await runnerFor(fake).runCrew({ crew, inputs: {} }, contextFor())) as CrewOutput;
    expect(String(out)).toBe("second");
  });
});
