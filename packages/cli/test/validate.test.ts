// `crewflow validate` as a user runs it: exit codes, the `path: message` lines, `--json`, and bad
// files reported with CrewAI's errors instead of stack traces.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "crewflow-cli-"));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const GOOD = `schema: crewai.flow/v1
name: Good
methods:
  seed:
    start: true
    do: {call: expression, expr: "state.topic"}
  typo:
    listen: sede
    do: {call: expression, expr: "'x'"}
`;
const BAD = `schema: crewai.flow/v1
name: Bad
methods:
  route:
    start: true
    do: {call: expression, expr: "inputs.topic"}
  self:
    listen: self
    do: {ref: "./steps.mjs:run"}
`;

async function crewflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("pnpm", ["-s", "crewflow", ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("crewflow validate", () => {
  it("exits 0 for a valid file and prints its warnings as path: message", async () => {
    const result = await crewflow("validate", write("good.yaml", GOOD));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("methods.typo.listen: warning: ");
    expect(result.stderr).toContain("valid (0 error(s)");
  });

  it("exits 2 for an invalid file and names each problem's path", async () => {
    const result = await crewflow("validate", write("bad.yaml", BAD));
    expect(result.code).toBe(2);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toContain(
      "methods.route.do.expr: unknown CEL root at methods.route.do.expr: 'inputs'; allowed roots: outputs, state. Reference flow data through one of those roots, for example state.field or outputs.step_name.",
    );
    expect(lines.some((l) => l.startsWith("methods.self.listen: methods.self.listen listen condition 'self' references the handler name 'self'"))).toBe(true);
  });

  it("--json prints one object with valid, errors and warnings", async () => {
    const result = await crewflow("validate", "--json", write("bad2.yaml", BAD));
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout);
    expect(body.valid).toBe(false);
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(["methods.route.do.expr", "methods.self.listen"]);
    expect(Object.keys(body.errors[0]).sort()).toEqual(["message", "path"]);
    expect(body.warnings).toEqual([]);
  });

  it("reports bad files with CrewAI's messages, never a stack trace", async () => {
    const cases: [string, string, RegExp][] = [
      ["empty.yaml", "  \n", /Flow declaration file is empty: /],
      ["list.yaml", "[]\n", /Flow declaration must contain a mapping/],
      ["syntax.yaml", "name: X\nmethods:\n  a: {start: true\n", /YAML syntax error at .*syntax\.yaml:\d+:\d+: /],
      ["schema.yaml", "schema: crewai.flow/v9\nname: X\n", /^schema: Input should be 'crewai\.flow\/v1'/m],
    ];
    for (const [name, text, pattern] of cases) {
      const result = await crewflow("validate", write(name, text));
      expect(result.code, name).toBe(2);
      expect(result.stdout, name).toMatch(pattern);
      expect(result.stdout + result.stderr, name).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    }
    const missing = await crewflow("validate", join(dir, "nope.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain("no such file");
  });

  it("resolves relative paths from the directory the user ran it in", async () => {
    write("rel.yaml", GOOD);
    const { code } = await promisify(execFile)("pnpm", ["-s", "--dir", ROOT, "crewflow", "validate", "rel.yaml"], { cwd: dir }).then(
      () => ({ code: 0 }),
      (e: { code: number }) => ({ code: e.code }),
    );
    expect(code).toBe(0);
  });

  it("validates several files and exits 2 if any is invalid", async () => {
    const result = await crewflow("validate", "--json", write("g.yaml", GOOD), write("b.yaml", BAD));
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout) as { file: string; valid: boolean }[];
    expect(body.map((v) => v.valid)).toEqual([true, false]);
  });
});
