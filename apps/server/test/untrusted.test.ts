// Untrusted flows: refs that would reach outside the workspace (Node built-ins, `..`, absolute paths,
// packages) are refused when a flow is saved and again when it is run, and nothing is executed.
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaRunStore } from "@crewflow/store-prisma";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../src/app";
import { findRefs, loadDefinitionText } from "@crewflow/definition";
import { checkDefinition } from "../src/core/policy";
import { refFlow, toolFlow } from "./support/fixtures";
import { type TestServer, removeDir, startServer, waitForRun } from "./support/server";

const codeOf = (err: unknown) => (err instanceof TRPCClientError ? (err as TRPCClientError<AppRouter>).data?.code : undefined);
const problemsOf = (err: unknown) => (err instanceof TRPCClientError ? ((err as TRPCClientError<AppRouter>).data?.problems ?? []) : []);

/** A module that leaves a marker file when imported and another when called. */
const trap = (marker: string) =>
  `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker + ".imported")}, "x");\nexport function f() { writeFileSync(${JSON.stringify(marker + ".called")}, "x"); return "ran"; }\n`;

describe("untrusted flows over the API", () => {
  let server: TestServer;
  let root: string;
  let markers: string[];
  let cases: { name: string; ref: string; reason: RegExp; text: string; path: string }[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "crewflow-untrusted-"));
    // The workspace is root/x/workspace: `../../outside.mjs` from it is root/outside.mjs.
    server = await startServer({ workspace: join(root, "x", "workspace") }, root);
    const absolute = join(root, "absolute.mjs");
    writeFileSync(join(root, "outside.mjs"), trap(join(root, "outside")));
    writeFileSync(join(root, "x", "near.mjs"), trap(join(root, "near")));
    writeFileSync(absolute, trap(join(root, "absolute")));
    // A package the workspace could resolve (node_modules above it).
    mkdirSync(join(root, "node_modules", "evilpkg"), { recursive: true });
    writeFileSync(join(root, "node_modules", "evilpkg", "package.json"), JSON.stringify({ name: "evilpkg", type: "module", main: "index.js" }));
    writeFileSync(join(root, "node_modules", "evilpkg", "index.js"), trap(join(root, "evilpkg")));
    // A symlink inside the workspace that leads out of it.
    symlinkSync(join(root, "outside.mjs"), join(server.workspace, "link.mjs"));
    markers = ["outside", "near", "absolute", "evilpkg"].flatMap((m) => [join(root, `${m}.imported`), join(root, `${m}.called`)]);
    const code = (name: string, ref: string, reason: RegExp) => ({ name, ref, reason, text: refFlow(name, ref), path: "methods.run.do.ref" });
    const tool = (name: string, ref: string, reason: RegExp) => ({ name, ref, reason, text: toolFlow(name, ref), path: "methods.ask.do.with.tools[0]" });
    cases = [
      code("ChildProcess", "child_process:execSync", /Node built-in module 'child_process'/),
      // Two colons: the loader already rejects it as a code ref; as a tool ref the policy does.
      code("NodeFs", "node:fs:readFileSync", /invalid do ref 'node:fs:readFileSync'/),
      tool("NodeFsTool", "node:fs:readFileSync", /Node built-in module 'node:fs'/),
      code("DotDot", "../../outside.mjs:f", /leaves the server's workspace/),
      code("DotDotNear", "../near.mjs:f", /leaves the server's workspace/),
      code("Absolute", `${absolute}:f`, /absolute path/),
      tool("AbsoluteTool", `${absolute}:f`, /absolute path/),
      code("Package", "evilpkg:f", /package 'evilpkg'/),
      code("Symlink", "./link.mjs:f", /resolves outside the server's workspace/),
    ];
  });

  afterAll(async () => {
    await server?.close();
    if (root) removeDir(root);
  });

  const nothingRan = () => {
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
  };

  it("rejects each bad ref at save (create, import, validate, HTTP) with the field's path and the reason", async () => {
    const { client } = server;
    for (const c of cases) {
      const text = c.text;
      for (const attempt of [() => client.flows.create.mutate({ text }), () => client.flows.importYaml.mutate({ yaml: text })]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(codeOf(err), c.ref).toBe("BAD_REQUEST");
        const problems = problemsOf(err);
        expect(problems.map((p) => p.path)).toEqual([c.path]);
        expect(problems[0]!.message).toMatch(c.reason);
      }
      const validated = await client.flows.validate.query({ text });
      expect(validated.valid).toBe(false);
      expect(validated.errors[0]!.path).toBe(c.path);
      expect(validated.errors[0]!.message).toMatch(c.reason);
      const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/yaml" }, body: text });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { problems: { path: string }[] }).problems[0]!.path).toBe(c.path);
    }
    expect(await client.flows.list.query({ includeDeleted: true })).toEqual({ items: [], nextCursor: null });
    nothingRan();
  });

  it("rejects them at run too (a flow stored by other means), executing nothing", async () => {
    // Another writer (the CLI, an older server) stored these flows; the API still refuses to run them.
    const writer = await PrismaRunStore.open({ dataDir: server.dataDir });
    try {
      for (const c of cases) await writer.registerVersion({ name: c.name, definition: c.text });
    } finally {
      await writer.close();
    }
    const { client } = server;
    const flows = (await client.flows.list.query()).items;
    expect(flows.map((f) => f.name).sort()).toEqual(cases.map((c) => c.name).sort());
    for (const c of cases) {
      const flow = flows.find((f) => f.name === c.name)!;
      const err = await client.runs.start.mutate({ flowId: flow.id }).catch((e: unknown) => e);
      expect(codeOf(err), c.ref).toBe("BAD_REQUEST");
      expect((err as Error).message).toMatch(/will not run|is not valid/);
      expect(problemsOf(err)[0]!.message).toMatch(c.reason);
      const res = await fetch(`${server.url}/api/flows/${flow.id}/kickoff`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.status).toBe(400);
      // A save of the same text is refused as well.
      const save = await client.flows.save.mutate({ flowId: flow.id, baseVersion: 1, text: c.text + "description: again\n" }).catch((e: unknown) => e);
      expect(codeOf(save)).toBe("BAD_REQUEST");
    }
    expect((await client.runs.list.query()).items).toEqual([]);
    nothingRan();
  });

  it("runs workspace modules, and names a missing one as a warning at save and an error at run", async () => {
    const { client } = server;
    writeFileSync(join(server.workspace, "ok.mjs"), "export const f = () => 'fine';\n");
    const { flow, warnings } = await client.flows.create.mutate({ text: refFlow("Fine", "./ok.mjs:f") });
    expect(warnings).toEqual([]);
    const { runId } = await client.runs.start.mutate({ flowId: flow.id });
    expect((await waitForRun(client, runId)).output).toBe("fine");

    const missing = await client.flows.create.mutate({ text: refFlow("Later", "helpers:f") });
    expect(missing.warnings.map((w) => w.path)).toEqual(["methods.run.do.ref"]);
    const err = await client.runs.start.mutate({ flowId: missing.flow.id }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe("BAD_REQUEST");
    // Once the module exists in the workspace (bare names are looked up there), it runs.
    writeFileSync(join(server.workspace, "helpers.mjs"), "export const f = () => 'helped';\n");
    const later = await client.runs.start.mutate({ flowId: missing.flow.id });
    expect((await waitForRun(client, later.runId)).output).toBe("helped");
  });

  it("keeps scripts off unless configured: a warning at save, an error at run", async () => {
    const { client } = server;
    const text = `name: Scripted\nmethods:\n  s:\n    start: true\n    do: {call: script, language: javascript, code: "1 + 1"}\n`;
    const { flow, warnings } = await client.flows.create.mutate({ text });
    expect(warnings[0]).toMatchObject({ path: "methods.s.do", code: "server_policy" });
    const err = await client.runs.start.mutate({ flowId: flow.id }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe("BAD_REQUEST");
    expect((err as Error).message).toMatch(/script actions are disabled/);
  });
});

describe("the ref policy", () => {
  it("finds refs in every place a flow can name code", () => {
    const text = `name: Everywhere
state: {type: pydantic, ref: "./state.mjs:State"}
x-crewflow:
  hooks:
    before_llm_call: ["./h.mjs:before", {ref: "./h.mjs:audit", agents: [A]}]
  tools: {search: "./t.mjs:search"}
methods:
  a:
    start: true
    do:
      call: each
      in: "[1]"
      do:
        - name: s1
          action: {call: tool, ref: "./t.mjs:Tool"}
        - name: s2
          action:
            call: agent
            with:
              role: r
              goal: g
              backstory: b
              input: x
              tools: ["./t.mjs:agentTool", search]
              x-crewflow: {hooks: {after_llm_call: ["./h.mjs:after"]}}
    human_feedback: {message: ok, provider: "./p.mjs:Provider"}
  b:
    listen: a
    do:
      call: crew
      with:
        agents:
          w: {role: r, goal: g, backstory: b, tools: ["./t.mjs:crewTool"]}
        tasks:
          - description: d
            expected_output: e
            agent: w
            guardrail: {ref: "./g.mjs:check"}
            guardrails: [{ref: "./g.mjs:check2"}, "be nice"]
`;
    const loaded = loadDefinitionText(text, { sourcePath: "flow.yaml" });
    expect(loaded.errors).toEqual([]);
    const found = findRefs(loaded.definition!);
    expect(found.map((f) => `${f.path} ${f.ref}`).sort()).toEqual(
      [
        "state.ref ./state.mjs:State",
        "x-crewflow.hooks.before_llm_call[0] ./h.mjs:before",
        "x-crewflow.hooks.before_llm_call[1].ref ./h.mjs:audit",
        "x-crewflow.tools.search ./t.mjs:search",
        "methods.a.do.do[0].action.ref ./t.mjs:Tool",
        "methods.a.do.do[1].action.with.tools[0] ./t.mjs:agentTool",
        "methods.a.do.do[1].action.with.x-crewflow.hooks.after_llm_call[0] ./h.mjs:after",
        "methods.a.human_feedback.provider ./p.mjs:Provider",
        "methods.b.do.with.agents.w.tools[0] ./t.mjs:crewTool",
        "methods.b.do.with.tasks[0].guardrail.ref ./g.mjs:check",
        "methods.b.do.with.tasks[0].guardrails[0].ref ./g.mjs:check2",
      ].sort(),
    );
    const verdict = checkDefinition(loaded.definition!, { workspace: "/nonexistent-ws", allowedModules: [], allowScripts: false }, false);
    expect(verdict.errors).toEqual([]);
    expect(verdict.warnings).toHaveLength(found.length);
  });

  it("allows built-ins and packages only when allowlisted", () => {
    const def = loadDefinitionText(toolFlow("A", "node:path:basename")).definition!;
    const policy = { workspace: "/nonexistent-ws", allowedModules: [] as string[], allowScripts: false };
    expect(checkDefinition(def, policy, true).errors).toHaveLength(1);
    expect(checkDefinition(def, { ...policy, allowedModules: ["path"] }, true).errors).toEqual([]);
    expect(checkDefinition(def, { ...policy, allowedModules: ["node:path"] }, true).errors).toEqual([]);
    const sub = loadDefinitionText(toolFlow("B", "fs/promises:readFile")).definition!;
    expect(checkDefinition(sub, { ...policy, allowedModules: ["fs"] }, true).errors).toEqual([]);
    expect(checkDefinition(sub, policy, true).errors[0]!.message).toMatch(/built-in/);
    const url = loadDefinitionText(toolFlow("C", "data:text/javascript,export const f=1;//x.mjs:f")).definition!;
    expect(checkDefinition(url, policy, true).errors[0]!.message).toMatch(/URL/);
  });
});
