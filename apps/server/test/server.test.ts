import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, assertWebDist, createServer, DEFAULT_WEB_DIST, WebDistMissingError, configFromEnv, isLoopback } from "../src/app";
import { makeClient } from "./support/server";

describe("server (real HTTP on an ephemeral port)", () => {
  let app: FastifyInstance;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    // turbo runs @crewflow/web#build before this task; say so plainly if it did not happen.
    assertWebDist(DEFAULT_WEB_DIST);
    dir = mkdtempSync(join(tmpdir(), "crewflow-web-"));
    app = await createServer({ webDist: DEFAULT_WEB_DIST, logger: false, config: { dataDir: join(dir, "data") } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
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

  it("serves the tRPC API and the kickoff API on the same port", async () => {
    const client = makeClient(base);
    expect(await client.flows.list.query()).toEqual({ items: [], nextCursor: null });
    const res = await fetch(`${base}/api/runs/none`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "NOT_FOUND" });
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

describe("configuration", () => {
  it("binds 127.0.0.1 by default and requires a token on any other address", () => {
    expect(configFromEnv({}).host).toBe("127.0.0.1");
    expect(configFromEnv({}).allowScripts).toBe(false);
    expect(configFromEnv({}).allowedModules).toEqual([]);
    expect(() => configFromEnv({ HOST: "0.0.0.0" })).toThrow(ConfigError);
    expect(() => configFromEnv({ HOST: "0.0.0.0" })).toThrow(/CREWFLOW_TOKEN/);
    expect(() => configFromEnv({ HOST: "::" })).toThrow(/CREWFLOW_TOKEN/);
    expect(() => configFromEnv({ HOST: "192.168.1.5", CREWFLOW_TOKEN: "short" })).toThrow(/16 characters/);
    expect(configFromEnv({ HOST: "0.0.0.0", CREWFLOW_TOKEN: "a-long-enough-token" }).token).toBe("a-long-enough-token");
    expect(configFromEnv({ PORT: "4000", CREWFLOW_ALLOW_MODULES: "node:path, lodash", CREWFLOW_ALLOW_SCRIPTS: "1", CREWFLOW_MAX_RUNS: "8" })).toMatchObject({
      port: 4000,
      allowedModules: ["node:path", "lodash"],
      allowScripts: true,
      maxConcurrentRuns: 8,
    });
    expect(() => configFromEnv({ PORT: "eighty" })).toThrow(/Invalid PORT/);
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "[::1]"]) expect(isLoopback(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "example.com"]) expect(isLoopback(host), host).toBe(false);
  });

  it("refuses to build a server bound to a public address without a token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crewflow-cfg-"));
    try {
      await expect(createServer({ webDist: false, config: { host: "0.0.0.0", dataDir: dir } })).rejects.toThrow(/CREWFLOW_TOKEN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
