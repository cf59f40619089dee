// Conformance cases F (expressions, templates and actions): conformance-cases.md §F.
import { describe, expect, it } from "vitest";
import { type ActionContext, type CrewRunner, type FlowHandle } from "../../src";
import { create, order } from "./helpers";

/** An agent runner whose agent "answers" with the input it was given (the cases' stub). */
const echoAgent: CrewRunner = {
  runCrew: async () => {
    throw new Error("no crews in this case");
  },
  runAgent: async (request: { input: string }, _ctx: ActionContext) => request.input,
};

describe("F. expressions, templates and actions", () => {
  it("case 68: `outputs` holds the latest output per method; code actions drop the trigger argument when `with` is set", async () => {
    const received: unknown[][] = [];
    const flow = await create(
      `
schema: crewai.flow/v1
name: Search
methods:
  build: {start: true, do: {ref: conformance:build}}
  search: {listen: build, do: {call: code, ref: conformance:echo_kwargs,
           with: {q: "\${outputs.build.query + outputs.build.suffix}", prefix: "\${state.prefix}"}}}
`,
      {
        build: (flow: FlowHandle) => {
          flow.state.prefix = "found";
          return { query: "ai agents", suffix: " news" };
        },
        echo_kwargs: (...args: unknown[]) => {
          received.push(args);
          return args[0];
        },
      },
    );
    expect(await flow.kickoff()).toEqual({ q: "ai agents news", prefix: "found" });
    expect(received).toEqual([[{ q: "ai agents news", prefix: "found" }]]); // only the rendered mapping
  });

  it("case 69: expression action as an if/else router", async () => {
    const yaml = `
schema: crewai.flow/v1
name: ExprRouter
methods:
  begin:  {start: true, do: {call: expression, expr: "'go'"}}
  decide: {listen: begin, router: true, emit: [left, right], do: {call: expression, expr: "state.direction == 'left' ? 'left' : 'right'"}}
  take_left:  {listen: left,  do: {call: expression, expr: "'took-left'"}}
  take_right: {listen: right, do: {call: expression, expr: "'took-right'"}}
`;
    expect(await (await create(yaml, {})).kickoff({ inputs: { direction: "left" } })).toBe("took-left");
    expect(await (await create(yaml, {})).kickoff({ inputs: { direction: "right" } })).toBe("took-right");
    const flow = await create(yaml, {});
    await expect(flow.kickoff({ inputs: {} })).rejects.toThrow(
      expect.objectContaining({ name: "ValueError", message: expect.stringContaining("failed to evaluate CEL expression") }),
    );
  });

  describe("case 71: each run-time errors", () => {
    const eachFlow = (inExpr: string, step: string) => `
schema: crewai.flow/v1
name: Rows
methods:
  begin: {start: true, do: {call: each, in: ${JSON.stringify(inExpr)}, do: [${step}]}}
`;
    const plain = `{name: s, action: {call: expression, expr: "item"}}`;

    it("case 71a: a non-boolean `if`", async () => {
      const flow = await create(eachFlow("state.rows", `{name: s, if: item.value, action: {call: expression, expr: "item"}}`), {});
      await expect(flow.kickoff({ inputs: { rows: [{ value: "truthy" }] } })).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: "if expression must evaluate to a boolean" }),
      );
    });

    it("case 71b: `in` that is not a list", async () => {
      for (const [expr, inputs] of [
        ["1", {}],
        ['"rows"', {}],
        ["state.rows", { rows: { a: 1 } }],
      ] as const) {
        const flow = await create(eachFlow(expr, plain), {});
        await expect(flow.kickoff({ inputs })).rejects.toThrow(
          expect.objectContaining({ name: "ValueError", message: "each.in must evaluate to an array" }),
        );
      }
    });

    it("case 71c: a failing step fails the method", async () => {
      const failure = Object.assign(new Error("bad row"), { name: "RuntimeError" });
      let calls = 0;
      const flow = await create(eachFlow("state.rows", `{name: s, action: {call: code, ref: conformance:row, with: {row: "\${item}"}}}`), {
        row: () => {
          calls += 1;
          if (calls === 2) throw failure;
          return "ok";
        },
      });
      await expect(flow.kickoff({ inputs: { rows: [1, 2, 3] } })).rejects.toBe(failure);
      expect(flow.methodOutputs).toEqual([]);
      expect(flow.outputsByMethod).not.toHaveProperty("begin");
    });
  });

  describe("case 73: script action (opt-in) mutates state and sees input/outputs", () => {
    // CrewAI's scripts are Python; Crewflow runs `language: javascript` in QuickJS, so the bodies are JavaScript.
    it("case 73a: a start script rounds and stores", async () => {
      const flow = await create(
        `
schema: crewai.flow/v1
name: Round
methods:
  begin: {start: true, do: {call: script, language: javascript, code: "state.rounded = Math.ceil(state.raw_score); return 'rounded:' + state.rounded;"}}
`,
        {},
        { allowScripts: true },
      );
      expect(await flow.kickoff({ inputs: { raw_score: 3.2 } })).toBe("rounded:4");
      expect(flow.state.rounded).toBe(4);
    });

    it("case 73b: a listener script reads its trigger input and the outputs", async () => {
      const flow = await create(
        `
schema: crewai.flow/v1
name: Combine
methods:
  seed:    {start: true, do: {call: expression, expr: "'alpha'"}}
  combine: {listen: seed, do: {call: script, language: javascript,
            code: "state.input_matches_output = input === outputs.seed; return outputs.seed + ':' + input;"}}
`,
        {},
        { allowScripts: true },
      );
      expect(await flow.kickoff()).toBe("alpha:alpha");
      expect(flow.state.input_matches_output).toBe(true);
      expect(order(flow)).toEqual(["seed", "combine"]);
    });
  });

  describe("case 74: agent action input must be text at run time", () => {
    const agentFlow = (input: string) => `
schema: crewai.flow/v1
name: Support
methods:
  answer: {start: true, do: {call: agent, with: {role: R, goal: G, backstory: B, input: ${JSON.stringify(input)}}}}
`;
    it("case 74a: mixed text renders numbers and null", async () => {
      const flow = await create(agentFlow("Ticket ID: ${state.ticket.id}; Subject: ${state.ticket.subject}"), {}, { crews: echoAgent });
      expect(await flow.kickoff({ inputs: { ticket: { id: 123, subject: null } } })).toBe("Ticket ID: 123; Subject: ");
    });

    it("case 74b: a whole-expression number is not text", async () => {
      const flow = await create(agentFlow("${state.count}"), {}, { crews: echoAgent });
      await expect(flow.kickoff({ inputs: { count: 3 } })).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: "agent input must render to a string" }),
      );
    });
  });
});
