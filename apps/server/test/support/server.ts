// A real server on an ephemeral port with its own temp data dir (SQLite file) and workspace, and a
// real tRPC client over HTTP: httpBatchLink for queries and mutations, httpSubscriptionLink (SSE,
// EventSource from `eventsource` v4) for subscriptions.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FlowEvent } from "@crewflow/runtime";
import { type TRPCClient, createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";
import type { FastifyInstance } from "fastify";
import { type AppRouter, type ServerConfig, TRPC_MAX_BATCH_SIZE, createServer } from "../../src/app";
import { STEPS_MODULE } from "./fixtures";

export type Client = TRPCClient<AppRouter>;
export { type Collected, collect } from "./events";

export interface TestServer {
  app: FastifyInstance;
  url: string;
  root: string;
  dataDir: string;
  workspace: string;
  client: Client;
  close(): Promise<void>;
}

export function makeClient(url: string, token?: string, batch: { maxItems?: number } = {}): Client {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: `${url}/trpc`, EventSource, ...(token ? { connectionParams: { token } } : {}) }),
        false: httpBatchLink({
          url: `${url}/trpc`,
          maxURLLength: 4000,
          maxItems: batch.maxItems ?? TRPC_MAX_BATCH_SIZE,
          ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        }),
      }),
    ],
  });
}

export async function startServer(config: Partial<ServerConfig> = {}, root?: string): Promise<TestServer> {
  const dir = root ?? mkdtempSync(join(tmpdir(), "crewflow-server-"));
  const dataDir = config.dataDir ?? join(dir, "data");
  const workspace = config.workspace ?? join(dir, "workspace");
  mkdirSync(workspace, { recursive: true });
  const app = await createServer({ webDist: false, logger: false, config: { ...config, dataDir, workspace } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    root: dir,
    dataDir,
    workspace,
    client: makeClient(url, config.token ?? undefined),
    async close() {
      await app.close();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A server whose workspace has STEPS_MODULE as steps.mjs, for flows whose steps wait there (SLOW_FLOW). */
export async function startServerWithSteps(config: Partial<ServerConfig> = {}): Promise<TestServer> {
  const server = await startServer(config);
  writeFileSync(join(server.workspace, "steps.mjs"), STEPS_MODULE);
  return server;
}

/** Closes a server from startServer and removes its folder; nothing when it never started. */
export async function closeServer(server: TestServer | undefined): Promise<void> {
  await server?.close();
  if (server) removeDir(server.root);
}

/** Polls runs.get until the run leaves queued/running. */
export async function waitForRun(client: Client, runId: string, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.runs.get.query({ runId });
    if (run.status !== "queued" && run.status !== "running") return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${run.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The seqs of events, for gap/duplicate checks. */
export const seqs = (events: readonly FlowEvent[]) => events.map((e) => e.seq);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every item of a paged list: follows `nextCursor` until the last page. */
export async function everyPage<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
