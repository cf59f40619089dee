// 10,000 fuzzed YAML documents through every import path (HTTP `POST /api/flows`, tRPC `flows.create`,
// `flows.importYaml`, `flows.save`, `flows.validate`): alias bombs, recursive and undefined aliases, and
// random cuts, splices and byte flips of a valid flow. No answer may be a 5xx, and every flow that got
// stored must open (`flows.get`) afterwards.
import { random } from "@crewflow/runtime/testing";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUICK_FLOW } from "./support/fixtures";
import { type TestServer, everyPage, removeDir, startServer } from "./support/server";

const DOCUMENTS = 10_000;


/** Documents whose aliases attack the parser: exponential expansion, self-containment, dangling names. */
function aliasAttacks(index: number): string[] {
  const name = `Alias${index}`;
  const levels = 3 + (index % 8);
  const bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i <= levels; i += 1) bomb.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]`);
  return [
    `schema: crewai.flow/v1\nname: ${name}\nx-crewflow: {${bomb.join(", ").replace(/^a0/, "a0")}}\nmethods: {go: {start: true, do: {call: expression, expr: "1"}}}\n`,
    `${bomb.join("\n")}\nschema: crewai.flow/v1\nname: ${name}\nmethods: {go: {start: true, do: {call: expression, expr: "1"}}}\n`,
    `schema: crewai.flow/v1\nname: ${name}\nmethods: &m\n  go: {start: true, do: {call: expression, expr: "1"}, loop: *m}\n`,
    `schema: crewai.flow/v1\nname: ${name}\nstate: &s {type: dict, default: {self: *s}}\nmethods: {go: {start: true, do: {call: expression, expr: "1"}}}\n`,
    `schema: crewai.flow/v1\nname: ${name}\nx-crewflow: &x [*x]\nmethods: {go: {start: true, do: {call: expression, expr: "1"}}}\n`,
    `schema: crewai.flow/v1\nname: ${name}\nmethods: *nowhere\n`,
    `schema: crewai.flow/v1\nname: ${name}\nmethods: {go: {start: true, do: *undefined_action}}\n`,
    `schema: crewai.flow/v1\nname: *${"n".repeat(1 + (index % 50))}\nmethods: {}\n`,
  ];
}

const TOKENS = ["&a ", "*a", "*b", "&b ", "<<: *a\n", ": ", "- ", "{", "}", "[", "]", "!!binary ", "!!str ", "? ", "|\n", ">\n", "'", '"', "\t", "\n  ", "%YAML 1.1\n", "---\n", "...\n", "\u0000", "\uFEFF"];

/** A valid flow cut, spliced with YAML tokens or flipped at random places. */
function mutated(next: () => number, index: number): string {
  let text = QUICK_FLOW.replace(/^name: .*$/m, `name: Fuzz${index}`);
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i += 1) {
    const at = Math.floor(next() * text.length);
    const choice = next();
    if (choice < 0.5) text = text.slice(0, at) + TOKENS[Math.floor(next() * TOKENS.length)] + text.slice(at);
    else if (choice < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 20));
    else if (choice < 0.9) text = text.slice(0, at) + String.fromCharCode(Math.floor(next() * 128)) + text.slice(at + 1);
    else text = text.slice(0, at);
  }
  return text;
}

function documents(count: number): string[] {
  const next = random(20261204);
  const out: string[] = [];
  for (let i = 0; out.length < count; i += 1) {
    if (i % 20 === 0) out.push(...aliasAttacks(i));
    else out.push(mutated(next, i));
  }
  return out.slice(0, count);
}

describe("YAML fuzz through every import path", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
    if (server) removeDir(server.root);
  });

  it(`answers ${DOCUMENTS.toLocaleString("en")} hostile documents without a 5xx and stores nothing that cannot be opened`, async () => {
    const { client, url } = server;
    const { flow: target } = await client.flows.create.mutate({ text: QUICK_FLOW.replace(/^name: .*$/m, "name: SaveTarget") });
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    const count = (status: number, doc: string, path: string) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) serverErrors.push(`${path} → ${status}: ${JSON.stringify(doc.slice(0, 200))}`);
    };
    const trpc = async (path: string, call: () => Promise<unknown>, doc: string) => {
      try {
        await call();
        count(200, doc, path);
      } catch (err) {
        count(err instanceof TRPCClientError ? ((err.data as { httpStatus?: number } | undefined)?.httpStatus ?? 599) : 599, doc, path);
      }
    };

    const docs = documents(DOCUMENTS);
    const paths = ["http", "create", "importYaml", "save", "validate"] as const;
    const lanes = 48;
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < docs.length) {
          const index = next++;
          const doc = docs[index]!;
          // Alias attacks go through every path; the mutated flows one path each, in turn.
          const through = doc.includes("*") ? paths : [paths[index % paths.length]!];
          for (const path of through) {
            if (path === "http") {
              const response = await fetch(`${url}/api/flows`, { method: "POST", headers: { "content-type": "application/yaml" }, body: doc });
              await response.arrayBuffer();
              count(response.status, doc, path);
            } else if (path === "create") await trpc(path, () => client.flows.create.mutate({ text: doc }), doc);
            else if (path === "importYaml") await trpc(path, () => client.flows.importYaml.mutate({ yaml: doc, replace: true }), doc);
            else if (path === "validate") await trpc(path, () => client.flows.validate.query({ text: doc }), doc);
            else {
              const head = (await client.flows.get.query({ flowId: target.id })).version.number;
              await trpc(path, () => client.flows.save.mutate({ flowId: target.id, baseVersion: head, text: doc }), doc);
            }
          }
        }
      }),
    );

    expect(serverErrors.slice(0, 10)).toEqual([]);
    // Both kinds of answer happened: some documents were stored, most refused.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect([...statuses.entries()].filter(([status]) => status >= 400).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(DOCUMENTS / 2);

    // Every stored flow, and every version of the save target, opens.
    const unopenable: string[] = [];
    for (const flow of await everyPage((cursor) => client.flows.list.query({ includeDeleted: true, limit: 200, cursor }))) {
      try {
        await client.flows.get.query({ flowId: flow.id });
      } catch (err) {
        unopenable.push(`${flow.name}: ${(err as Error).message}`);
      }
    }
    for (const version of await everyPage((cursor) => client.flows.versions.query({ flowId: target.id, limit: 200, cursor }))) {
      try {
        await client.flows.get.query({ flowId: target.id, version: version.number });
      } catch (err) {
        unopenable.push(`SaveTarget v${version.number}: ${(err as Error).message}`);
      }
    }
    expect(unopenable).toEqual([]);
  }, 600_000);
});
