import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import {
  checkPackageJson,
  checkSource,
  concreteStoreTypes,
  extractImports,
  findRepositoryRoot,
  formatViolation,
  LAYERS,
  type Layer,
  type PortBreach,
  prismaClientUses,
  scanRepository,
  scanStorePort,
} from "../src/checker";

const root = findRepositoryRoot(fileURLToPath(import.meta.url));

function layer(name: string): Layer {
  const found = LAYERS.find((l) => l.name === name);
  if (!found) throw new Error(`no layer ${name}`);
  return found;
}

describe("the storage port", () => {
  const scan = scanStorePort(root);
  const show = (b: PortBreach) => `${b.file}:${b.line}: ${b.what}`;

  it("is the only way to the database: no Prisma client is used outside packages/store-prisma (sources, tests, benches)", () => {
    expect(scan.clients.map(show)).toEqual([]);
  });

  it("is what hosts type their store as: the concrete store only to construct one, and in the composition roots", () => {
    expect(scan.concrete.map(show), "type these as RunStore from @crewflow/runtime (STORE_PORT in tests/architecture/rules.js)").toEqual([]);
  });

  it("finds a Prisma client however it is reached, and the concrete store in type positions only", () => {
    const source = [
      'import { PrismaRunStore } from "@crewflow/store-prisma";', // 1: fine
      "const store = await PrismaRunStore.open({});", // 2: fine (constructing)
      "const rows = await store.prisma.run.findMany();", // 3
      'const db = store["conn"].prisma;', // 4: twice
      "await other.$queryRawUnsafe(`SELECT 1`);", // 5
      'import type { PrismaClient } from "@prisma/client";', // 6: twice (identifier and import)
      "// store.prisma in a comment, and '.prisma' in a string, are fine", // 7
      "function use(s: PrismaRunStore, t: typeof PrismaRunStore): RunStore { return s; }", // 8: twice
      "const x: Promise<PrismaRunStore> = load();", // 9
    ].join("\n");
    expect(prismaClientUses("apps/server/src/x.ts", source).map((b) => [b.line, b.what])).toEqual([
      [3, ".prisma"],
      [4, ".prisma"],
      [4, '["conn"]'],
      [5, ".$queryRawUnsafe"],
      [6, "PrismaClient"],
      [6, 'import "@prisma/client"'],
    ]);
    expect(concreteStoreTypes("apps/server/src/x.ts", source).map((b) => [b.line, b.what])).toEqual([
      [8, "PrismaRunStore"],
      [8, "typeof PrismaRunStore"],
      [9, "PrismaRunStore"],
    ]);
  });
});

describe("the test pipeline is hermetic", () => {
  it("passes none of the caller's settings to tasks (a key or endpoint exported in the shell never reaches a test)", () => {
    const turbo = JSON.parse(readFileSync(join(root, "turbo.json"), "utf8")) as { globalPassThroughEnv?: string[]; globalEnv?: string[]; tasks: Record<string, { env?: string[]; passThroughEnv?: string[] }> };
    const passed = [...(turbo.globalPassThroughEnv ?? []), ...(turbo.globalEnv ?? []), ...Object.values(turbo.tasks).flatMap((t) => [...(t.env ?? []), ...(t.passThroughEnv ?? [])])];
    const userSettings = /^(OPENAI_|DATABASE_URL$|HOST$|PORT$|CREWFLOW_(DATA_DIR|TOKEN|WORKSPACE|ALLOW_|EXECUTOR|MAX_RUNS)|CREWAI_|MODEL$|LOG_LEVEL$|REDIS)/;
    expect(passed.filter((name) => userSettings.test(name))).toEqual([]);
  });
});

describe("the repository follows the import rules of docs/architecture.md", () => {
  const scan = scanRepository(root);

  it("describes every package under apps/ and packages/", () => {
    expect(scan.unknownPackages, "add these folders to tests/architecture/rules.js and docs/architecture.md").toEqual([]);
  });

  it("checks the package.json and source files it should", () => {
    expect(scan.checked).toContain("apps/web/package.json");
    expect(scan.checked).toContain("apps/web/src/App.tsx");
    expect(scan.checked).toContain("apps/server/src/app.ts");
    expect(scan.checked.some((f) => f.includes("/node_modules/") || f.includes("/dist/"))).toBe(false);
  });

  it("has no violations in package.json dependencies or import specifiers", () => {
    const messages = scan.violations.map(formatViolation);
    if (messages.length > 0) console.error(`Architecture violations:\n${messages.join("\n")}`);
    expect(messages).toEqual([]);
  });
});

describe("the checker catches violations", () => {
  it("finds every kind of module reference, with its line", () => {
    const refs = extractImports(
      "x.tsx",
      [
        'import a from "a";', // 1
        'import type { B } from "b";', // 2
        'export { c } from "c";', // 3
        'export type { D } from "d";', // 4
        'import "e";', // 5
        'const f = await import("f");', // 6
        'const g = require("g");', // 7
        'type H = import("h").H;', // 8
        "import {", // 9
        "  i,", // 10
        '} from "i";', // 11
        'import j = require("j");', // 12
        '// import "not-a-module";', // 13
      ].join("\n"),
    );
    expect(refs).toEqual([
      { specifier: "a", line: 1, typeOnly: false },
      { specifier: "b", line: 2, typeOnly: true },
      { specifier: "c", line: 3, typeOnly: false },
      { specifier: "d", line: 4, typeOnly: true },
      { specifier: "e", line: 5, typeOnly: false },
      { specifier: "f", line: 6, typeOnly: false },
      { specifier: "g", line: 7, typeOnly: false },
      { specifier: "h", line: 8, typeOnly: true },
      { specifier: "i", line: 11, typeOnly: false },
      { specifier: "j", line: 12, typeOnly: false },
    ]);
  });

  it("flags UI, server, database, workspace and Node imports in packages/definition", () => {
    const source = [
      'import { z } from "zod";', // 1: fine
      'import { useState } from "react";', // 2
      'import { ReactFlow } from "@xyflow/react";', // 3
      'export { run } from "@crewflow/runtime";', // 4
      'import type { Prisma } from "@prisma/client";', // 5: type-only is still a dependency
      'const fs = await import("node:fs");', // 6
      'import OpenAI from "openai";', // 7
      'import { helper } from "./helper";', // 8: fine
      'import { x } from "../../runtime/src/x";', // 9: leaves the package
    ].join("\n");
    const found = checkSource(layer("definition"), "packages/definition/src/bad.ts", source).map(formatViolation);
    expect(found.map((m) => m.split(": ")[0])).toEqual([
      "packages/definition/src/bad.ts:2",
      "packages/definition/src/bad.ts:3",
      "packages/definition/src/bad.ts:4",
      "packages/definition/src/bad.ts:5",
      "packages/definition/src/bad.ts:6",
      "packages/definition/src/bad.ts:7",
      "packages/definition/src/bad.ts:9",
    ]);
    expect(found[0]).toContain('definition may not import "react"');
  });

  it("lets the runtime use definition and Node but not the apps' libraries", () => {
    const source = [
      'import { loadDefinitionText } from "@crewflow/definition";',
      'import { readFile } from "node:fs/promises";',
      'import OpenAI from "openai";',
      'import { initTRPC } from "@trpc/server";',
      'import { PrismaClient } from "@prisma/client";',
      'import { main } from "@crewflow/cli";',
    ].join("\n");
    const found = checkSource(layer("runtime"), "packages/runtime/src/x.ts", source);
    expect(found.map((v) => [v.line, v.specifier])).toEqual([
      [4, "@trpc/server"],
      [5, "@prisma/client"],
      [6, "@crewflow/cli"],
    ]);
  });

  it("keeps the run host on the storage port: runtime, definition and crews, but no Prisma, store-prisma, React or tRPC", () => {
    const source = [
      'import { type RunStore, Flow } from "@crewflow/runtime";', // 1: fine
      'import type { FlowDefinition } from "@crewflow/definition";', // 2: fine
      'import type { CrewRunner } from "@crewflow/crews";', // 3: fine
      'import { randomUUID } from "node:crypto";', // 4: fine
      'import { PrismaRunStore } from "@crewflow/store-prisma";', // 5
      'import type { PrismaClient } from "@prisma/client";', // 6
      'import { useState } from "react";', // 7
      'import { initTRPC } from "@trpc/server";', // 8
      'import Database from "better-sqlite3";', // 9
      'import { createServer } from "@crewflow/server";', // 10
    ].join("\n");
    const found = checkSource(layer("host"), "packages/host/src/x.ts", source);
    expect(found.map((v) => [v.line, v.specifier])).toEqual([
      [5, "@crewflow/store-prisma"],
      [6, "@prisma/client"],
      [7, "react"],
      [8, "@trpc/server"],
      [9, "better-sqlite3"],
      [10, "@crewflow/server"],
    ]);
    const text = JSON.stringify({ name: "@crewflow/host", dependencies: { "@crewflow/runtime": "workspace:*", "@crewflow/store-prisma": "workspace:*" } }, null, 2);
    expect(checkPackageJson(layer("host"), "packages/host/package.json", text).map((v) => v.specifier)).toEqual(["@crewflow/store-prisma"]);
  });

  it("has the server, the CLI and the worker take the host (and keeps the worker off store-prisma)", () => {
    for (const name of ["server", "cli", "executor-bullmq"]) {
      const l = layer(name);
      expect(l.workspace, name).toContain("@crewflow/host");
      const pkg = JSON.parse(readFileSync(join(root, l.dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
      expect(pkg.dependencies?.["@crewflow/host"], `${l.dir}/package.json`).toBe("workspace:*");
      expect(checkSource(l, `${l.dir}/src/x.ts`, 'import { runFlow } from "@crewflow/host";')).toEqual([]);
    }
    expect(checkSource(layer("executor-bullmq"), "packages/executor-bullmq/src/x.ts", 'import { PrismaRunStore } from "@crewflow/store-prisma";').map((v) => v.line)).toEqual([1]);
    // Nothing below the host may import it.
    for (const name of ["definition", "runtime", "crews", "store-prisma", "store-memory"])
      expect(checkSource(layer(name), `${layer(name).dir}/src/x.ts`, 'import { runFlow } from "@crewflow/host";').map((v) => v.line), name).toEqual([1]);
  });

  it("keeps the web app on tRPC: no runtime, Fastify, Prisma or Node; the server only as types", () => {
    const source = [
      'import { parseFlow } from "@crewflow/definition";', // 1: fine
      'import type { AppRouter } from "@crewflow/server";', // 2: fine (tRPC router type)
      'import { createServer } from "@crewflow/server";', // 3
      'import { run } from "@crewflow/runtime";', // 4
      'import Fastify from "fastify";', // 5
      'import { readFileSync } from "fs";', // 6
      'import { createTRPCClient } from "@trpc/client";', // 7: fine
    ].join("\n");
    const found = checkSource(layer("web"), "apps/web/src/x.tsx", source);
    expect(found.map((v) => [v.line, v.specifier])).toEqual([
      [3, "@crewflow/server"],
      [4, "@crewflow/runtime"],
      [5, "fastify"],
      [6, "fs"],
    ]);
    // Node builtins are allowed in the web app's tests and config, which run in Node.
    expect(checkSource(layer("web"), "apps/web/test/x.test.ts", 'import { existsSync, readFileSync, readdirSync } from "node:fs";')).toEqual([]);
  });

  it("flags forbidden dependencies in package.json, with their line", () => {
    const text = JSON.stringify(
      { name: "@crewflow/definition", dependencies: { zod: "4.6.7", react: "19.3.1" }, devDependencies: { "@crewflow/runtime": "workspace:*" } },
      null,
      2,
    );
    const found = checkPackageJson(layer("definition"), "packages/definition/package.json", text).map(formatViolation);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^packages\/definition\/package\.json:5: definition may not import "react": dependencies: forbidden library/);
    expect(found[1]).toMatch(/^packages\/definition\/package\.json:8: .*"@crewflow\/runtime": devDependencies: workspace package/);
  });
});

describe("the ESLint config enforces the same rules", () => {
  const eslint = new ESLint({ cwd: root });
  const restricted = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
    return (result?.messages ?? []).filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports").map((m) => m.line);
  };

  it("reports the same imports as the checker", async () => {
    const cases: { file: string; code: string }[] = [
      {
        file: "packages/definition/src/lint-probe.ts",
        code: 'import { z } from "zod";\nimport { useState } from "react";\nexport { run } from "@crewflow/runtime";\nimport { readFile } from "node:fs/promises";\nexport const a = [z, useState, readFile];\n',
      },
      {
        file: "packages/runtime/src/lint-probe.ts",
        code: 'import { loadDefinitionText } from "@crewflow/definition";\nimport { readFile } from "node:fs/promises";\nimport Fastify from "fastify";\nexport const a = [loadDefinitionText, readFile, Fastify];\n',
      },
      {
        file: "packages/host/src/lint-probe.ts",
        code: 'import { Flow } from "@crewflow/runtime";\nimport { PrismaRunStore } from "@crewflow/store-prisma";\nimport pg from "pg";\nexport const a = [Flow, PrismaRunStore, pg];\n',
      },
      {
        file: "apps/web/src/lint-probe.tsx",
        code: 'import type { AppRouter } from "@crewflow/server";\nimport { createServer } from "@crewflow/server";\nimport { run } from "@crewflow/runtime";\nimport { existsSync, readFileSync, readdirSync } from "node:fs";\nexport type R = AppRouter;\nexport const a = [createServer, run, readFileSync];\n',
      },
    ];
    for (const { file, code } of cases) {
      const layerName = LAYERS.find((l) => file.startsWith(`${l.dir}/`))?.name ?? "";
      const expected = checkSource(layer(layerName), file, code).map((v) => v.line);
      expect(expected.length, file).toBeGreaterThan(0);
      expect(await restricted(file, code), file).toEqual(expected);
    }
  });
});
