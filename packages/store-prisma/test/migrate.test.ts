// The runtime migrator keeps Prisma's `_prisma_migrations` compatible: the Prisma CLI accepts a database
// it migrated, re-running applies nothing, and an edited migration is refused.
import { execFile } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, MigrationError, PrismaRunStore, migratePostgres, migrateSqlite, readMigrations } from "../src";
import { POSTGRES, tempDir } from "../src/test-databases";

describe("runtime migrator", () => {
  it("SQLite: `prisma migrate status` (Prisma's own CLI) says the database it migrated is up to date", async () => {
    const dir = tempDir();
    const store = await PrismaRunStore.open({ dataDir: dir });
    await store.close();
    const pkg = resolve(import.meta.dirname, "..");
    const { stdout } = await promisify(execFile)("pnpm", ["exec", "prisma", "migrate", "status", "--config", "prisma.sqlite.config.ts"], {
      cwd: pkg,
      env: { ...process.env, DATABASE_URL: `file:${join(dir, "crewflow.db")}`, CHECKPOINT_DISABLE: "1" },
    });
    expect(stdout).toContain("Database schema is up to date");
  });

  it("SQLite: the committed migrations produce exactly the schema in prisma/models.prisma (no drift)", async () => {
    const pkg = resolve(import.meta.dirname, "..");
    const root = resolve(pkg, "../..");
    const { stdout } = await promisify(execFile)(
      "pnpm",
      ["exec", "prisma", "migrate", "diff", "--from-migrations", join(root, "prisma/sqlite/migrations"), "--to-schema-datamodel", join(root, "prisma/sqlite"), "--exit-code", "--config", "prisma.sqlite.config.ts"],
      { cwd: pkg, env: { ...process.env, DATABASE_URL: `file:${join(tempDir(), "drift.db")}`, CHECKPOINT_DISABLE: "1" } },
    );
    expect(stdout).toContain("No difference detected");
  });

  it("SQLite: records Prisma's checksums, applies nothing twice, refuses an edited migration", () => {
    const migrations = join(tempDir(), "migrations");
    cpSync(MIGRATIONS.sqlite, migrations, { recursive: true });
    const db = new Database(join(tempDir(), "m.db"));
    try {
      const all = readMigrations(migrations);
      expect(migrateSqlite(db, migrations)).toEqual(all.map((m) => m.name));
      expect(migrateSqlite(db, migrations)).toEqual([]);
      const rows = db.prepare(`SELECT migration_name, checksum, applied_steps_count, finished_at FROM _prisma_migrations`).all();
      expect(rows).toEqual(all.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1, finished_at: expect.any(String) })));
      const file = join(migrations, all[0]!.name, "migration.sql");
      writeFileSync(file, readFileSync(file, "utf8") + "\n-- edited\n");
      expect(() => migrateSqlite(db, migrations)).toThrow(MigrationError);
    } finally {
      db.close();
    }
  });

  it("PostgreSQL: applies the committed migrations once, recording Prisma's checksums", async () => {
    const client = new pg.Client({ connectionString: POSTGRES.url() });
    await client.connect();
    try {
      await migratePostgres(client, MIGRATIONS.postgres);
      expect(await migratePostgres(client, MIGRATIONS.postgres)).toEqual([]);
      const { rows } = await client.query(`SELECT migration_name, checksum FROM _prisma_migrations WHERE rolled_back_at IS NULL ORDER BY migration_name`);
      expect(rows).toEqual(readMigrations(MIGRATIONS.postgres).map((m) => ({ migration_name: m.name, checksum: m.checksum })));
      const { rows: tables } = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
      expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual(
        expect.arrayContaining(["_prisma_migrations", "flow_states", "flow_versions", "flows", "llm_calls", "pending_feedback", "run_events", "runs"]),
      );
    } finally {
      await client.end();
    }
  });
});
