// CrewAI's canonical template (crewai-flow-templates__flow_definition_example.yaml) runs end to end with
// `pnpm -s crewflow run FILE --json`: against a local OpenAI-compatible server (OPENAI_BASE_URL), where
// the router follows the label the model returns, and offline with the simulated model.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type FakeChatBody, type FakeReply, FakeOpenAI } from "@crewflow/crews/testing";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { EXAMPLES, REPO_ROOT } from "./shared";

const FILE = join(EXAMPLES, "crewai-flow-templates__flow_definition_example.yaml");
const KEY = "sk-crewai-suite-never-printed-0000";
const data = mkdtempSync(join(tmpdir(), "crewflow-crew-example-"));

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

/** Plays the template's agents by role; the router answers `label`. */
const responder =
  (label: string) =>
  (body: FakeChatBody): FakeReply => {
    const system = body.messages[0]?.content ?? "";
    if (system.startsWith("You are Research analyst.")) return { content: "Findings: orchestration needs durable state and retries." };
    if (system.startsWith("You are Strategy reviewer.")) return { content: "Good research. needs_followup: true" };
    if (system.startsWith("You are Follow-up router.")) return { content: label };
    if (system.startsWith("You are Executive communications specialist.")) return { content: "Follow-up: fund a durable orchestration pilot." };
    return { status: 400, body: { error: { message: "unexpected agent" } } };
  };

interface Report {
  status: string;
  output: unknown;
  outputs: Record<string, { raw?: string; simulated?: boolean }>;
  trace: { method: string; status: string }[];
  error: unknown;
}

async function run(env: Record<string, string>): Promise<{ code: number; report: Report; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE"]) delete clean[name];
  const result = await promisify(execFile)("pnpm", ["-s", "crewflow", "run", FILE, "--json", "--data", data], { cwd: REPO_ROOT, env: { ...clean, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return { ...result, report: JSON.parse(result.stdout) as Report };
}

describe("crewai-flow-templates__flow_definition_example.yaml", () => {
  for (const label of ["followup", "done"])
    it(`runs against an OpenAI-compatible server; the router follows the model's label (${label})`, async () => {
      fake.respond(responder(label));
      const { code, report, stdout, stderr } = await run({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY });
      expect(code).toBe(0);
      expect(report.status).toBe("completed");
      const methods = report.trace.map((t) => t.method);
      expect(methods).toEqual(label === "followup" ? ["research_brief", "route_followup", "write_followup"] : ["research_brief", "route_followup"]);
      expect(report.outputs.research_brief!.raw).toBe("Good research. needs_followup: true");
      expect(report.outputs.route_followup!.raw).toBe(label);
      expect(fake.count).toBe(label === "followup" ? 4 : 3);
      // The crew's inputs come from the state defaults through the ${state.…} templates.
      expect(fake.chats[0]!.messages[0]!.content).toContain("Your personal goal is: Research AI agent orchestration for platform engineering leaders");
      expect(stdout + stderr).not.toContain(KEY);
    });

  it("runs offline with the simulated model", async () => {
    const { code, report, stderr } = await run({});
    expect(code).toBe(0);
    expect(report.status).toBe("completed");
    const label = report.outputs.route_followup!.raw;
    expect(["followup", "done"]).toContain(label);
    expect(report.trace.map((t) => t.method)).toEqual(label === "followup" ? ["research_brief", "route_followup", "write_followup"] : ["research_brief", "route_followup"]);
    expect(report.outputs.research_brief!.simulated).toBe(true);
    expect(stderr).toContain("simulated model");
    expect(fake.count).toBe(0);
  });
});
