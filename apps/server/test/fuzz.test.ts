// 1,000 random malformed payloads to every procedure (and to the HTTP kickoff routes): each answer is
// a 4xx-class error, the server stays up, and nothing stored changes (a snapshot of every table
// before and after). Payloads are JSON values and mutated valid inputs that the procedure's schema
// rejects (fast-check, fixed seed).
import { sqliteTableDump } from "@crewflow/store-prisma/testing";
import { TRPCClientError } from "@trpc/client";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { AppRouter } from "../src/app";
import { eventsInput, feedbackInput, flowsInput, runsInput } from "../src/api/schemas";
import { kickoffBody, resumeBody } from "../src/http/kickoff";
import { QUICK_FLOW, REVIEW_FLOW } from "./support/fixtures";
import { type Client, type TestServer, collect, makeClient, removeDir, startServer, waitForRun } from "./support/server";

const PAYLOADS = 1000;

interface Target {
  name: string;
  schema: z.ZodType;
  /** A valid input, mutated into invalid ones. */
  valid: unknown;
  call: (client: Client, input: unknown) => Promise<unknown>;
}

/** Every row of every table (SQLite), in a stable order: what "nothing saved changes" compares. */
const snapshot = (dataDir: string): Promise<string> => sqliteTableDump(dataDir);

/** Schema-invalid payloads: random JSON, and valid inputs with one field replaced, removed or added. */
function malformed(target: Target, seed: number): unknown[] {
  const json = fc.jsonValue({ maxDepth: 3 });
  const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("runId", "flowId", "text", "inputs", "at", "patch", "limit", "cursor", "version", "__proto__", "constructor"));
  const valid = target.valid as Record<string, unknown>;
  const keys = valid && typeof valid === "object" ? Object.keys(valid) : [];
  const mutated = fc.tuple(fc.constantFrom(...(keys.length ? keys : ["x"])), key, json, fc.nat(2)).map(([field, extra, value, how]) => {
    const copy: Record<string, unknown> = { ...valid };
    if (how === 0) copy[field] = value;
    else if (how === 1) delete copy[field];
    else copy[extra] = value;
    return copy;
  });
  const arbitrary = fc.oneof(json, mutated, fc.dictionary(key, json, { maxKeys: 4 }));
  const out: unknown[] = [];
  for (let round = 0; out.length < PAYLOADS && round < 50; round++) {
    for (const value of fc.sample(arbitrary, { numRuns: PAYLOADS * 2, seed: seed + round })) {
      const wire: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
      if (!target.schema.safeParse(wire).success) out.push(wire);
      if (out.length === PAYLOADS) break;
    }
  }
  return out;
}

describe("malformed payloads", () => {
  let server: TestServer;
  let client: Client;
  const ids = { flowId: "", runId: "", paused: "" };

  beforeAll(async () => {
    server = await startServer();
    // One request per batch keeps every answer separate from the others.
    client = makeClient(server.url, undefined, { maxItems: 1 });
    const { flow } = await server.client.flows.create.mutate({ text: QUICK_FLOW });
    const { runId } = await server.client.runs.start.mutate({ flowId: flow.id, inputs: { topic: "fuzz" } });
    await waitForRun(server.client, runId);
    const review = await server.client.flows.create.mutate({ text: REVIEW_FLOW });
    const paused = await server.client.runs.start.mutate({ flowId: review.flow.id });
    await collect(server.client, paused.runId);
    Object.assign(ids, { flowId: flow.id, runId, paused: paused.runId });
  });

  afterAll(async () => {
    await server?.close();
    if (server) removeDir(server.root);
  });

  it("answers each with a 4xx tRPC error, stays up, and changes nothing stored", async () => {
    const text = QUICK_FLOW;
    const targets: Target[] = [
      { name: "flows.list", schema: flowsInput.list, valid: { includeDeleted: true }, call: (c, i) => c.flows.list.query(i as never) },
      { name: "flows.get", schema: flowsInput.get, valid: { flowId: ids.flowId, version: 1 }, call: (c, i) => c.flows.get.query(i as never) },
      { name: "flows.create", schema: flowsInput.create, valid: { text }, call: (c, i) => c.flows.create.mutate(i as never) },
      { name: "flows.save", schema: flowsInput.save, valid: { flowId: ids.flowId, baseVersion: 1, text }, call: (c, i) => c.flows.save.mutate(i as never) },
      { name: "flows.versions", schema: flowsInput.versions, valid: { flowId: ids.flowId }, call: (c, i) => c.flows.versions.query(i as never) },
      { name: "flows.diffVersions", schema: flowsInput.diffVersions, valid: { flowId: ids.flowId, from: 1, to: 1 }, call: (c, i) => c.flows.diffVersions.query(i as never) },
      { name: "flows.delete", schema: flowsInput.delete, valid: { flowId: ids.flowId }, call: (c, i) => c.flows.delete.mutate(i as never) },
      { name: "flows.restore", schema: flowsInput.restore, valid: { flowId: ids.flowId }, call: (c, i) => c.flows.restore.mutate(i as never) },
      { name: "flows.importYaml", schema: flowsInput.importYaml, valid: { yaml: text, replace: true }, call: (c, i) => c.flows.importYaml.mutate(i as never) },
      { name: "flows.exportYaml", schema: flowsInput.exportYaml, valid: { flowId: ids.flowId, version: 1 }, call: (c, i) => c.flows.exportYaml.query(i as never) },
      { name: "flows.validate", schema: flowsInput.validate, valid: { text }, call: (c, i) => c.flows.validate.query(i as never) },
      { name: "runs.start", schema: runsInput.start, valid: { flowId: ids.flowId, version: 1, inputs: { topic: "x" } }, call: (c, i) => c.runs.start.mutate(i as never) },
      { name: "runs.cancel", schema: runsInput.cancel, valid: { runId: ids.runId }, call: (c, i) => c.runs.cancel.mutate(i as never) },
      { name: "runs.resume", schema: runsInput.resume, valid: { runId: ids.paused, feedback: "approved" }, call: (c, i) => c.runs.resume.mutate(i as never) },
      {
        name: "runs.fork",
        schema: runsInput.fork,
        valid: { runId: ids.runId, at: { step: 1 }, patch: [{ op: "replace", path: "/topic", value: "y" }] },
        call: (c, i) => c.runs.fork.mutate(i as never),
      },
      { name: "runs.replay", schema: runsInput.replay, valid: { runId: ids.runId }, call: (c, i) => c.runs.replay.mutate(i as never) },
      { name: "runs.list", schema: runsInput.list, valid: { flowId: ids.flowId, status: "completed", limit: 5 }, call: (c, i) => c.runs.list.query(i as never) },
      { name: "runs.get", schema: runsInput.get, valid: { runId: ids.runId }, call: (c, i) => c.runs.get.query(i as never) },
      { name: "runs.steps", schema: runsInput.steps, valid: { runId: ids.runId }, call: (c, i) => c.runs.steps.query(i as never) },
      { name: "runs.stateAt", schema: runsInput.stateAt, valid: { runId: ids.runId, at: { seq: 3 } }, call: (c, i) => c.runs.stateAt.query(i as never) },
      { name: "runs.diffSteps", schema: runsInput.diffSteps, valid: { runId: ids.runId, from: { step: 1 }, to: { step: 2 } }, call: (c, i) => c.runs.diffSteps.query(i as never) },
      { name: "runs.diffRuns", schema: runsInput.diffRuns, valid: { left: ids.runId, right: ids.runId }, call: (c, i) => c.runs.diffRuns.query(i as never) },
      { name: "runs.lineage", schema: runsInput.lineage, valid: { runId: ids.runId }, call: (c, i) => c.runs.lineage.query(i as never) },
      { name: "feedback.pending", schema: feedbackInput.pending, valid: { flowId: ids.flowId }, call: (c, i) => c.feedback.pending.query(i as never) },
      { name: "feedback.submit", schema: feedbackInput.submit, valid: { runId: ids.paused, feedback: "approved" }, call: (c, i) => c.feedback.submit.mutate(i as never) },
      {
        name: "events.run",
        schema: eventsInput.run,
        valid: { runId: ids.runId, lastEventId: "2" },
        call: async (c, i) => {
          const got = await new Promise<unknown>((resolve) => {
            const sub = c.events.run.subscribe(i as never, {
              onData: () => undefined,
              onError: (err) => (sub.unsubscribe(), resolve(err)),
              onComplete: () => resolve(new Error("completed: the payload was accepted")),
            });
          });
          throw got;
        },
      },
      {
        name: "events.live",
        schema: eventsInput.live,
        valid: { runId: ids.runId },
        call: async (c, i) => {
          const got = await new Promise<unknown>((resolve) => {
            const sub = c.events.live.subscribe(i as never, {
              onData: () => undefined,
              onError: (err) => (sub.unsubscribe(), resolve(err)),
              onComplete: () => resolve(new Error("completed: the payload was accepted")),
            });
          });
          throw got;
        },
      },
    ];

    const before = await snapshot(server.dataDir);
    const seen = new Map<string, Set<number>>();
    for (const [index, target] of targets.entries()) {
      const payloads = malformed(target, 1000 + index);
      expect(payloads.length, target.name).toBe(PAYLOADS);
      const statuses = new Set<number>();
      const chunk = target.name.startsWith("events.") ? 25 : 100;
      for (let i = 0; i < payloads.length; i += chunk) {
        const answers = await Promise.all(payloads.slice(i, i + chunk).map((p) => target.call(client, p).then(() => null, (err: unknown) => err)));
        for (const [j, err] of answers.entries()) {
          const payload = JSON.stringify(payloads[i + j]);
          expect(err, `${target.name} accepted ${payload}`).toBeInstanceOf(TRPCClientError);
          const data = (err as TRPCClientError<AppRouter>).data;
          expect(data?.httpStatus, `${target.name} ${payload}: ${(err as Error).message}`).toBeGreaterThanOrEqual(400);
          expect(data!.httpStatus).toBeLessThan(500);
          expect(JSON.stringify(data)).not.toMatch(/"stack"|node_modules/);
          statuses.add(data!.httpStatus);
        }
      }
      seen.set(target.name, statuses);
      expect((await fetch(`${server.url}/api/health`)).status, `server up after ${target.name}`).toBe(200);
    }
    for (const [name, statuses] of seen) expect([...statuses], name).toEqual([400]);

    // The HTTP kickoff API: malformed bodies and ids.
    const routes = [
      { url: `${server.url}/api/flows/${ids.flowId}/kickoff`, schema: kickoffBody },
      { url: `${server.url}/api/runs/${ids.paused}/resume`, schema: resumeBody },
    ];
    const bodies = fc
      .sample(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom("inputs", "feedback", "x"), fc.jsonValue({ maxDepth: 2 }))), { numRuns: PAYLOADS * 4, seed: 7 })
      .flatMap((value, i) => {
        const route = routes[i % 2]!;
        return route.schema.safeParse(value).success ? [] : [{ url: route.url, body: JSON.stringify(value) }];
      })
      .slice(0, PAYLOADS * 2);
    expect(bodies.length).toBe(PAYLOADS * 2);
    for (let i = 0; i < bodies.length; i += 100) {
      const statuses = await Promise.all(
        bodies.slice(i, i + 100).map(async ({ url, body }) => {
          const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
          return res.status;
        }),
      );
      for (const status of statuses) expect(status >= 400 && status < 500, `status ${status}`).toBe(true);
    }

    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect(await snapshot(server.dataDir)).toBe(before);
  }, 600_000);
});
