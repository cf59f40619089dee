// Opening the database: one code path for both providers. The URL picks the provider (file: → SQLite,
// postgres:// → PostgreSQL); the committed migrations are applied before anything else runs; Prisma
// (for reads) and the group-commit writer (for the hot path) share the same driver.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import type { PrismaClient } from "./generated/sqlite/client";
import { migratePostgres, migrateSqlite } from "./migrate";
import { DB_FILE, MIGRATIONS, defaultDataDir } from "./paths";
import { type GroupCommitWriter, PgWriter, SqliteWriter } from "./writer";

/**
 * The Prisma client the store reads through. The two generated clients are structurally equal but
 * nominally separate (STACK.md §5c): the code is typed against the SQLite one.
 */
export type Db = PrismaClient;

export interface OpenOptions {
  /** `file:PATH` (SQLite) or `postgres://…` / `postgresql://…`. Wins over everything below. */
  url?: string;
  /** The data directory for the default SQLite file (`crewflow.db` inside it). */
  dataDir?: string;
  /** PostgreSQL pool size (default 10; an embedded PGlite socket needs 1, STACK.md §5c). */
  poolMax?: number;
}

export type Provider = "sqlite" | "postgres";

export interface Connection {
  provider: Provider;
  /** The URL opened, without a password. */
  url: string;
  prisma: Db;
  writer: GroupCommitWriter;
  /** The SQLite writer, for synchronous commits (null on PostgreSQL). */
  sqlite: SqliteWriter | null;
  /** Migrations applied by this open. */
  migrated: string[];
  /** Opens the same database again (another thread's own connection); holds the password, never show it. */
  reopen: OpenOptions;
  close(): Promise<void>;
}

/**
 * Which database: `url`, else `dataDir`, else `DATABASE_URL` (file: or postgres://), else the SQLite
 * file in `CREWFLOW_DATA_DIR` or `data/` at the repository root.
 */
export function resolveUrl(options: OpenOptions = {}): string {
  if (options.url) return options.url;
  if (options.dataDir) return `file:${resolve(options.dataDir, DB_FILE)}`;
  const env = process.env.DATABASE_URL;
  if (env && (isPostgresUrl(env) || env.startsWith("file:"))) return env;
  return `file:${resolve(defaultDataDir(), DB_FILE)}`;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, "$1***@");
}

export async function connect(options: OpenOptions = {}): Promise<Connection> {
  const url = resolveUrl(options);
  if (isPostgresUrl(url)) return connectPostgres(url, options.poolMax ?? 10);
  if (!url.startsWith("file:")) throw new Error(`unsupported database URL '${redactUrl(url)}': use file:PATH or postgres://…`);
  return connectSqlite(url);
}

function reopenOptions(url: string, poolMax?: number): OpenOptions {
  return { url, ...(poolMax !== undefined ? { poolMax } : {}) };
}

/** The generated Prisma clients are build output (src/generated, gitignored): say how to make them. */
async function generated<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new Error("the Prisma clients are not generated: run `pnpm install` (or `pnpm --filter @crewflow/store-prisma generate`)", { cause: err });
  }
}

async function connectSqlite(url: string): Promise<Connection> {
  const file = resolve(url.slice("file:".length).replace(/^\/\/(?=\/)/, ""));
  mkdirSync(dirname(file), { recursive: true }); // created on first start
  const db = new Database(file, { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL"); // persists in the file; readers never block the writer
    db.pragma("synchronous = NORMAL"); // WAL + NORMAL: a commit survives a killed process, not a power cut
    db.pragma("foreign_keys = ON");
  } catch (err) {
    db.close();
    throw err;
  }
  let migrated: string[];
  try {
    migrated = migrateSqlite(db, MIGRATIONS.sqlite);
  } catch (err) {
    db.close();
    throw err;
  }
  const [{ PrismaClient }, { PrismaBetterSQLite3 }] = await Promise.all([generated(() => import("./generated/sqlite/client")), import("@prisma/adapter-better-sqlite3")]);
  const prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}`, timeout: 10_000 }) });
  const writer = new SqliteWriter(db);
  return {
    provider: "sqlite",
    url: `file:${file}`,
    prisma,
    writer,
    sqlite: writer,
    migrated,
    reopen: reopenOptions(`file:${file}`),
    async close() {
      await writer.close();
      await prisma.$disconnect();
      db.close();
    },
  };
}

async function connectPostgres(url: string, max: number): Promise<Connection> {
  const { default: pg } = await import("pg"); // loaded on use: SQLite hosts never pay for it
  const pool = new pg.Pool({ connectionString: url, max, allowExitOnIdle: true });
  pool.on("error", () => undefined); // an idle client's error must not crash the process; the next query reports it
  let migrated: string[];
  try {
    const client = await pool.connect();
    try {
      migrated = await migratePostgres(client, MIGRATIONS.postgres);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  const [{ PrismaClient }, { PrismaPg }] = await Promise.all([generated(() => import("./generated/postgres/client")), import("@prisma/adapter-pg")]);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) }) as unknown as Db;
  const writer = new PgWriter(pool);
  return {
    provider: "postgres",
    url: redactUrl(url),
    prisma,
    writer,
    sqlite: null,
    migrated,
    reopen: reopenOptions(url, max),
    async close() {
      await writer.close();
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
