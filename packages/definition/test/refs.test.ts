import { describe, expect, it } from "vitest";
import { findRefs, loadDefinitionText } from "../src";

const FLOW = `
schema: crewai.flow/v1
name: Refs
config: {input_provider: "my_inputs:Provider"}
methods:
  a:
    start: true
    do: {call: code, ref: "./steps.mjs:first"}
  b:
    listen: a
    do:
      call: crew
      with:
        before_kickoff_callbacks: ["./hooks.mjs:prepare"]
        agents:
          w: {role: r, goal: g, backstory: b, tools: ["./t.mjs:search", "custom:web", "plain_name"]}
        tasks:
          - description: d
            expected_output: e
            agent: w
            guardrail: {ref: "./g.mjs:check"}
  c:
    listen: b
    do: {call: expression, expr: "1"}
    human_feedback: {message: ok?, provider: "./provider.mjs:Provider"}
`;

describe("findRefs", () => {
  it("finds every MODULE:EXPORT ref with its path and kind, and nothing else", () => {
    const loaded = loadDefinitionText(FLOW, { sourcePath: "flow.yaml" });
    expect(loaded.errors).toEqual([]);
    expect(findRefs(loaded.definition!).map((f) => `${f.kind} ${f.path} ${f.ref}`).sort()).toEqual(
      [
        "code methods.a.do.ref ./steps.mjs:first",
        "guardrail methods.b.do.with.tasks[0].guardrail.ref ./g.mjs:check",
        "hook methods.b.do.with.before_kickoff_callbacks[0] ./hooks.mjs:prepare",
        "input_provider config.input_provider my_inputs:Provider",
        "provider methods.c.human_feedback.provider ./provider.mjs:Provider",
        "tool methods.b.do.with.agents.w.tools[0] ./t.mjs:search",
      ].sort(),
    );
  });
});
