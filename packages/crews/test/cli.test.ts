// `pnpm -s crewflow run FILE --json` with crews: against the local server through OPENAI_BASE_URL, and
// with the simulated model when no endpoint is configured. The key never shows in stdout, stderr or the
// run's recorded events.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FakeOpenAI } from "../src/testing";
import { REVIEW_FLOW, reviewResponder } from "./fixtures";
import { KEY } from "./helpers";

const ROOT = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "crewflow-crews-cli-"));
const flowFile = join(dir, "review.yaml");
writeFileSync(flowFile, REVIEW_FLOW);

const fake = await FakeOpenAI.start();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

interface Report {
  status: string;
  runId: string;
  output: unknown;
  outputs: Record<string, Record<string, unknown>>;
  trace: { method: string; status: string }[];
  error: { type: string; message: string } | null;
}

async function crewflow(env: Record<string, string | undefined>, data: string, file = flowFile) {
  const clean = { ...process.env };
  delete clean.OPENAI_API_KEY;
  delete clean.OPENAI_BASE_URL;
  delete clean.OPENAI_API_BASE;
  const result = await promisify(execFile)("pnpm", ["-s", "crewflow", "run", file, "--json", "--data", data], { cwd: ROOT, env: { ...clean, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  const report = JSON.parse(result.stdout) as Report;
  // The run's recorded events, as the store returns them.
  const shown = await promisify(execFile)("pnpm", ["-s", "crewflow", "show", report.runId, "--json", "--data", data], {
    cwd: ROOT,
    env: { ...clean, ...env },
  });
  const events = JSON.stringify((JSON.parse(shown.stdout) as { events: unknown[] }).events);
  return { ...result, report, events };
}

describe("crewflow run with crews", () => {
  it("runs against an OpenAI-compatible server; the router follows the returned label", async () => {
    fake.respond(reviewResponder("followup"));
    const { code, report, stdout, stderr, events } = await crewflow({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY }, join(dir, "data-openai"));
    expect(code).toBe(0);
    expect(report.status).toBe("completed");
    expect(report.trace.map((t) => `${t.method}:${t.status}`)).toEqual(["brief:completed", "decide:completed", "follow_up:completed"]);
    expect(report.outputs.decide!.raw).toBe("followup");
    expect(report.output).toMatchObject({ raw: "Exec note: adopt vector search carefully." });
    expect(fake.count).toBe(4);
    expect(events).toContain('"type":"llm_call"');
    for (const text of [stdout, stderr, events]) expect(text).not.toContain(KEY);
  });

  it("runs offline with the simulated model and says so", async () => {
    const { code, report, stderr } = await crewflow({}, join(dir, "data-simulated"));
    expect(code).toBe(0);
    expect(report.status).toBe("completed");
    expect(["followup", "done"]).toContain(report.outputs.decide!.raw);
    expect(report.outputs.brief).toMatchObject({ simulated: true });
    expect(stderr).toContain("use the simulated model");
    expect(fake.count).toBe(0);
  });

  it("resolves tools and hooks declared in the flow file (x-crewflow) from a module path", async () => {
    const project = resolve(import.meta.dirname, "fixtures/project.ts");
    const file = join(dir, "tools.yaml");
    writeFileSync(
      file,
      `name: Glossary
x-crewflow:
  tools: {lookup: "${project}:lookup"}
  hooks: {before_llm_call: ["${project}:tagMethod"]}
methods:
  explain:
    start: true
    do:
      call: agent
      with:
        role: Explainer
        goal: Explain terms
        backstory: Knows the glossary.
        tools: [lookup]
        x-crewflow: {hooks: {after_llm_call: ["${project}:markChecked"]}}
        input: What is a vector database?
`,
    );
    fake.reply({ tool_calls: [{ id: "c1", name: "lookup", arguments: { term: "vector database" } }] }, { content: " A store for embeddings. " });
    const { code, report, events } = await crewflow({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY }, join(dir, "data-tools"), file);
    expect(report.error).toBeNull();
    expect(code).toBe(0);
    expect(report.outputs.explain!.raw).toBe("A store for embeddings. [checked]");
    expect(fake.chats[0]!.messages[0]!.content).toMatch(/\n\(flow method: explain\)$/);
    expect(fake.chats[1]!.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "c1", content: "vector database: a database for embeddings" });
    expect(events).toContain('"kind":"tool"');
  });

  it("a rejected key fails the run (exit 1) without printing or recording the key", async () => {
    fake.respond(() => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}`, type: "invalid_request_error" } } }));
    const data = join(dir, "data-401");
    const { code, report, stdout, stderr, events } = await crewflow({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY }, data);
    expect(code).toBe(1);
    expect(report.error).toEqual({ type: "AuthenticationError", message: `LLM call to ${fake.url} failed (model gpt-4.1-mini, 1 attempt): 401 Incorrect API key provided: [redacted]` });
    for (const text of [stdout, stderr, events, ...readdirSync(data).map((f) => readFileSync(join(data, f), "latin1"))])
      expect(text).not.toContain(KEY);
  });
});
