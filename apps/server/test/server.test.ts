import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertWebDist, createServer, DEFAULT_WEB_DIST, WebDistMissingError } from "../src/app";

describe("server (real HTTP on an ephemeral port)", () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    // turbo runs @crewflow/web#build before this task; say so plainly if it did not happen.
    assertWebDist(DEFAULT_WEB_DIST);
    app = await createServer({ webDist: DEFAULT_WEB_DIST, logger: false });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it("serves the web app's index.html and the JS it references", async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<div id="root">');
    expect(html).toContain("<title>Crewflow</title>");

    const script = /<script[^>]*\bsrc="([^"]+\.js)"/.exec(html)?.[1];
    expect(script, "index.html references a JS asset").toBeDefined();
    const js = await fetch(new URL(script as string, `${base}/`));
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect((await js.text()).length).toBeGreaterThan(1000);
  });

  it("answers GET /api/health with {ok:true}", async () => {
    const res = await fetch(`${base}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("answers 404 for unknown API paths and the app for unknown pages", async () => {
    const api = await fetch(`${base}/api/nope`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(404);
    const page = await fetch(`${base}/flows/abc`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const asset = await fetch(`${base}/assets/missing.js`);
    expect(asset.status).toBe(404);
  });
});

describe("createServer without a built web app", () => {
  it("fails with a message that says to build the web app", async () => {
    const empty = mkdtempSync(join(tmpdir(), "crewflow-nodist-"));
    try {
      await expect(createServer({ webDist: empty })).rejects.toThrow(WebDistMissingError);
      await expect(createServer({ webDist: empty })).rejects.toThrow(/pnpm --filter @crewflow\/web build/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
