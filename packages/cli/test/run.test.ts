// `crewflow run` across processes: the --json report, exit codes, and a run paused for human
// feedback, resumed, forked and restored from a checkpoint by later invocations.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "crewflow-run-"));
const data = join(dir, "data");
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

interface Report {
  status: string;
  runId: string;
  stateId: string;
  output: unknown;
  state: Record<string, unknown>;
  outputs: Record<string, unknown>;
  trace: { method: string; status: string; output: unknown }[];
  error: { type: string; message: string } | null;
}

async function run(...args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const all = ["-s", "crewflow", "run", ...args, "--json", "--data", data];
  const { code, stdout, stderr } = await promisify(execFile)("pnpm", all, { cwd: ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return { code, report: stdout.trim() ? (JSON.parse(stdout) as Report) : (null as unknown as Report), stderr };
}

write(
  "steps.mjs",
  `export function count(flow) { flow.state.count = (flow.state.count ?? 0) + 1; return flow.state.count; }
export function boom() { throw new TypeError("bad row 2"); }
export function publish(flow) { return "published:" + flow.lastHumanFeedback.feedback; }
`,
);

const CHAIN = write(
  "chain.yaml",
  `schema: crewai.flow/v1
name: Chain
state: {type: dict, default: {count: 0}}
methods:
  a: {start: true, do: {ref: "./steps.mjs:count"}}
  b: {listen: a, do: {ref: "./steps.mjs:count"}}
  c: {listen: b, do: {call: expression, expr: "'count=' + string(state.count)"}}
`,
);

describe("crewflow run", () => {
  it("completes a flow and reports output, state, outputs and the trace in completion order", async () => {
    const { code, report } = await run(CHAIN);
    expect(code).toBe(0);
    expect(report.status).toBe("completed");
    expect(report.output).toBe("count=2");
    expect(report.state).toMatchObject({ count: 2, id: report.stateId });
    expect(report.outputs).toEqual({ a: 1, b: 2, c: "count=2" });
    expect(report.trace).toEqual([
      { method: "a", status: "completed", output: 1 },
      { method: "b", status: "completed", output: 2 },
      { method: "c", status: "completed", output: "count=2" },
    ]);
    expect(report.error).toBeNull();
  });

  it("exits 1 with the error's type and message when a method fails", async () => {
    const file = write("fail.yaml", `name: Fail\nmethods:\n  a: {start: true, do: {ref: "./steps.mjs:boom"}}\n  b: {listen: a, do: {call: expression, expr: "1"}}\n`);
    const { code, report } = await run(file);
    expect(code).toBe(1);
    expect(report.status).toBe("failed");
    expect(report.error).toEqual({ type: "TypeError", message: "bad row 2" });
    expect(report.trace).toEqual([{ method: "a", status: "failed", output: null }]);
  });

  it("exits 2 for an invalid definition and for malformed --inputs", async () => {
    const bad = write("bad.yaml", `name: Bad\nmethods:\n  a: {start: true, do: {call: expression, expr: "inputs.x"}}\n`);
    const invalid = await run(bad);
    expect(invalid.code).toBe(2);
    expect(invalid.report).toMatchObject({ valid: false, errors: [{ path: "methods.a.do.expr" }] });
    const inputs = await promisify(execFile)("pnpm", ["-s", "crewflow", "run", CHAIN, "--inputs", "[1]"], { cwd: ROOT }).catch((e) => e);
    expect(inputs.code).toBe(2);
    expect(inputs.stderr).toContain("--inputs must be a JSON object");
  });

  it("rejects typed-state inputs before anything runs", async () => {
    const typed = write(
      "typed.yaml",
      `name: Typed\nstate: {type: json_schema, json_schema: {type: object, properties: {count: {type: integer}}}}\nmethods:\n  a: {start: true, do: {call: expression, expr: "state.count"}}\n`,
    );
    const { code, report } = await run(typed, "--inputs", '{"count": "abc"}');
    expect(code).toBe(1);
    expect(report.error!.message).toMatch(/^Invalid inputs for structured state/);
    expect(report.trace).toEqual([]);
    expect((await run(typed, "--inputs", '{"count": 5}')).report.output).toBe(5);
  });

  it("pauses for human feedback and resumes in a new process with --feedback", async () => {
    const review = write(
      "review.yaml",
      `schema: crewai.flow/v1
name: Review
methods:
  draft:
    start: true
    do: {call: expression, expr: "'draft-content'"}
    human_feedback: {message: "Review the draft:", emit: [approved, rejected], llm: gpt-4o-mini, default_outcome: rejected}
  publish: {listen: approved, do: {ref: "./steps.mjs:publish"}}
  discard: {listen: rejected, do: {call: expression, expr: "'discarded'"}}
`,
    );
    const paused = await run(review);
    expect(paused.code).toBe(0);
    expect(paused.report.status).toBe("paused");
    expect(paused.report.trace).toEqual([{ method: "draft", status: "paused", output: null }]);

    const resumed = await run(review, "--resume", paused.report.runId, "--feedback", "approved, ship it");
    expect(resumed.report.status).toBe("completed");
    expect(resumed.report.runId).toBe(paused.report.runId);
    expect(resumed.report.output).toBe("published:approved, ship it");

    const again = await run(review);
    const empty = await run(review, "--resume", again.report.runId);
    expect(empty.report.output).toBe("discarded");
  });

  it("forks from a state id: hydrated state, a fresh id, the source untouched", async () => {
    const first = await run(CHAIN);
    const fork = await run(CHAIN, "--fork", first.report.stateId);
    expect(fork.report.status).toBe("completed");
    expect(fork.report.stateId).not.toBe(first.report.stateId);
    expect(fork.report.output).toBe("count=4");
  });

  it("restores a checkpoint at a step: completed methods are not run again", async () => {
    const first = await run(CHAIN);
    // Step 3 is `a` finished (flow_started=1, started a=2, finished a=3): b and c run again from count 1.
    const restored = await run(CHAIN, "--checkpoint", `${first.report.runId}@3`);
    expect(restored.report.trace.map((t) => t.method)).toEqual(["b", "c"]);
    expect(restored.report.output).toBe("count=2");
    const both = await run(CHAIN, "--checkpoint", first.report.runId, "--fork", first.report.stateId);
    expect(both.code).toBe(1);
    expect(both.report.error!.message).toContain("Cannot combine `from_checkpoint` and `restore_from_state_id`");
  });
});
