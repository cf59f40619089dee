// A hostile caller against a real server that requires a token: encoded and odd spellings of every
// route's path, cross-origin browser requests, preflight-free content types and foreign Host headers.
// Every check is on what the router matched, so no spelling may reach a protected route.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/api/root";
import { QUICK_FLOW } from "./support/fixtures";
import { type TestServer, removeDir, startServer } from "./support/server";

const TOKEN = "test-token-0123456789abcdef";

interface RawResponse {
  status: number;
  body: string;
}

/** A request with the path sent byte for byte as given (fetch would normalise it). */
function raw(server: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const pct = (ch: string, upper: boolean) => {
  const hex = ch.charCodeAt(0).toString(16).padStart(2, "0");
  return `%${upper ? hex.toUpperCase() : hex.toLowerCase()}`;
};

/** Spellings of one path a lenient router or a prefix check might treat as the same route. */
export function pathVariants(path: string): string[] {
  const out = new Set<string>([path]);
  for (let i = 0; i < path.length; i += 1) {
    const ch = path[i]!;
    for (const upper of [true, false]) out.add(path.slice(0, i) + pct(ch, upper) + path.slice(i + 1));
    if (ch === "/") out.add(`${path.slice(0, i)}//${path.slice(i + 1)}`);
    if (/[a-z]/.test(ch)) out.add(path.slice(0, i) + ch.toUpperCase() + path.slice(i + 1));
  }
  const segments = path.split("/");
  for (let i = 1; i < segments.length; i += 1) {
    const with_ = (replacement: string) => [...segments.slice(0, i), replacement, ...segments.slice(i + 1)].join("/");
    out.add(with_(`${segments[i]};x=1`));
    out.add(with_(`./${segments[i]}`));
    out.add(with_(`x/../${segments[i]}`));
    out.add(with_(`${segments[i]}%2f`));
  }
  out.add(`${path}/`);
  out.add(`${path}/.`);
  out.add(`${path}?`);
  out.add(`${path}#x`);
  out.add(path.toUpperCase());
  out.add(`/.${path}`);
  out.add(`/%2e${path}`);
  return [...out];
}

describe("a server with a token, attacked", () => {
  let server: TestServer;
  let flowId: string;
  let runId: string;

  beforeAll(async () => {
    server = await startServer({ token: TOKEN });
    const created = await server.client.flows.create.mutate({ text: QUICK_FLOW });
    flowId = created.flow.id;
    const started = await server.client.runs.start.mutate({ flowId });
    runId = started.runId;
    await server.app.crewflow.runs.settle(runId, 30_000);
  });

  afterAll(async () => {
    await server?.close();
    if (server) removeDir(server.root);
  });

  it("answers no spelling of any protected route without the token (path fuzz over every route)", async () => {
    const routes = server.app.crewflowRoutes.filter((r) => r.method !== "HEAD" && r.url !== "/api/health");
    expect(routes.some((r) => r.url === "/api/flows/:id/kickoff")).toBe(true);
    const concrete = (url: string) => url.replace(":id", url.includes("runs") ? runId : flowId).replace(":path", "flows.list");
    let sent = 0;
    const admitted: string[] = [];
    for (const route of routes) {
      for (const path of pathVariants(concrete(route.url))) {
        const headers: Record<string, string> = route.method === "POST" ? { "content-type": "application/json" } : {};
        // A request-target Node's parser rejects (`%2fapi/…`) ends the connection with no answer: refused.
        const response = await raw(server, route.method, path, headers, route.method === "POST" ? "{}" : undefined).catch(() => null);
        sent += 1;
        if (response && response.status < 400) admitted.push(`${route.method} ${path} → ${response.status}`);
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(admitted).toEqual([]);
    // The same flows.list over tRPC with the token does answer: the fuzz would have seen a bypass.
    expect((await raw(server, "GET", "/trpc/flows.list", { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it("refuses every tRPC procedure without the token, under encoded spellings too", async () => {
    const names = Object.keys(appRouter._def.procedures);
    expect(names.length).toBeGreaterThan(10);
    const admitted: string[] = [];
    for (const name of names) {
      for (const path of [`/trpc/${name}`, `/%74rpc/${name}`, `/trpc/${name.replace(".", "%2e")}`, `/trpc/${name}?batch=1&input=%7B%7D`]) {
        for (const method of ["GET", "POST"]) {
          const response = await raw(server, method, path, method === "POST" ? { "content-type": "application/json" } : {}, method === "POST" ? "{}" : undefined);
          if (response.status < 400) admitted.push(`${method} ${path} → ${response.status}`);
        }
      }
    }
    expect(admitted).toEqual([]);
  });

  it("refuses cross-origin browser requests, even with the token, and creates nothing", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const before = (await server.client.flows.list.query({ limit: 200 })).items.length;
    const runsBefore = (await server.client.runs.list.query({})).items.length;
    const yaml = QUICK_FLOW.replace(/^name: .*$/m, "name: FromEvilPage");
    const attempts: [string, string, Record<string, string>, string | undefined][] = [
      ["POST", "/api/flows", { ...auth, "content-type": "text/plain" }, yaml],
      ["POST", "/api/flows", { ...auth, "content-type": "application/x-www-form-urlencoded" }, `a=${encodeURIComponent(yaml)}`],
      ["POST", "/api/flows", { ...auth, "content-type": "multipart/form-data; boundary=x" }, `--x\r\n\r\n${yaml}\r\n--x--`],
      ["POST", "/api/flows", { ...auth, "content-type": "application/yaml", origin: "http://evil.example" }, yaml],
      ["POST", `/api/flows/${flowId}/kickoff`, { ...auth, origin: "http://evil.example" }, undefined],
      ["POST", `/api/flows/${flowId}/kickoff`, { ...auth, "sec-fetch-site": "cross-site" }, undefined],
      ["POST", `/api/flows/${flowId}/kickoff`, { ...auth, "sec-fetch-site": "same-site" }, undefined],
      ["POST", `/api/flows/${flowId}/kickoff`, { ...auth, origin: "null" }, undefined],
      ["POST", `/api/runs/${runId}/resume`, { ...auth, origin: "http://127.0.0.1:1" }, undefined],
      ["POST", "/trpc/runs.start", { ...auth, "content-type": "application/json", origin: "http://evil.example" }, JSON.stringify({ flowId })],
      ["POST", "/trpc/runs.start", { ...auth, "content-type": "text/plain" }, JSON.stringify({ flowId })],
      ["GET", "/trpc/flows.list", { ...auth, "sec-fetch-site": "cross-site" }, undefined],
      ["GET", `/api/runs/${runId}`, { ...auth, "sec-fetch-site": "cross-site" }, undefined],
    ];
    for (const [method, path, headers, body] of attempts) {
      const response = await raw(server, method, path, headers, body);
      expect([403, 415], `${method} ${path} ${JSON.stringify(headers)} → ${response.status} ${response.body}`).toContain(response.status);
    }
    expect((await server.client.flows.list.query({ limit: 200 })).items.length).toBe(before);
    expect((await server.client.runs.list.query({})).items.length).toBe(runsBefore);

    // The same requests from the app's own origin go through.
    const own = { ...auth, origin: server.url, "sec-fetch-site": "same-origin" };
    expect((await raw(server, "POST", `/api/flows/${flowId}/kickoff`, own)).status).toBe(202);
    expect((await raw(server, "GET", "/trpc/flows.list", own)).status).toBe(200);
  });

  it("refuses a foreign Host header (DNS rebinding) on every route", async () => {
    for (const path of ["/api/health", "/trpc/flows.list", `/api/runs/${runId}`]) {
      const response = await raw(server, "GET", path, { host: "evil.example", authorization: `Bearer ${TOKEN}` });
      expect(response.status, path).toBe(403);
      expect(response.body).toContain("CREWFLOW_ALLOWED_HOSTS");
    }
    for (const host of ["localhost", "127.0.0.1:9", "[::1]:3000", "app.localhost"]) {
      expect((await raw(server, "GET", "/api/health", { host })).status, host).toBe(200);
    }
  });
});

describe("bounded tRPC batches", () => {
  it("answers a batch of more than 50 calls with a 400, and one of 50 normally", async () => {
    const server = await startServer();
    try {
      const batch = (n: number) => {
        const names = Array.from({ length: n }, () => "flows.list").join(",");
        const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]))));
        return raw(server, "GET", `/trpc/${names}?batch=1&input=${input}`);
      };
      expect((await batch(50)).status).toBe(200);
      const refused = await batch(51);
      expect(refused.status).toBe(400);
    } finally {
      await server.close();
      removeDir(server.root);
    }
  });
});

describe("CREWFLOW_ALLOWED_HOSTS", () => {
  it("lets a named host through, and no other", async () => {
    const server = await startServer({ allowedHosts: ["crewflow.example.com"] });
    try {
      expect((await raw(server, "GET", "/api/health", { host: "crewflow.example.com" })).status).toBe(200);
      expect((await raw(server, "GET", "/api/health", { host: "crewflow.example.com.evil.example" })).status).toBe(403);
    } finally {
      await server.close();
      removeDir(server.root);
    }
  });
});
