// What a run may record is bounded: a step whose state or output is over its limit, or that would take
// the run's log over its total, fails that step with a message naming the limit and its setting; the
// steps before it stay recorded as they were.
import { describe, expect, it } from "vitest";
import { runLimits } from "../src";
import { create } from "./conformance/helpers";

const GROW = `schema: crewai.flow/v1
name: Grow
state: {type: dict, default: {blob: ""}}
methods:
  small:
    start: true
    do: {ref: conformance:grow}
  big:
    listen: small
    do: {ref: conformance:grow}
  bigger:
    listen: big
    do: {ref: conformance:grow}
`;

const module = (size: (method: number) => number) => {
  let calls = 0;
  return {
    grow: (flow: { state: Record<string, unknown> }) => {
      calls += 1;
      flow.state.blob = "x".repeat(size(calls));
      return calls;
    },
  };
};

describe("run limits", () => {
  it("fails the step whose state is over the limit, naming the setting, and keeps the steps before it", async () => {
    const flow = await create(GROW, module((n) => (n === 1 ? 100 : 5_000)), { limits: { maxStateBytes: 4_096 } });
    await expect(flow.kickoff()).rejects.toThrow(/The state after method 'big' is 0\.00 MiB, over the limit of 0\.00 MiB \(CREWFLOW_MAX_STATE_BYTES; raise it to allow more\)/);
    const finished = flow.events.filter((e) => e.type === "method_execution_finished").map((e) => (e as { method: string }).method);
    expect(finished).toEqual(["small"]);
    expect(flow.events.at(-1)).toMatchObject({ type: "flow_failed", error: { type: "ValueError" } });
  });

  it("fails the step whose output is over the limit", async () => {
    const flow = await create(
      `schema: crewai.flow/v1
name: BigOutput
methods:
  make:
    start: true
    do: {call: expression, expr: "'${"y".repeat(300)}'"}
`,
      {},
      { limits: { maxOutputBytes: 200 } },
    );
    await expect(flow.kickoff()).rejects.toThrow(/The output of method 'make' .* \(CREWFLOW_MAX_OUTPUT_BYTES/);
  });

  it("fails the step that would take the run's whole log over its total", async () => {
    const flow = await create(GROW, module(() => 1_000), { limits: { maxLogBytes: 2_500 } });
    await expect(flow.kickoff()).rejects.toThrow(/The run's log would reach .* with method 'bigger', over the limit .* \(CREWFLOW_MAX_RUN_LOG_BYTES/);
  });

  it("reads its settings from the environment, with defaults", () => {
    expect(runLimits({})).toEqual({ maxStateBytes: 4 * 1024 * 1024, maxOutputBytes: 4 * 1024 * 1024, maxLogBytes: 256 * 1024 * 1024 });
    expect(runLimits({ CREWFLOW_MAX_STATE_BYTES: "1000", CREWFLOW_MAX_OUTPUT_BYTES: "nope" }).maxStateBytes).toBe(1000);
    expect(runLimits({ CREWFLOW_MAX_OUTPUT_BYTES: "nope" }).maxOutputBytes).toBe(4 * 1024 * 1024);
  });
});
