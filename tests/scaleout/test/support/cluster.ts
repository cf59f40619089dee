// A scale-out cluster on loopback: API servers and `crewflow worker` processes as real child processes
// (each the node process itself, so a signal reaches it directly), a tRPC client per API server, and
// direct reads of the run database for exactly-once checks.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AppRouter } from "@crewflow/server";
import { type TRPCClient, createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";
import pg from "pg";
// The server's test flows and steps module, by path: this suite runs the same server.
import { STEPS_MODULE, slowFlow } from "../../../../apps/server/test/support/fixtures";
import { waitForOutput } from "./services";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../../../..");
const CLI = join(REPO, "packages/cli/src/bin.ts");
const API = join(HERE, "api-server.ts");

export type Client = TRPCClient<AppRouter>;
export type Backend = "postgres" | "redis";

export interface Proc {
  kind: "api" | "worker";
  child: ChildProcess;
  pid: number;
  /** Everything it printed so far. */
  output: () => string;
  exited: Promise<number | null>;
}

export interface Api extends Proc {
  url: string;
  client: Client;
}

export function makeClient(url: string): Client {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: `${url}/trpc`, EventSource }),
        false: httpBatchLink({ url: `${url}/trpc`, maxURLLength: 4000, maxItems: 50 }),
      }),
    ],
  });
}

/** Five steps that each wait `state.delay` ms (300) in a workspace module: a run a test can act in the middle of. */
export const SLOW_FLOW = (name: string) => slowFlow(name, 300);

/** Three expression steps: the bulk runs. */
export const QUICK_FLOW = (name: string) => `schema: crewai.flow/v1
name: ${name}
state:
  type: dict
  default: { topic: agents }
methods:
  draft:
    start: true
    do: { call: expression, expr: "'notes on ' + state.topic" }
  edit:
    listen: draft
    do: { call: expression, expr: "'edited ' + outputs.draft" }
  publish:
    listen: edit
    do: { call: expression, expr: "'published ' + outputs.edit" }
`;

export class Cluster {
  readonly apis: Api[] = [];
  readonly workers: Proc[] = [];
  readonly workspace: string;
  readonly db: pg.Pool;

  constructor(
    readonly backend: Backend,
    readonly databaseUrl: string,
    readonly redisUrl: string,
    readonly queue: string,
  ) {
    this.workspace = mkdtempSync(join(tmpdir(), "crewflow-scaleout-"));
    mkdirSync(this.workspace, { recursive: true });
    writeFileSync(join(this.workspace, "steps.mjs"), STEPS_MODULE);
    this.db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      CREWFLOW_EXECUTOR: "bullmq",
      CREWFLOW_QUEUE_BACKEND: this.backend,
      CREWFLOW_REDIS_URL: this.redisUrl,
      CREWFLOW_QUEUE: this.queue,
      CREWFLOW_WORKSPACE: this.workspace,
      // Fast hand-over in tests: a stopped or dead worker's job moves on after ~2-3 s.
      CREWFLOW_LOCK_MS: "2000",
      CREWFLOW_STALLED_MS: "1000",
      CREWFLOW_RECONCILE_MS: "1000",
      CREWFLOW_SHUTDOWN_GRACE_MS: "5000",
      CREWFLOW_WORKER_CONCURRENCY: "16",
      OPENAI_API_KEY: "",
      OPENAI_BASE_URL: "",
      ...extra,
    };
  }

  private spawnNode(kind: Proc["kind"], args: string[], env: NodeJS.ProcessEnv): Proc {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { kind, child, pid: child.pid!, output: () => text, exited };
  }

  async startApi(): Promise<Api> {
    const proc = this.spawnNode("api", [API], this.env());
    const line = await waitForOutput(proc.child, /api listening (http:\/\/[\d.:]+)/, 300_000);
    const url = line.match(/http:\/\/[\d.:]+/)![0];
    const api = { ...proc, url, client: makeClient(url) };
    this.apis.push(api);
    return api;
  }

  async startWorker(extra: NodeJS.ProcessEnv = {}): Promise<Proc> {
    const proc = this.spawnNode("worker", [CLI, "worker"], this.env(extra));
    await waitForOutput(proc.child, /crewflow worker ready/, 300_000);
    this.workers.push(proc);
    return proc;
  }

  /** SIGTERM (graceful) and wait (SIGKILL after 20 s, so a hung process never outlives the suite); returns what it printed. */
  async stop(proc: Proc): Promise<string> {
    proc.child.kill("SIGTERM");
    const timer = setTimeout(() => proc.child.kill("SIGKILL"), 20_000);
    await proc.exited;
    clearTimeout(timer);
    this.forget(proc);
    return proc.output();
  }

  forget(proc: Proc): void {
    const list: Proc[] = proc.kind === "api" ? this.apis : this.workers;
    const i = list.indexOf(proc);
    if (i >= 0) list.splice(i, 1);
  }

  async stopAll(): Promise<void> {
    for (const proc of [...this.apis, ...this.workers]) if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill("SIGCONT");
    await Promise.all([...this.apis, ...this.workers].map((p) => this.stop(p)));
  }

  async close(): Promise<void> {
    await this.stopAll().catch(() => undefined);
    await this.db.end();
  }

  // ---- the database, read directly ------------------------------------------------------------------

  async statuses(runIds: string[]): Promise<Map<string, string>> {
    const { rows } = await this.db.query<{ id: string; status: string }>("SELECT id, status FROM runs WHERE id = ANY($1)", [runIds]);
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  /** Waits until every run has one of `statuses` (checked in the database). */
  async waitFor(runIds: string[], statuses: string[], ms = 300_000): Promise<Map<string, string>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const now = await this.statuses(runIds);
      if (runIds.every((id) => statuses.includes(now.get(id) ?? ""))) return now;
      if (Date.now() > deadline) {
        const counts: Record<string, number> = {};
        for (const id of runIds) counts[now.get(id) ?? "missing"] = (counts[now.get(id) ?? "missing"] ?? 0) + 1;
        throw new Error(`runs did not reach ${statuses.join("/")}: ${JSON.stringify(counts)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs that did not complete, with their status and error (empty when all completed). */
  async failures(runIds: string[]): Promise<{ id: string; status: string; error: unknown }[]> {
    const { rows } = await this.db.query<{ id: string; status: string; error: unknown }>(
      "SELECT id, status, error FROM runs WHERE id = ANY($1) AND status <> 'completed'",
      [runIds],
    );
    return rows;
  }

  /** Per run: its committed steps ("method:status") in order, whether its seqs are 1..n, its lease. */
  async logs(runIds: string[]): Promise<Map<string, { steps: string[]; gapFree: boolean; events: number; lease: number }>> {
    const { rows } = await this.db.query<{ run_id: string; seq: number; method: string | null; status: string | null }>(
      "SELECT run_id, seq, method, status FROM run_events WHERE run_id = ANY($1) ORDER BY run_id, seq",
      [runIds],
    );
    const leases = await this.db.query<{ id: string; lease: number }>("SELECT id, lease FROM runs WHERE id = ANY($1)", [runIds]);
    const out = new Map<string, { steps: string[]; gapFree: boolean; events: number; lease: number }>();
    for (const { id, lease } of leases.rows) out.set(id, { steps: [], gapFree: true, events: 0, lease });
    for (const row of rows) {
      const log = out.get(row.run_id)!;
      log.events++;
      if (row.seq !== log.events) log.gapFree = false;
      if (row.status !== null) log.steps.push(`${row.method}:${row.status}`);
    }
    return out;
  }
}
