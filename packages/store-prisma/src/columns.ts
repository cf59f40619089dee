// The column table: every column of every table the hot-path writer (writer.ts) writes, once. The writer's
// SQL for both dialects (SQLite's prepared INSERTs and their row binders, PostgreSQL's unnest() multi-row
// INSERTs, the pending-feedback upsert, the runs UPDATE and token counters) and the row types it takes
// are generated from here. test/columns.test.ts checks these tables against the migrated schemas of both
// databases, so a column added to a migration and not here (or the reverse) fails the tests.
//
// Adding a column: a migration (see prisma/README.md), then one line below; the row type gains the field,
// so TypeScript points at the code that must fill it.

/** A column's type, as Prisma maps it on each database (see `SQL_TYPES`). */
export type ColumnType = "text" | "integer" | "bigint" | "real" | "boolean" | "json" | "timestamp";

/**
 * How the writer sets a column:
 * - `insert`: from the row when the row is inserted (the default);
 * - `mutable`: inserted, and changed by a status update (runs);
 * - `update`: only by a status update (runs);
 * - `counter`: added to by a token delta (runs; `field` names the delta's field);
 * - `lease`: only by the writer's lease and fencing statements (runs), else its default;
 * - `generated`: by the database (an autoincrement id); rows are inserted in their order.
 */
export type Role = "insert" | "mutable" | "update" | "counter" | "lease" | "generated";

/** One column as written in a table below (`nullable` defaults to false, `role` to insert). */
export interface ColumnSpec {
  /** The SQL name. */
  readonly name: string;
  /** The JS field its value comes from. */
  readonly field: string;
  readonly type: ColumnType;
  readonly nullable?: boolean;
  readonly role?: Role;
  /** Part of the primary key (the conflict target of an upsert). */
  readonly key?: boolean;
}

/** A column with every property spelled out. */
export interface Column {
  readonly name: string;
  readonly field: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly role: Role;
  readonly key: boolean;
}

export interface Table<Specs extends readonly ColumnSpec[] = readonly ColumnSpec[]> {
  readonly name: string;
  readonly specs: Specs;
  readonly columns: readonly Column[];
}

/** What the writer binds for each type: JSON already serialised, times as ISO 8601 text. */
interface Values {
  text: string;
  integer: number;
  bigint: number | bigint;
  real: number;
  boolean: boolean;
  json: string;
  timestamp: string;
}

type RoleOf<C extends ColumnSpec> = C extends { role: infer R extends Role } ? R : "insert";
type ValueOf<C extends ColumnSpec> = Values[C["type"]] | (C extends { nullable: true } ? null : never);
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The fields of the columns with one of `roles`, typed from the column table. */
export type Fields<T extends Table, R extends Role> = Simplify<{
  [C in T["specs"][number] as RoleOf<C> extends R ? C["field"] : never]: ValueOf<C>;
}>;

function table<const Specs extends readonly ColumnSpec[]>(name: string, specs: Specs): Table<Specs> {
  const columns = specs.map((s) => ({ name: s.name, field: s.field, type: s.type, nullable: s.nullable ?? false, role: s.role ?? "insert", key: s.key ?? false }));
  return { name, specs, columns };
}

// ---- the tables -------------------------------------------------------------------------------------

export const RUNS = table("runs", [
  { name: "id", field: "id", type: "text", key: true },
  { name: "flow_id", field: "flowId", type: "text" },
  { name: "version_id", field: "versionId", type: "text" },
  { name: "status", field: "status", type: "text", role: "mutable" },
  { name: "origin", field: "origin", type: "text" },
  { name: "state_id", field: "stateId", type: "text", nullable: true, role: "mutable" },
  { name: "inputs", field: "inputs", type: "json" },
  { name: "output", field: "output", type: "json", nullable: true, role: "mutable" },
  { name: "error", field: "error", type: "json", nullable: true, role: "mutable" },
  { name: "definition_path", field: "definitionPath", type: "text", nullable: true },
  { name: "started_at", field: "startedAt", type: "timestamp" },
  { name: "ended_at", field: "endedAt", type: "timestamp", nullable: true, role: "update" },
  { name: "duration_ms", field: "durationMs", type: "real", nullable: true, role: "update" },
  { name: "prompt_tokens", field: "prompt", type: "integer", role: "counter" },
  { name: "completion_tokens", field: "completion", type: "integer", role: "counter" },
  { name: "total_tokens", field: "total", type: "integer", role: "counter" },
  { name: "llm_calls", field: "calls", type: "integer", role: "counter" },
  { name: "parent_run_id", field: "parentRunId", type: "text", nullable: true },
  { name: "parent_seq", field: "parentSeq", type: "integer", nullable: true },
  { name: "fork_patch", field: "forkPatch", type: "json", nullable: true },
  { name: "replay_of_id", field: "replayOfId", type: "text", nullable: true },
  { name: "lease", field: "lease", type: "integer", role: "lease" },
  { name: "last_seq", field: "lastSeq", type: "integer", role: "lease" },
  { name: "lease_holder", field: "leaseHolder", type: "text", nullable: true, role: "lease" },
  { name: "lease_until", field: "leaseUntil", type: "real", nullable: true, role: "lease" },
]);

/** The event log; a step's row (the event ending a method execution) carries the step's columns. */
export const RUN_EVENTS = table("run_events", [
  { name: "run_id", field: "runId", type: "text", key: true },
  { name: "seq", field: "seq", type: "integer", key: true },
  { name: "type", field: "type", type: "text" },
  { name: "method", field: "method", type: "text", nullable: true },
  { name: "execution", field: "execution", type: "integer", nullable: true },
  { name: "at", field: "at", type: "timestamp" },
  { name: "payload", field: "payload", type: "json" },
  { name: "status", field: "status", type: "text", nullable: true },
  { name: "start_seq", field: "startSeq", type: "integer", nullable: true },
  { name: "output", field: "output", type: "json", nullable: true },
  { name: "label", field: "label", type: "text", nullable: true },
  { name: "error", field: "error", type: "json", nullable: true },
  { name: "duration_ms", field: "durationMs", type: "real", nullable: true },
  { name: "state_id", field: "stateId", type: "text", nullable: true },
  { name: "state", field: "state", type: "json", nullable: true },
]);

/** Recorded LLM calls (and tool calls, guardrail attempts, task summaries). */
export const LLM_CALLS = table("llm_calls", [
  { name: "run_id", field: "runId", type: "text", key: true },
  { name: "seq", field: "seq", type: "integer", key: true },
  { name: "method", field: "method", type: "text" },
  { name: "execution", field: "execution", type: "integer" },
  { name: "kind", field: "kind", type: "text" },
  { name: "hash", field: "hash", type: "text", nullable: true },
  { name: "model", field: "model", type: "text", nullable: true },
  { name: "request", field: "request", type: "json", nullable: true },
  { name: "response", field: "response", type: "json", nullable: true },
  { name: "prompt_tokens", field: "promptTokens", type: "integer" },
  { name: "completion_tokens", field: "completionTokens", type: "integer" },
  { name: "total_tokens", field: "totalTokens", type: "integer" },
  { name: "latency_ms", field: "latencyMs", type: "real", nullable: true },
  { name: "call", field: "call", type: "json" },
  { name: "at", field: "at", type: "timestamp" },
]);

/** CrewAI's pending_feedback: one row per state id, upserted. */
export const PENDING_FEEDBACK = table("pending_feedback", [
  { name: "flow_uuid", field: "flowUuid", type: "text", key: true },
  { name: "method", field: "method", type: "text" },
  { name: "context", field: "context", type: "json" },
  { name: "state", field: "state", type: "json" },
  { name: "created_at", field: "at", type: "timestamp" },
]);

/** CrewAI's flow_states: append-only, latest = highest id. */
export const FLOW_STATES = table("flow_states", [
  { name: "id", field: "id", type: "integer", role: "generated", key: true },
  { name: "flow_uuid", field: "flowUuid", type: "text" },
  { name: "method", field: "method", type: "text" },
  { name: "state", field: "state", type: "json" },
  { name: "at", field: "at", type: "timestamp" },
]);

/** Every table the writer writes. */
export const WRITER_TABLES: readonly Table[] = [RUNS, RUN_EVENTS, LLM_CALLS, PENDING_FEEDBACK, FLOW_STATES];

/** Tables only Prisma writes (the flow catalog) and Prisma's own bookkeeping: no column table. */
export const PRISMA_ONLY_TABLES: readonly string[] = ["flows", "flow_versions", "_prisma_migrations"];

// ---- the row types the writer takes ----------------------------------------------------------------

/** A new run's row. */
export type RunRow = Fields<typeof RUNS, "insert" | "mutable">;
/** Columns a status change may set (JSON already serialised). */
export type RunUpdate = Partial<Fields<typeof RUNS, "mutable" | "update">>;
/** Token totals to add to a run. */
export type TokenDelta = Fields<typeof RUNS, "counter">;
export type EventRow = Fields<typeof RUN_EVENTS, "insert">;
export type CallRow = Fields<typeof LLM_CALLS, "insert">;
export type PendingRow = Fields<typeof PENDING_FEEDBACK, "insert">;
export type FlowStateRow = Fields<typeof FLOW_STATES, "insert">;

// ---- SQL --------------------------------------------------------------------------------------------

/**
 * Each type on each database: the declared type Prisma's migrations give a column (SQLite's
 * `pragma_table_info.type`, PostgreSQL's `information_schema.columns.data_type`), and how a value of it
 * travels to PostgreSQL (an array element type for unnest(), a cast from text where pg sends text).
 */
export const SQL_TYPES: Readonly<Record<ColumnType, { sqlite: string; pg: string; pgArray: string; pgCast: string }>> = {
  text: { sqlite: "TEXT", pg: "text", pgArray: "text[]", pgCast: "" },
  integer: { sqlite: "INTEGER", pg: "integer", pgArray: "int[]", pgCast: "" },
  bigint: { sqlite: "BIGINT", pg: "bigint", pgArray: "bigint[]", pgCast: "" },
  real: { sqlite: "REAL", pg: "double precision", pgArray: "float8[]", pgCast: "" },
  boolean: { sqlite: "BOOLEAN", pg: "boolean", pgArray: "bool[]", pgCast: "" },
  json: { sqlite: "JSONB", pg: "jsonb", pgArray: "text[]", pgCast: "::jsonb" },
  timestamp: { sqlite: "DATETIME", pg: "timestamp without time zone", pgArray: "text[]", pgCast: "::timestamp(3)" },
};

/** Prisma's SQLite adapter writes DateTime as ISO 8601 with `+00:00`; keep one format so text order is time order. */
export const sqliteTime = (iso: string): string => (iso.endsWith("Z") ? `${iso.slice(0, -1)}+00:00` : iso);

/** A JS value as better-sqlite3 binds it for a column of `type`. */
function sqliteValue(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (type === "timestamp") return sqliteTime(value as string);
  if (type === "boolean") return value ? 1 : 0;
  return value;
}

/** The columns a row insert sets, in table order. */
export const insertedColumns = (t: Table): readonly Column[] => t.columns.filter((c) => c.role === "insert" || c.role === "mutable");
const keyColumns = (t: Table): readonly Column[] => t.columns.filter((c) => c.key);
const columnOf = (t: Table, field: string): Column => {
  const column = t.columns.find((c) => c.field === field && c.role !== "counter");
  if (!column) throw new Error(`${t.name} has no column for field '${field}'`);
  return column;
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Compiles a row accessor once per table, reading each row with static property accesses (`r.runId`)
 * like the hand-written code it replaces (a keyed read per column, `r[field]`, costs ~10% of a SQLite
 * step). `make` receives `helpers` and returns the accessor. The fields are this file's identifiers.
 */
function compile<F>(columns: readonly Column[], helpers: Record<string, unknown>, make: string): F {
  for (const c of columns) if (!IDENTIFIER.test(c.field)) throw new Error(`column field '${c.field}' is not an identifier`);
  const names = Object.keys(helpers);
  return new Function(...names, `"use strict"; return ${make};`)(...names.map((n) => helpers[n])) as F;
}

/** The SQLite value of a column of row `r` (an expression for `compile`; `t`: time, `b`: boolean). */
const sqliteExpr = (c: Column): string => (c.type === "timestamp" ? `t(r.${c.field})` : c.type === "boolean" ? `b(r.${c.field})` : `r.${c.field}`);
const SQLITE_HELPERS = { t: (v: string | null) => (v === null ? v : sqliteTime(v)), b: (v: unknown) => sqliteValue("boolean", v) };

/** A statement taking positional parameters (better-sqlite3's). */
export interface Runnable {
  run(...params: unknown[]): unknown;
}

/** One array per column (pg's unnest() parameters), each with that column's value for every row. */
function pgArrays<Row>(columns: readonly Column[]): (rows: readonly Row[]) => unknown[][] {
  const arrays = columns.map((_, i) => `a${i}`);
  return compile(
    columns,
    {},
    `(rows) => { const n = rows.length; ${arrays.map((a) => `const ${a} = new Array(n);`).join(" ")}
      for (let i = 0; i < n; i++) { const r = rows[i]; ${columns.map((c, i) => `${arrays[i]}[i] = r.${c.field};`).join(" ")} }
      return [${arrays.join(", ")}]; }`,
  );
}

export interface SqliteInsert<Row> {
  sql: string;
  /** The statement's parameters for a row, in column order. */
  bind(row: Row): unknown[];
  /** Runs the prepared `sql` for a row (`statement.run(row.a, row.b, …)`). */
  run(statement: Runnable, row: Row): void;
}

/** `INSERT INTO t (…) VALUES (?, …)` for one row, with `ON CONFLICT (key) DO UPDATE` when `upsert`. */
export function sqliteInsert<Row>(t: Table, options: { upsert?: boolean } = {}): SqliteInsert<Row> {
  const columns = insertedColumns(t);
  const sql = `INSERT INTO ${t.name} (${columns.map((c) => c.name).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})${options.upsert ? onConflict(t) : ""}`;
  const values = columns.map(sqliteExpr).join(", ");
  return { sql, bind: compile(columns, SQLITE_HELPERS, `(r) => [${values}]`), run: compile(columns, SQLITE_HELPERS, `(s, r) => { s.run(${values}); }`) };
}

function onConflict(t: Table): string {
  const keys = new Set(keyColumns(t).map((c) => c.name));
  const set = insertedColumns(t).filter((c) => !keys.has(c.name));
  return ` ON CONFLICT (${[...keys].join(", ")}) DO UPDATE SET ${set.map((c) => `${c.name} = excluded.${c.name}`).join(", ")}`;
}

export interface PgStatement<Row> {
  sql: string;
  values(rows: readonly Row[]): unknown[];
}

/**
 * Any number of rows in one statement: `INSERT INTO t (…) SELECT c1, c2::jsonb, … FROM unnest($1::text[],
 * $2::text[], …) AS t(c1, c2, …)`. A table with a generated id gets its rows in the order given.
 */
export function pgInsertMany<Row>(t: Table): PgStatement<Row> {
  const columns = insertedColumns(t);
  const alias = columns.map((_, i) => `c${i + 1}`);
  const ordered = t.columns.some((c) => c.role === "generated");
  const sql =
    `INSERT INTO ${t.name} (${columns.map((c) => c.name).join(", ")})\n` +
    `    SELECT ${columns.map((c, i) => `${alias[i]}${SQL_TYPES[c.type].pgCast}`).join(", ")}\n` +
    `    FROM unnest(${columns.map((c, i) => `$${i + 1}::${SQL_TYPES[c.type].pgArray}`).join(", ")})` +
    (ordered ? ` WITH ORDINALITY AS t(${alias.join(", ")}, o) ORDER BY o` : ` AS t(${alias.join(", ")})`);
  return { sql, values: pgArrays<Row>(columns) };
}

/** One row: `INSERT INTO t (…) VALUES ($1, $2::jsonb, …)`, with `ON CONFLICT (key) DO UPDATE` when `upsert`. */
export function pgInsert<Row>(t: Table, options: { upsert?: boolean } = {}): { sql: string; values(row: Row): unknown[] } {
  const columns = insertedColumns(t);
  const sql = `INSERT INTO ${t.name} (${columns.map((c) => c.name).join(", ")}) VALUES (${columns.map((c, i) => `$${i + 1}${SQL_TYPES[c.type].pgCast}`).join(", ")})${options.upsert ? onConflict(t) : ""}`;
  const fields = columns.map((c) => c.field);
  return { sql, values: (row) => fields.map((f) => (row as Record<string, unknown>)[f]) };
}

/** `DELETE FROM t WHERE key = ?` (SQLite) or `$1` (PostgreSQL), for a table with a one-column key. */
export function deleteByKey(t: Table, dialect: "sqlite" | "postgres"): string {
  const [key, ...more] = keyColumns(t);
  if (!key || more.length > 0) throw new Error(`${t.name} needs a one-column key`);
  return `DELETE FROM ${t.name} WHERE ${key.name} = ${dialect === "sqlite" ? "?" : "$1"}`;
}

/** The runs' counter columns with the token delta's field each adds. */
const counters = (): readonly Column[] => RUNS.columns.filter((c) => c.role === "counter");
const runKey = (): Column => keyColumns(RUNS)[0]!;

/** SQLite: adds a token delta to a run (`UPDATE runs SET prompt_tokens = prompt_tokens + ?, … WHERE id = ?`). */
export function sqliteAddTokens(): { sql: string; run(statement: Runnable, runId: string, delta: TokenDelta): void } {
  const cols = counters();
  return {
    sql: `UPDATE ${RUNS.name} SET ${cols.map((c) => `${c.name} = ${c.name} + ?`).join(", ")} WHERE ${runKey().name} = ?`,
    run: compile(cols, {}, `(s, id, r) => { s.run(${cols.map((c) => `r.${c.field}`).join(", ")}, id); }`),
  };
}

/** PostgreSQL: adds each run's token delta, every run in one statement (unnest of the run ids and deltas). */
export function pgAddTokens(): { sql: string; values(deltas: readonly (readonly [string, TokenDelta])[]): unknown[] } {
  const cols = counters();
  const fields = cols.map((c) => c.field as keyof TokenDelta);
  const key = runKey();
  const sql =
    `UPDATE ${RUNS.name} SET ${cols.map((c, i) => `${c.name} = ${RUNS.name}.${c.name} + t.c${i + 2}`).join(", ")}\n` +
    `    FROM unnest($1::${SQL_TYPES[key.type].pgArray}, ${cols.map((c, i) => `$${i + 2}::${SQL_TYPES[c.type].pgArray}`).join(", ")}) AS t(c1, ${cols.map((_, i) => `c${i + 2}`).join(", ")})` +
    ` WHERE ${RUNS.name}.${key.name} = t.c1`;
  return { sql, values: (deltas) => [deltas.map(([id]) => id), ...fields.map((f) => deltas.map(([, d]) => d[f]))] };
}

/** The fields a status change sets (those not undefined), sorted: one statement per set of fields. */
export function updateFields(fields: RunUpdate): (keyof RunUpdate)[] {
  return (Object.keys(fields) as (keyof RunUpdate)[]).filter((k) => fields[k] !== undefined).sort();
}

/**
 * `UPDATE runs SET status = ?, ended_at = ? … WHERE id = ?` for a status change setting `keys` (from
 * `updateFields`), and its parameters.
 */
export function runUpdate(keys: readonly (keyof RunUpdate)[], dialect: "sqlite" | "postgres"): { sql: string; values(runId: string, fields: RunUpdate): unknown[] } {
  const cols = keys.map((k) => columnOf(RUNS, k));
  for (const c of cols) if (c.role !== "mutable" && c.role !== "update") throw new Error(`runs.${c.name} is not set by a status update`);
  const param = (i: number, c: Column) => (dialect === "sqlite" ? "?" : `$${i + 1}${SQL_TYPES[c.type].pgCast}`);
  const sql = `UPDATE ${RUNS.name} SET ${cols.map((c, i) => `${c.name} = ${param(i, c)}`).join(", ")} WHERE ${runKey().name} = ${dialect === "sqlite" ? "?" : `$${cols.length + 1}`}`;
  return {
    sql,
    values: (runId, fields) => [...cols.map((c) => (dialect === "sqlite" ? sqliteValue(c.type, fields[c.field as keyof RunUpdate]) : fields[c.field as keyof RunUpdate])), runId],
  };
}
