// The README's curl examples for the HTTP kickoff API, run exactly as written (bash + curl) against a
// started server that requires a token.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, removeDir, startServer } from "./support/server";

const here = dirname(fileURLToPath(import.meta.url));
const SERVER_README = join(here, "../README.md");
const ROOT_README = join(here, "../../../README.md");
const TOKEN = "test-token-0123456789abcdef";
const SEPARATOR = "@@crewflow-block@@";

/** The ```sh blocks of the kickoff section (between its markers). */
function kickoffBlocks(markdown: string): string[] | null {
  const start = markdown.indexOf("<!-- kickoff-example:start -->");
  const end = markdown.indexOf("<!-- kickoff-example:end -->");
  if (start < 0 || end < start) return null;
  return [...markdown.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe("the README's kickoff API examples", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ token: TOKEN });
  });

  afterAll(async () => {
    await server?.close();
    if (server) removeDir(server.root);
  });

  it("work as written", async () => {
    const blocks = kickoffBlocks(readFileSync(SERVER_README, "utf8"));
    expect(blocks).toHaveLength(4);
    // The root README's copy, once the section is there, must be the same commands.
    const root = kickoffBlocks(readFileSync(ROOT_README, "utf8"));
    if (root) expect(root).toEqual(blocks);

    const script = ["set -euo pipefail", ...blocks!.map((block) => `${block}\necho ${SEPARATOR}`)].join("\n");
    const { stdout } = await promisify(execFile)("bash", ["-c", script], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CREWFLOW_URL: server.url, CREWFLOW_TOKEN: TOKEN },
      timeout: 60_000,
    });
    const [added, kicked, status, resumed] = stdout.split(`${SEPARATOR}\n`).map((s) => s.trim());

    expect(JSON.parse(added!)).toMatchObject({ name: "HelloReview", version: 1, warnings: [] });
    expect(kicked).toMatch(/^[0-9a-f-]{36}$/);
    const runId = kicked!;
    expect(JSON.parse(status!)).toMatchObject({
      runId,
      status: "paused",
      result: null,
      pending: { method: "draft", message: "Publish this draft?", emit: ["approved", "rejected"] },
    });
    const [resumeAnswer, final] = resumed!.split("\n");
    expect(JSON.parse(resumeAnswer!)).toMatchObject({ runId });
    expect(JSON.parse(final!)).toMatchObject({ runId, status: "completed", result: "published: A post about tRPC", flow: "HelloReview" });
  });

  it("refuses calls without the token, and explains errors as JSON", async () => {
    const unauthorized = await fetch(`${server.url}/api/flows/HelloReview/kickoff`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const missing = await fetch(`${server.url}/api/flows/NoSuchFlow/kickoff`, { method: "POST", headers: auth, body: "{}" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "NOT_FOUND" });
    const bad = await fetch(`${server.url}/api/flows/HelloReview/kickoff`, { method: "POST", headers: auth, body: '{"inputs": 5}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "BAD_REQUEST", problems: [{ path: "body.inputs" }] });
    const notJson = await fetch(`${server.url}/api/flows/HelloReview/kickoff`, { method: "POST", headers: auth, body: "{" });
    expect(notJson.status).toBe(400);
    expect(JSON.stringify(await notJson.json())).not.toMatch(/stack|node_modules/);
    const unknownRun = await fetch(`${server.url}/api/runs/nope`, { headers: auth });
    expect(unknownRun.status).toBe(404);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    // tRPC too: the token is required there.
    const trpc = await fetch(`${server.url}/trpc/flows.list`);
    expect(trpc.status).toBe(401);
  });
});
