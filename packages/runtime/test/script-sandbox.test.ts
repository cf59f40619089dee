// `call: script` with `language: javascript` runs in QuickJS: it sees copies of the flow's data, its
// state changes are copied back, and it cannot reach the host or run forever.
import { describe, expect, it } from "vitest";
import { defineFlow } from "../src";

const script = (code: string) => ({ call: "script" as const, language: "javascript" as const, code });

async function runScript(code: string, inputs: Record<string, unknown> = {}) {
  const flow = await defineFlow("Sandbox").start("s", script(code)).create({ allowScripts: true });
  return { flow, result: flow.kickoff({ inputs }) };
}

describe("javascript scripts in the sandbox", () => {
  it("returns a value and persists state mutations", async () => {
    const { flow, result } = await runScript("state.total = state.a + state.b; return 'sum=' + state.total;", { a: 2, b: 3 });
    expect(await result).toBe("sum=5");
    expect(flow.state.total).toBe(5);
  });

  it("has no process, require, fetch or file access", async () => {
    const { result } = await runScript("return [typeof process, typeof require, typeof fetch, typeof setTimeout].join(',');");
    expect(await result).toBe("undefined,undefined,undefined,undefined");
  });

  it("stops a script that runs past its time limit", async () => {
    const { flow, result } = await runScript("while (true) {}");
    await expect(result).rejects.toThrow(/script failed in method 's': .*interrupted/i);
    expect(flow.methodOutputs).toEqual([]);
  });

  it("stops a script that exceeds its memory limit", async () => {
    const { result } = await runScript("const a = []; while (true) a.push({ x: a.length });");
    await expect(result).rejects.toThrow(/script failed in method 's': .*(memory|interrupted)/i);
  });

  it("is off unless scripts are allowed (CrewAI's opt-in)", async () => {
    await expect(defineFlow("Off").start("s", script("return 1")).create({ allowScripts: false })).rejects.toThrow(
      /CREWAI_ALLOW_FLOW_SCRIPT_EXECUTION=1/,
    );
  });
});
