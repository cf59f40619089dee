// Every CrewAI example file loads here with CrewAI's verdict: the valid ones validate, the invalid
// ones fail with the error substance CrewAI's own test matched. Checked in-process and from the shell.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadDefinitionText } from "@crewflow/definition";
import { EXAMPLES, INDEX, REPO_ROOT, RUN_STAGE, expectedPattern } from "./shared";
import { FILLERS, VARIANTS, substitute } from "./variants";

const work = mkdtempSync(join(tmpdir(), "crewflow-examples-"));

interface Case {
  name: string;
  path: string;
  expect: "valid" | RegExp | "any-error";
}

/** Writes each document (after placeholder substitution) to a temp file and says what CrewAI expects. */
function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const entry of INDEX) {
    const original = join(EXAMPLES, "extracted", entry.file);
    const text = readFileSync(original, "utf8");
    const variants = VARIANTS[entry.file];
    const expectFor = (error?: RegExp): Case["expect"] => {
      if (!entry.expects_error || RUN_STAGE.has(entry.file)) return "valid";
      return error ?? expectedPattern(entry.expects_error) ?? "any-error";
    };
    if (!variants) {
      const filled = text.includes("__") ? stringify(substitute(parse(text), FILLERS)) : text;
      cases.push({ name: entry.file, path: writeCase(entry.file, filled), expect: expectFor() });
      continue;
    }
    variants.forEach((variant, index) => {
      const body = variant.text ?? (variant.values ? stringify(substitute(parse(text), variant.values)) : text);
      cases.push({
        name: `${entry.file} [${variant.label}]`,
        path: writeCase(`${index}-${entry.file}`, body),
        expect: expectFor(variant.error),
      });
    });
  }
  const template = readFileSync(join(EXAMPLES, "cli-templates-declarative_flow__flow.yaml"), "utf8");
  cases.push({
    name: "cli template (rendered)",
    path: writeCase("template.yaml", template.replaceAll("{{flow_name}}", "ResearchFlow")),
    expect: "valid",
  });
  cases.push({
    name: "flow_definition_example",
    path: join(EXAMPLES, "crewai-flow-templates__flow_definition_example.yaml"),
    expect: "valid",
  });
  return cases;
}

function writeCase(name: string, text: string): string {
  const dir = join(work, name.replace(/\W/g, "_"));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name.endsWith(".json") ? "flow.json" : "flow.yaml");
  writeFileSync(path, text);
  return path;
}

const CASES = buildCases();

function verdictMatches(expectation: Case["expect"], errors: { path: string; message: string }[]): boolean {
  if (expectation === "valid") return errors.length === 0;
  if (expectation === "any-error") return errors.length > 0;
  return errors.some((e) => expectation.test(`${e.path}: ${e.message}`));
}

describe("CrewAI's example files", () => {
  it("the index holds 110 valid and 29 invalid declarations", () => {
    expect(INDEX).toHaveLength(139);
    expect(INDEX.filter((e) => e.expects_error).length).toBe(29);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, testCase) => {
    const result = loadDefinitionText(readFileSync(testCase.path, "utf8"), { sourcePath: testCase.path });
    const shown = result.errors.map((e) => `${e.path}: ${e.message}`);
    if (testCase.expect === "valid") expect(shown).toEqual([]);
    else expect(verdictMatches(testCase.expect, result.errors), `errors were:\n${shown.join("\n")}`).toBe(true);
  });
});

const run = promisify(execFile);

describe("the same verdicts from the shell: pnpm -s crewflow validate --json FILE", () => {
  it(
    "every example file",
    async () => {
      const failures: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < CASES.length) {
          const testCase = CASES[next++]!;
          const { code, stdout } = await run("pnpm", ["-s", "crewflow", "validate", "--json", testCase.path], {
            cwd: REPO_ROOT,
          }).then(
            (r) => ({ code: 0, stdout: r.stdout }),
            (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
          );
          const body = JSON.parse(stdout) as { valid: boolean; errors: { path: string; message: string }[] };
          const wantValid = testCase.expect === "valid";
          if (body.valid !== wantValid || code !== (wantValid ? 0 : 2) || !verdictMatches(testCase.expect, body.errors))
            failures.push(`${testCase.name}: exit ${code}, ${JSON.stringify(body.errors)}`);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      expect(failures).toEqual([]);
    },
    600_000,
  );
});
