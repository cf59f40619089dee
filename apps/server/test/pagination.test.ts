// Every list the API returns comes in bounded pages: flows.list, flows.versions, feedback.pending
// (and runs.list) take `limit` (default 50, at most 200) and `cursor`, and answer `{ items, nextCursor }`.
// A real server over HTTP, with more items than one page holds.
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../src/app";
import { templateText } from "../src/core/flows";
import { REVIEW_FLOW } from "./support/fixtures";
import { type TestServer, removeDir, startServer, waitForRun } from "./support/server";

const errorOf = (err: unknown) => {
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  return { code: e.data?.code, status: e.data?.httpStatus, message: e.message };
};

/** Every page, `limit` at a time, with the size of each page. */
async function pages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    sizes.push(page.items.length);
    if (page.nextCursor === null) return { items, sizes };
    expect(sizes.length).toBeLessThan(100);
    cursor = page.nextCursor;
  }
}

describe("paged lists over HTTP", () => {
  let server: TestServer;
  const names = Array.from({ length: 120 }, (_, i) => `Paged-${String(i).padStart(3, "0")}`);

  beforeAll(async () => {
    server = await startServer();
    // Created out of name order, ten at a time.
    const order = [...names].reverse();
    for (let i = 0; i < order.length; i += 10) await Promise.all(order.slice(i, i + 10).map((name) => server.client.flows.create.mutate({ name })));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) removeDir(server.root);
  });

  it("pages 120 flows by name, 50 at a time, each once; deleted ones only when asked", async () => {
    const { client } = server;
    const first = await client.flows.list.query();
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).toEqual(expect.any(String));

    const all = await pages((cursor) => client.flows.list.query({ limit: 50, cursor }));
    expect(all.sizes).toEqual([50, 50, 20]);
    expect(all.items.map((f) => f.name)).toEqual(names);
    expect(new Set(all.items.map((f) => f.id)).size).toBe(120);
    expect(all.items[0]).toMatchObject({ head: { number: 1 }, versionCount: 1, deleted: false });

    const gone = all.items.filter((_, i) => i % 40 === 7);
    for (const flow of gone) await client.flows.delete.mutate({ flowId: flow.id });
    const live = await pages((cursor) => client.flows.list.query({ limit: 50, cursor }));
    expect(live.items.map((f) => f.name)).toEqual(names.filter((n) => !gone.some((g) => g.name === n)));
    const every = await pages((cursor) => client.flows.list.query({ includeDeleted: true, limit: 50, cursor }));
    expect(every.items.map((f) => f.name)).toEqual(names);
    expect(every.items.filter((f) => f.deleted).map((f) => f.id)).toEqual(gone.map((g) => g.id));
    for (const flow of gone) await client.flows.restore.mutate({ flowId: flow.id });
  });

  it("a flow created between two pages shows on a later page; none repeats", async () => {
    const { client } = server;
    const one = await client.flows.list.query({ limit: 50 });
    await client.flows.create.mutate({ name: "Paged-zzz" }); // sorts after every flow of the first page
    const rest = await pages((cursor) => client.flows.list.query({ limit: 50, cursor: cursor ?? one.nextCursor! }));
    const seen = [...one.items, ...rest.items].map((f) => f.name);
    expect(seen).toEqual([...names, "Paged-zzz"]);
  });

  it("pages 60 versions of a flow newest first, 50 at a time", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ name: "Versioned" });
    for (let v = 2; v <= 60; v++)
      await client.flows.save.mutate({ flowId: flow.id, baseVersion: v - 1, text: templateText("Versioned").replace("topic: AI agents", `topic: v${v}`) });

    const first = await client.flows.versions.query({ flowId: flow.id });
    expect(first.flow).toMatchObject({ id: flow.id, versionCount: 60, head: { number: 60 } });
    expect(first.items).toHaveLength(50);

    const all = await pages((cursor) => client.flows.versions.query({ flowId: flow.id, limit: 50, cursor }));
    expect(all.sizes).toEqual([50, 10]);
    expect(all.items.map((v) => v.number)).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
    expect(new Set(all.items.map((v) => v.id)).size).toBe(60);
  }, 120_000);

  it("pages 30 paused runs oldest first, each once", async () => {
    const { client } = server;
    const { flow } = await client.flows.create.mutate({ text: REVIEW_FLOW });
    const runIds: string[] = [];
    for (let i = 0; i < 30; i += 10) {
      const started = await Promise.all(Array.from({ length: 10 }, (_, j) => client.runs.start.mutate({ flowId: flow.id, inputs: { topic: `t${i + j}` } })));
      runIds.push(...started.map((s) => s.runId));
      for (const s of started) expect((await waitForRun(client, s.runId, 60_000)).status).toBe("paused");
    }

    const one = await pages((cursor) => client.feedback.pending.query({ flowId: flow.id, limit: 50, cursor }));
    expect(one.sizes).toEqual([30]);
    expect(new Set(one.items.map((p) => p.runId))).toEqual(new Set(runIds));
    expect(one.items[0]).toMatchObject({ flowId: flow.id, flowName: "ReviewFlow", method: "draft", message: "Review the draft:" });

    const small = await pages((cursor) => client.feedback.pending.query({ flowId: flow.id, limit: 7, cursor }));
    expect(small.sizes).toEqual([7, 7, 7, 7, 2]);
    expect(small.items.map((p) => p.runId)).toEqual(one.items.map((p) => p.runId));

    // Without a flow filter: the same runs, in the same order, by default 50 to a page.
    const everyFlow = await client.feedback.pending.query();
    expect(everyFlow.items.map((p) => p.runId)).toEqual(one.items.map((p) => p.runId));
    expect(everyFlow.nextCursor).toBeNull();

    // An answered run leaves the list; the rest page on from the same cursor.
    const head = await client.feedback.pending.query({ flowId: flow.id, limit: 10 });
    await client.feedback.submit.mutate({ runId: one.items[12]!.runId, feedback: "approved" });
    await waitForRun(client, one.items[12]!.runId, 60_000);
    const tail = await pages((cursor) => client.feedback.pending.query({ flowId: flow.id, limit: 10, cursor: cursor ?? head.nextCursor! }));
    expect([...head.items, ...tail.items].map((p) => p.runId)).toEqual(one.items.map((p) => p.runId).filter((id) => id !== one.items[12]!.runId));
  }, 240_000);

  it("refuses a limit over 200 (naming the limit) and a cursor no page gave out", async () => {
    const { client } = server;
    const flowId = (await client.flows.list.query({ limit: 1 })).items[0]!.id;
    const calls: [string, (input: { limit?: number; cursor?: string }) => Promise<unknown>][] = [
      ["flows.list", (input) => client.flows.list.query(input)],
      ["flows.versions", (input) => client.flows.versions.query({ flowId, ...input })],
      ["feedback.pending", (input) => client.feedback.pending.query(input)],
      ["runs.list", (input) => client.runs.list.query(input)],
    ];
    for (const [name, call] of calls) {
      const tooMany = errorOf(await call({ limit: 201 }).catch((e: unknown) => e));
      expect(tooMany, name).toMatchObject({ code: "BAD_REQUEST", status: 400 });
      expect(tooMany.message, name).toMatch(/limit: must be at most 200/);
      expect(errorOf(await call({ limit: 0 }).catch((e: unknown) => e)).status, name).toBe(400);
      await expect(call({ limit: 200 }), name).resolves.toBeDefined();
    }
    for (const [name, call] of calls.slice(0, 3)) {
      for (const cursor of ["nonsense", "eyJ4Ijo1fQ", Buffer.from(JSON.stringify(["flows", 5])).toString("base64url")]) {
        const bad = errorOf(await call({ limit: 5, cursor }).catch((e: unknown) => e));
        expect(bad, `${name} ${cursor}`).toMatchObject({ code: "BAD_REQUEST", status: 400 });
        expect(bad.message, name).toMatch(/cursor is not valid/);
      }
    }
    // A cursor of one list is refused by another.
    const flowsCursor = (await client.flows.list.query({ limit: 1 })).nextCursor!;
    for (const [name, call] of calls.slice(1, 3)) expect(errorOf(await call({ cursor: flowsCursor }).catch((e: unknown) => e)).status, name).toBe(400);

    // As plain HTTP: a 400 with the message, not a 500.
    const res = await fetch(`${server.url}/trpc/flows.list?input=${encodeURIComponent(JSON.stringify({ cursor: "nonsense" }))}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/cursor is not valid for flows/);
  });
});
