// The column table (src/columns.ts) against the real schemas: a fresh database of each kind, migrated by
// the committed migrations, read back through SQLite's pragma_table_info and PostgreSQL's
// information_schema. A column a migration adds and the table lacks (or the reverse), a different type,
// nullability or primary key, or a new table nobody classified fails here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Column,
  type ColumnType,
  LLM_CALLS,
  PENDING_FEEDBACK,
  PRISMA_ONLY_TABLES,
  RUNS,
  SQL_TYPES,
  type Table,
  WRITER_TABLES,
  insertedColumns,
  pgInsert,
  pgInsertMany,
  sqliteInsert,
} from "../src/columns";
import type { PrismaRunStore } from "../src/store";
import { prismaOf } from "../src/store";
import { DATABASES, type TestDatabase } from "../src/test-databases";

/** A column as the database describes it. */
interface DbColumn {
  /** The declared type (SQLite) or data_type (PostgreSQL). */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  key: boolean;
  /** PostgreSQL's datetime_precision (null elsewhere). */
  precision: number | null;
}
type DbSchema = Map<string, Map<string, DbColumn>>;

async function readSchema(store: PrismaRunStore, dialect: TestDatabase["name"]): Promise<DbSchema> {
  const p = prismaOf(store);
  const schema: DbSchema = new Map();
  if (dialect === "sqlite") {
    const tables = await p.$queryRawUnsafe<{ name: string }[]>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    for (const { name } of tables) {
      const rows = await p.$queryRawUnsafe<{ name: string; type: string; notnull: number | bigint; dflt_value: string | null; pk: number | bigint }[]>(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)",
        name,
      );
      // An INTEGER PRIMARY KEY is the rowid: the database assigns it (AUTOINCREMENT).
      const rowid = rows.filter((r) => Number(r.pk) > 0).length === 1 ? rows.find((r) => Number(r.pk) > 0 && r.type.toUpperCase() === "INTEGER") : undefined;
      schema.set(
        name,
        new Map(
          rows.map((r) => [
            r.name,
            { type: r.type.toUpperCase(), nullable: Number(r.notnull) === 0, hasDefault: r.dflt_value !== null || r === rowid, key: Number(r.pk) > 0, precision: null },
          ]),
        ),
      );
    }
    return schema;
  }
  const columns = await p.$queryRawUnsafe<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; datetime_precision: number | null }[]>(
    `SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text, datetime_precision::int
     FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  const keys = await p.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
    `SELECT k.table_name::text, k.column_name::text FROM information_schema.table_constraints c
     JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name
     WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema()`,
  );
  const keySet = new Set(keys.map((k) => `${k.table_name}.${k.column_name}`));
  for (const c of columns) {
    let table = schema.get(c.table_name);
    if (!table) schema.set(c.table_name, (table = new Map()));
    table.set(c.column_name, {
      type: c.data_type,
      nullable: c.is_nullable === "YES",
      hasDefault: c.column_default !== null,
      key: keySet.has(`${c.table_name}.${c.column_name}`),
      precision: c.datetime_precision === null ? null : Number(c.datetime_precision),
    });
  }
  return schema;
}

/** Every way the column tables and a database's schema disagree, as sentences (none: they agree). */
function differences(tables: readonly Table[], schema: DbSchema, dialect: TestDatabase["name"]): string[] {
  const out: string[] = [];
  const known = new Set([...tables.map((t) => t.name), ...PRISMA_ONLY_TABLES]);
  for (const name of schema.keys())
    if (!known.has(name)) out.push(`table ${name} is in the database but neither in src/columns.ts nor in PRISMA_ONLY_TABLES`);
  for (const t of tables) {
    const actual = schema.get(t.name);
    if (!actual) {
      out.push(`table ${t.name} is in src/columns.ts but not in the database`);
      continue;
    }
    const declared = new Map(t.columns.map((c) => [c.name, c]));
    for (const name of actual.keys()) if (!declared.has(name)) out.push(`${t.name}.${name} is in the migrations but not in src/columns.ts`);
    for (const c of t.columns) {
      const db = actual.get(c.name);
      if (!db) {
        out.push(`${t.name}.${c.name} is in src/columns.ts but not in the migrations`);
        continue;
      }
      const type = SQL_TYPES[c.type][dialect === "sqlite" ? "sqlite" : "pg"];
      if (db.type !== type) out.push(`${t.name}.${c.name}: src/columns.ts says ${c.type} (${type}), the database has ${db.type}`);
      if (db.nullable !== c.nullable) out.push(`${t.name}.${c.name}: src/columns.ts says ${c.nullable ? "nullable" : "NOT NULL"}, the database ${db.nullable ? "allows NULL" : "says NOT NULL"}`);
      if (db.key !== c.key) out.push(`${t.name}.${c.name}: src/columns.ts says ${c.key ? "" : "not "}part of the primary key, the database ${db.key ? "has it in" : "does not"}`);
      if (c.type === "timestamp" && db.precision !== null && db.precision !== 3) out.push(`${t.name}.${c.name}: timestamp(${db.precision}), the writer casts to timestamp(3)`);
      // The insert leaves it out: the database must be able to fill it.
      if (!insertedColumns(t).includes(c) && !db.nullable && !db.hasDefault) out.push(`${t.name}.${c.name} is NOT NULL without a default, but the writer's insert does not set it (role ${c.role})`);
    }
  }
  return out;
}

describe.each(DATABASES)("column table on $name", (db) => {
  let store: PrismaRunStore;
  beforeAll(async () => {
    store = await db.open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("matches the migrated schema: same columns, types, nullability and primary keys", async () => {
    const schema = await readSchema(store, db.name);
    expect(differences(WRITER_TABLES, schema, db.name)).toEqual([]);
    // It did look at something: every writer table with all its columns.
    for (const t of WRITER_TABLES) expect([...schema.get(t.name)!.keys()].sort()).toEqual(t.columns.map((c) => c.name).sort());
  });

  it("fails on a column a migration adds and the table lacks, and on one the table has and no migration made", async () => {
    const p = prismaOf(store);
    await p.$executeRawUnsafe(`ALTER TABLE runs ADD COLUMN extra_note TEXT`);
    try {
      const schema = await readSchema(store, db.name);
      expect(differences(WRITER_TABLES, schema, db.name)).toEqual(["runs.extra_note is in the migrations but not in src/columns.ts"]);
      const imagined: Column = { name: "imagined", field: "imagined", type: "text", nullable: true, role: "insert", key: false };
      const runs: Table = { ...RUNS, columns: [...RUNS.columns.filter((c) => c.name !== "extra_note"), imagined] };
      const others = WRITER_TABLES.filter((t) => t !== RUNS);
      expect(differences([runs, ...others], schema, db.name)).toEqual([
        "runs.extra_note is in the migrations but not in src/columns.ts",
        "runs.imagined is in src/columns.ts but not in the migrations",
      ]);
      const retyped: Table = { ...RUNS, columns: RUNS.columns.map((c) => (c.name === "parent_seq" ? { ...c, type: "text" as ColumnType, nullable: false } : c)) };
      expect(differences([retyped, ...others], schema, db.name).filter((d) => d.startsWith("runs.parent_seq"))).toHaveLength(2);
    } finally {
      await p.$executeRawUnsafe(`ALTER TABLE runs DROP COLUMN extra_note`);
    }
    expect(differences(WRITER_TABLES, await readSchema(store, db.name), db.name)).toEqual([]);
  });
});

describe("statements generated from the column table", () => {
  it("name each inserted column once, in table order, with one parameter each", () => {
    for (const t of WRITER_TABLES) {
      const names = insertedColumns(t).map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
      const sqlite = sqliteInsert(t).sql;
      expect(sqlite).toContain(`INSERT INTO ${t.name} (${names.join(", ")}) VALUES (`);
      expect(sqlite.match(/\?/g)).toHaveLength(names.length);
      const many = pgInsertMany(t).sql;
      expect(many).toContain(`INSERT INTO ${t.name} (${names.join(", ")})`);
      expect(many).toContain(`$${names.length}::`);
      expect(many).not.toContain(`$${names.length + 1}`);
    }
  });

  it("bind a row's fields in column order (SQLite times with +00:00) and give pg one array per column", () => {
    const at = "2026-12-06T01:02:03.004Z";
    const call = {
      runId: "r",
      seq: 3,
      method: "m",
      execution: 1,
      kind: "llm",
      hash: "h",
      model: null,
      request: "{}",
      response: null,
      promptTokens: 1,
      completionTokens: 2,
      totalTokens: 3,
      latencyMs: 4.5,
      call: "{}",
      at,
    };
    expect(sqliteInsert<typeof call>(LLM_CALLS).bind(call)).toEqual(["r", 3, "m", 1, "llm", "h", null, "{}", null, 1, 2, 3, 4.5, "{}", "2026-12-06T01:02:03.004+00:00"]);
    expect(pgInsertMany<typeof call>(LLM_CALLS).values([call, { ...call, seq: 4 }])[1]).toEqual([3, 4]);
    const ran: unknown[][] = [];
    sqliteInsert<typeof call>(LLM_CALLS).run({ run: (...params: unknown[]) => ran.push(params) }, call);
    expect(ran).toEqual([sqliteInsert<typeof call>(LLM_CALLS).bind(call)]);
    const pending = { flowUuid: "u", method: "m", context: "{}", state: "{}", at };
    const upsert = pgInsert<typeof pending>(PENDING_FEEDBACK, { upsert: true });
    expect(upsert.sql).toContain("VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::timestamp(3)) ON CONFLICT (flow_uuid) DO UPDATE SET method = excluded.method, context = excluded.context, state = excluded.state, created_at = excluded.created_at");
    expect(upsert.values(pending)).toEqual(["u", "m", "{}", "{}", at]);
  });
});
