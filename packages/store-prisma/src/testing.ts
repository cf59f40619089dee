// Test support (a `./testing` subpath; it needs this package's devDependencies): a PostgreSQL for the
// Postgres half of the persistence suite. With CREWFLOW_TEST_PG_URL set (CI: Debian's postgresql on
// 127.0.0.1) it creates a fresh database on that server; otherwise it starts an embedded PostgreSQL from
// npm (in-memory PGlite behind pglite-socket, reached through @prisma/adapter-pg like a real server),
// so `pnpm test` needs nothing but Node and runs every test.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { RunRecord } from "@crewflow/runtime";

export interface TestPostgres {
  url: string;
  /** "server" (CREWFLOW_TEST_PG_URL) or "pglite" (embedded). */
  kind: "server" | "pglite";
  /** Pool size clients should use: an embedded PGlite socket needs 1 (STACK.md §5c). */
  poolMax: number;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const server = process.env.CREWFLOW_TEST_PG_URL;
  return server ? freshDatabase(server) : embedded();
}

async function freshDatabase(serverUrl: string): Promise<TestPostgres> {
  const name = `crewflow_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: "server",
    poolMax: 10,
    async stop() {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

async function embedded(): Promise<TestPostgres> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([import("@electric-sql/pglite"), import("@electric-sql/pglite-socket")]);
  const db = await PGlite.create(); // in memory: nothing on disk to corrupt if the process is killed
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 64 });
  serializeSessions(server, db);
  await server.start();
  const [, port] = server.getServerConn().split(":");
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    kind: "pglite",
    poolMax: 1,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

// Extended-protocol message types that belong to one exchange ending at Sync: Parse, Bind, Describe,
// Execute, Close, Flush.
const IN_EXCHANGE = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));

interface QueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
}

/**
 * pglite-socket 0.2.17 serves every connection from PGlite's single session and queues *messages*: two
 * clients' Parse/Bind/Execute/Sync exchanges interleave ("portal does not exist"). This gives one
 * connection the session from its first message until the exchange ends (Sync or a simple query) and no
 * transaction is open, so several processes can share the embedded server like a real one.
 */
function serializeSessions(server: object, db: { isInTransaction(): boolean }): void {
  const queue = (server as { queryQueue: QueryQueue }).queryQueue;
  const enqueue = queue.enqueue.bind(queue);
  const clear = queue.clearQueueForHandler.bind(queue);
  let owner: number | null = null;
  let waiting: (() => void)[] = [];
  const release = () => {
    owner = null;
    const wake = waiting;
    waiting = [];
    for (const w of wake) w();
  };
  const gone = new Set<number>();
  queue.enqueue = async (handlerId, message, onData) => {
    while (owner !== null && owner !== handlerId) {
      await new Promise<void>((resolve) => waiting.push(resolve));
      if (gone.has(handlerId)) return 0; // its client went away while it waited: never take the session
    }
    if (gone.has(handlerId)) return 0;
    owner = handlerId;
    try {
      return await enqueue(handlerId, message, onData);
    } finally {
      if (owner === handlerId && !IN_EXCHANGE.has(message[0] ?? 0) && !db.isInTransaction()) release();
    }
  };
  // A client that disconnects mid-exchange (a killed process) gives the session back; pglite-socket
  // rolls back its open transaction right after this.
  queue.clearQueueForHandler = (handlerId) => {
    gone.add(handlerId);
    clear(handlerId);
    if (owner === handlerId) release();
  };
}

/**
 * Every row of every table of the SQLite database in `dataDir`, in a stable order, as text: what a test
 * compares to show that nothing stored changed. Here so no test outside this package needs the Prisma client.
 */
export async function sqliteTableDump(dataDir: string): Promise<string> {
  const { PrismaRunStore, prismaOf } = await import("./store");
  const store = await PrismaRunStore.open({ dataDir });
  try {
    const p = prismaOf(store);
    const tables = await p.$queryRawUnsafe<{ name: string }[]>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    const dump: Record<string, unknown> = {};
    for (const { name } of tables) dump[name] = await p.$queryRawUnsafe(`SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY rowid`);
    return JSON.stringify(dump, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  } finally {
    await store.close();
  }
}

/** The record of a run with nothing done yet, as a host writes it (`createRun`) before the run's first step. */
export const newRunRecord = (runId: string, flowName: string, definitionHash: string): RunRecord => ({
  runId,
  flowName,
  definitionPath: null,
  definitionHash,
  status: "running",
  inputs: null,
  stateId: null,
  startedAt: new Date().toISOString(),
  endedAt: null,
  parentRunId: null,
  parentSeq: null,
  output: null,
  error: null,
});
