// The runtime migrator: applies prisma/<provider>/migrations/*/migration.sql in order at start, without
// the Prisma CLI, and records each in Prisma's own `_prisma_migrations` table (same columns, checksum =
// sha256 hex of the file), so `prisma migrate status|dev|deploy` keep accepting the database.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type pg from "pg";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The committed migrations of one provider, in name (= timestamp) order. */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

// Prisma's own DDL for the table (copied from what `prisma migrate deploy` creates).
const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const PG_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = "MigrationError";
}

function pending(applied: { migration_name: string; checksum: string; finished_at: unknown }[], all: Migration[]): Migration[] {
  const done = new Map(applied.map((row) => [row.migration_name, row]));
  for (const row of applied)
    if (row.finished_at === null) throw new MigrationError(`migration ${row.migration_name} failed earlier and was not rolled back; fix the database by hand`);
  for (const m of all) {
    const row = done.get(m.name);
    // Prisma itself only warns on an edited migration; an edited history here means two different schemas.
    if (row && row.checksum !== m.checksum) throw new MigrationError(`migration ${m.name} was edited after it was applied (checksum differs)`);
  }
  return all.filter((m) => !done.has(m.name));
}

/** Applies what is missing; returns the names applied. SQLite DDL is transactional: all or nothing. */
export function migrateSqlite(db: Database.Database, dir: string): string[] {
  const all = readMigrations(dir);
  db.exec(SQLITE_TABLE);
  // IMMEDIATE takes the write lock first, so two processes starting together apply each migration once.
  return db
    .transaction(() => {
      const applied = db.prepare(`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`).all() as {
        migration_name: string;
        checksum: string;
        finished_at: unknown;
      }[];
      const todo = pending(applied, all);
      const insert = db.prepare(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)`,
      );
      for (const m of todo) {
        const started = new Date().toISOString().replace("Z", "+00:00");
        db.exec(m.sql);
        insert.run(randomUUID(), m.checksum, new Date().toISOString().replace("Z", "+00:00"), m.name, started);
      }
      return todo.map((m) => m.name);
    })
    .immediate();
}

/** The same for PostgreSQL, on one client; an advisory lock serialises concurrent starters. */
export async function migratePostgres(client: pg.ClientBase, dir: string): Promise<string[]> {
  const all = readMigrations(dir);
  // Any constant key: it only has to be the same for every Crewflow process on this database.
  const LOCK = 0x63726577;
  await client.query("SELECT pg_advisory_lock($1)", [LOCK]);
  try {
    await client.query(PG_TABLE);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const todo = pending(rows, all);
    for (const m of todo) {
      await client.query("BEGIN");
      try {
        const started = new Date();
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, $4, 1)`,
          [randomUUID(), m.checksum, m.name, started],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
      }
    }
    return todo.map((m) => m.name);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK]);
  }
}
