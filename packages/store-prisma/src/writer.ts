// The hot path: every write of a run (its creation, each step's events + snapshot + LLM calls, status
// changes, CrewAI's flow_states and pending feedback) goes through a group-commit writer on the same
// driver Prisma uses (better-sqlite3 or pg), with prepared statements. One Prisma write costs ~0.47 ms
// here (STACK.md §5); a whole step costs one transaction shared with every other run that reached a
// commit point in the same event-loop turn. Prisma stays the owner of the schema and of every read.
// The column lists, inserts, upserts and status updates below are generated from the column table
// (columns.ts); only the lease and fencing statements are written here.
import type Database from "better-sqlite3";
import type pg from "pg";
import { FencedError, type LeaseClaim } from "@crewflow/runtime";
import {
  type CallRow,
  type EventRow,
  type FlowStateRow,
  FLOW_STATES,
  LLM_CALLS,
  PENDING_FEEDBACK,
  type PendingRow,
  RUNS,
  RUN_EVENTS,
  type RunRow,
  type RunUpdate,
  type TokenDelta,
  deleteByKey,
  pgAddTokens,
  pgInsert,
  pgInsertMany,
  runUpdate,
  sqliteAddTokens,
  sqliteInsert,
  sqliteTime,
  updateFields,
} from "./columns";
import type { EventRows } from "./rows";

export { FencedError, type LeaseClaim };
export { sqliteTime, type RunRow, type RunUpdate, type TokenDelta };

export type WriteOp =
  | { kind: "run"; row: RunRow }
  | { kind: "rows"; rows: EventRows }
  | { kind: "tokens"; runId: string; delta: TokenDelta }
  | { kind: "update"; runId: string; fields: RunUpdate }
  | ({ kind: "flowState" } & FlowStateRow)
  | ({ kind: "pending" } & PendingRow)
  | { kind: "unpending"; flowUuid: string }
  /**
   * Fencing (the scale-out executor): the request commits only while `lease` is still the run's lease,
   * and, with `from`/`to`, only when its events start right after the last fenced commit (`from` =
   * last_seq + 1); last_seq becomes `to`. Checked by the database inside the request's transaction.
   */
  | { kind: "fence"; runId: string; lease: number; from?: number; to?: number };

function fenceFailure(op: Extract<WriteOp, { kind: "fence" }>, row: { lease: number; last_seq: number } | undefined): FencedError {
  if (!row) return new FencedError(op.runId, `run ${op.runId} does not exist`);
  if (row.lease !== op.lease) return new FencedError(op.runId, `run ${op.runId}: lease ${op.lease} was taken over (current lease ${row.lease}); this worker may not write`);
  return new FencedError(op.runId, `run ${op.runId}: expected its next event at seq ${row.last_seq + 1}, got ${op.from} (already committed or out of order)`);
}

interface Request {
  ops: WriteOp[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit: requests queue up while the event loop runs the flows' code; one `setImmediate` later
 * (or when the in-flight transaction ends) everything queued is written in a single transaction. If
 * that transaction fails, each request is retried alone so one bad write fails only its own caller.
 */
export abstract class GroupCommitWriter {
  abstract readonly provider: "sqlite" | "postgres";
  protected queue: Request[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  /** Transactions committed and requests they carried (for tests and the bench). */
  readonly stats = { transactions: 0, requests: 0 };

  /** Settles when the last request queued so far has (requests settle in the order they were queued). */
  private last: Promise<unknown> = Promise.resolve();

  write(ops: WriteOp[]): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      this.schedule();
    });
    this.last = done.catch(() => undefined);
    return done;
  }

  /**
   * Resolves once everything queued before the call is committed (or failed). Only those: a reader
   * must not wait for the writes other runs keep queueing after it, or it would wait for an idle moment.
   */
  async drain(): Promise<void> {
    await this.last;
    if (this.inFlight) await this.inFlight;
  }

  protected abstract apply(ops: WriteOp[]): Promise<void> | void;
  /** Takes a run's lease: increments its fencing token and records its last committed seq. */
  abstract acquire(runId: string): Promise<{ lease: number; lastSeq: number } | null>;
  /**
   * Takes a run's lease for `holder` until `until` (epoch ms) if nobody holds it, its holder's lease
   * lapsed before `now`, or it is held by `from` (a takeover from a holder known to be dead); else says
   * who holds it. Null when there is no such run.
   */
  abstract claim(runId: string, holder: string, until: number, now: number, from: string): Promise<LeaseClaim | null>;
  /** Extends a lease; false when it is no longer the run's lease (taken over). */
  abstract renew(runId: string, lease: number, until: number): Promise<boolean>;
  /** Gives a lease up (the run is no longer being executed by its holder). */
  abstract release(runId: string, lease: number): Promise<void>;
  abstract close(): Promise<void>;

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.inFlight = this.flush().finally(() => {
        this.inFlight = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      await this.apply(batch.length === 1 ? batch[0]!.ops : batch.flatMap((r) => r.ops));
      this.stats.transactions++;
      this.stats.requests += batch.length;
      for (const r of batch) r.resolve();
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const r of batch)
        try {
          await this.apply(r.ops);
          this.stats.transactions++;
          this.stats.requests++;
          r.resolve();
        } catch (own) {
          r.reject(own);
        }
    }
  }
}

// SQLite: one prepared statement per row, each row's values bound in column order.
const SQLITE = {
  runs: sqliteInsert<RunRow>(RUNS),
  events: sqliteInsert<EventRow>(RUN_EVENTS),
  calls: sqliteInsert<CallRow>(LLM_CALLS),
  flowStates: sqliteInsert<FlowStateRow>(FLOW_STATES),
  upsertPending: sqliteInsert<PendingRow>(PENDING_FEEDBACK, { upsert: true }),
  deletePending: deleteByKey(PENDING_FEEDBACK, "sqlite"),
  tokens: sqliteAddTokens(),
};

export class SqliteWriter extends GroupCommitWriter {
  readonly provider = "sqlite";
  private readonly insertRun: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly insertCall: Database.Statement;
  private readonly addTokens: Database.Statement;
  private readonly insertFlowState: Database.Statement;
  private readonly upsertPending: Database.Statement;
  private readonly deletePending: Database.Statement;
  private readonly fenceSteps: Database.Statement;
  private readonly fenceLease: Database.Statement;
  private readonly leaseOf: Database.Statement;
  private readonly takeLease: Database.Statement;
  private readonly claimLease: Database.Statement;
  private readonly holderOf: Database.Statement;
  private readonly renewLease: Database.Statement;
  private readonly releaseLease: Database.Statement;
  private readonly updates = new Map<string, { statement: Database.Statement; values: (runId: string, fields: RunUpdate) => unknown[] }>();
  private readonly transaction: Database.Transaction<(ops: WriteOp[]) => void>;

  constructor(private readonly db: Database.Database) {
    super();
    this.insertRun = db.prepare(SQLITE.runs.sql);
    this.insertEvent = db.prepare(SQLITE.events.sql);
    this.insertCall = db.prepare(SQLITE.calls.sql);
    this.addTokens = db.prepare(SQLITE.tokens.sql);
    this.insertFlowState = db.prepare(SQLITE.flowStates.sql);
    this.upsertPending = db.prepare(SQLITE.upsertPending.sql);
    this.deletePending = db.prepare(SQLITE.deletePending);
    this.fenceSteps = db.prepare(`UPDATE runs SET last_seq = ? WHERE id = ? AND lease = ? AND last_seq = ?`);
    this.fenceLease = db.prepare(`UPDATE runs SET lease = lease WHERE id = ? AND lease = ?`);
    this.leaseOf = db.prepare(`SELECT lease, last_seq FROM runs WHERE id = ?`);
    this.takeLease = db.prepare(
      `UPDATE runs SET lease = lease + 1, last_seq = max(last_seq, (SELECT coalesce(max(seq), 0) FROM run_events WHERE run_id = ?)) WHERE id = ? RETURNING lease, last_seq`,
    );
    this.claimLease = db.prepare(
      `UPDATE runs SET lease = lease + 1, lease_holder = ?, lease_until = ?, last_seq = max(last_seq, (SELECT coalesce(max(seq), 0) FROM run_events WHERE run_id = ?)) WHERE id = ? AND (lease_holder IS NULL OR lease_until IS NULL OR lease_until < ? OR lease_holder = ?) RETURNING lease, last_seq`,
    );
    this.holderOf = db.prepare(`SELECT lease_holder, lease_until FROM runs WHERE id = ?`);
    this.renewLease = db.prepare(`UPDATE runs SET lease_until = ? WHERE id = ? AND lease = ?`);
    this.releaseLease = db.prepare(`UPDATE runs SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease = ?`);
    this.transaction = db.transaction((ops: WriteOp[]) => {
      for (const op of ops) this.run(op);
    });
  }

  /**
   * Writes now, synchronously, in one transaction: for a caller that cannot await (an event listener).
   * Requests still queued were issued earlier, so they go first, in the same transaction.
   */
  writeNow(ops: WriteOp[]): void {
    const earlier = this.queue;
    this.queue = [];
    try {
      this.transaction.immediate(earlier.length === 0 ? ops : [...earlier.flatMap((r) => r.ops), ops].flat());
    } catch (err) {
      if (earlier.length === 0) throw err;
      for (const r of earlier)
        try {
          this.transaction.immediate(r.ops);
          r.resolve();
        } catch (own) {
          r.reject(own);
        }
      this.transaction.immediate(ops);
      return;
    }
    this.stats.transactions++;
    this.stats.requests += earlier.length + 1;
    for (const r of earlier) r.resolve();
  }

  /**
   * Writes at the end of the current microtask wave, in one transaction with every other `writeSoon` of
   * that wave (concurrent runs finishing a step together), without waiting for an event-loop turn.
   * `done` gets the outcome.
   */
  writeSoon(ops: WriteOp[], done: (err: unknown) => void): void {
    this.soon.push({ ops, resolve: () => done(null), reject: (err) => done(err) });
    if (this.soon.length === 1) queueMicrotask(() => this.flushSoon());
  }
  private soon: Request[] = [];

  private flushSoon(): void {
    const batch = this.soon;
    this.soon = [];
    const earlier = this.queue; // issued before: they go first
    this.queue = [];
    const all = [...earlier, ...batch];
    try {
      this.transaction.immediate(all.flatMap((r) => r.ops));
      this.stats.transactions++;
      this.stats.requests += all.length;
      for (const r of all) r.resolve();
    } catch {
      for (const r of all)
        try {
          this.transaction.immediate(r.ops);
          this.stats.transactions++;
          this.stats.requests++;
          r.resolve();
        } catch (own) {
          r.reject(own);
        }
    }
  }

  protected apply(ops: WriteOp[]): void {
    this.transaction.immediate(ops);
  }

  /** Takes the run's lease (after everything queued is written): the new token and the last committed seq. */
  async acquire(runId: string): Promise<{ lease: number; lastSeq: number } | null> {
    await this.drain(); // this process's writes first: the lease records their last seq
    const row = this.takeLease.get(runId, runId) as { lease: number; last_seq: number } | undefined;
    return row ? { lease: row.lease, lastSeq: row.last_seq } : null;
  }

  async claim(runId: string, holder: string, until: number, now: number, from: string): Promise<LeaseClaim | null> {
    await this.drain();
    const row = this.claimLease.get(holder, until, runId, runId, now, from) as { lease: number; last_seq: number } | undefined;
    if (row) return { lease: row.lease, lastSeq: row.last_seq };
    const held = this.holderOf.get(runId) as { lease_holder: string | null; lease_until: number | null } | undefined;
    return held ? { heldBy: held.lease_holder ?? "", until: held.lease_until ?? 0 } : null;
  }

  async renew(runId: string, lease: number, until: number): Promise<boolean> {
    await this.drain();
    return this.renewLease.run(until, runId, lease).changes === 1;
  }

  async release(runId: string, lease: number): Promise<void> {
    await this.drain();
    this.releaseLease.run(runId, lease);
  }

  async close(): Promise<void> {
    await this.drain();
  }

  private run(op: WriteOp): void {
    switch (op.kind) {
      case "run":
        SQLITE.runs.run(this.insertRun, op.row);
        return;
      case "rows":
        for (const e of op.rows.events) this.event(e);
        for (const c of op.rows.calls) this.call(c);
        return;
      case "tokens":
        SQLITE.tokens.run(this.addTokens, op.runId, op.delta);
        return;
      case "update": {
        const keys = updateFields(op.fields);
        if (keys.length === 0) return;
        const id = keys.join(",");
        let update = this.updates.get(id);
        if (!update) {
          const { sql, values } = runUpdate(keys, "sqlite");
          this.updates.set(id, (update = { statement: this.db.prepare(sql), values }));
        }
        update.statement.run(update.values(op.runId, op.fields));
        return;
      }
      case "flowState":
        SQLITE.flowStates.run(this.insertFlowState, op);
        return;
      case "pending":
        SQLITE.upsertPending.run(this.upsertPending, op);
        return;
      case "unpending":
        this.deletePending.run(op.flowUuid);
        return;
      case "fence": {
        const changed = op.from !== undefined ? this.fenceSteps.run(op.to ?? op.from, op.runId, op.lease, op.from - 1).changes : this.fenceLease.run(op.runId, op.lease).changes;
        if (changed !== 1) throw fenceFailure(op, this.leaseOf.get(op.runId) as { lease: number; last_seq: number } | undefined);
        return;
      }
    }
  }

  private event(e: EventRow): void {
    SQLITE.events.run(this.insertEvent, e);
  }

  private call(c: CallRow): void {
    SQLITE.calls.run(this.insertCall, c);
  }
}

// PostgreSQL: one statement per table per transaction, whatever the number of rows, through unnest() of
// array parameters. Unnamed statements: an embedded PGlite serves every connection from one session,
// where a named statement prepared by one client collides with the next client's.
const PG_ROWS = {
  runs: pgInsertMany<RunRow>(RUNS),
  events: pgInsertMany<EventRow>(RUN_EVENTS),
  calls: pgInsertMany<CallRow>(LLM_CALLS),
  flowStates: pgInsertMany<FlowStateRow>(FLOW_STATES),
  tokens: pgAddTokens(),
  upsertPending: pgInsert<PendingRow>(PENDING_FEEDBACK, { upsert: true }),
};

const PG = {
  runs: PG_ROWS.runs.sql,
  events: PG_ROWS.events.sql,
  calls: PG_ROWS.calls.sql,
  tokens: PG_ROWS.tokens.sql,
  flowStates: PG_ROWS.flowStates.sql,
  upsertPending: PG_ROWS.upsertPending.sql,
  deletePending: deleteByKey(PENDING_FEEDBACK, "postgres"),
  fenceSteps: `UPDATE runs SET last_seq = $1 WHERE id = $2 AND lease = $3 AND last_seq = $4`,
  fenceLease: `UPDATE runs SET lease = lease WHERE id = $1 AND lease = $2`,
  leaseOf: `SELECT lease, last_seq FROM runs WHERE id = $1`,
  // GREATEST with the row's own last_seq: a takeover blocked by a fenced commit in flight re-reads the
  // row after that commit (PostgreSQL re-checks the updated row) but not the subquery, whose snapshot
  // predates the commit; the row's last_seq does include it.
  takeLease: `UPDATE runs SET lease = lease + 1, last_seq = GREATEST(runs.last_seq, (SELECT coalesce(max(seq), 0) FROM run_events WHERE run_id = $1)) WHERE id = $1 RETURNING lease, last_seq`,
  claimLease: `UPDATE runs SET lease = lease + 1, lease_holder = $2, lease_until = $3, last_seq = GREATEST(runs.last_seq, (SELECT coalesce(max(seq), 0) FROM run_events WHERE run_id = $1))
    WHERE id = $1 AND (lease_holder IS NULL OR lease_until IS NULL OR lease_until < $4 OR lease_holder = $5) RETURNING lease, last_seq`,
  holderOf: `SELECT lease_holder, lease_until FROM runs WHERE id = $1`,
  renewLease: `UPDATE runs SET lease_until = $1 WHERE id = $2 AND lease = $3`,
  releaseLease: `UPDATE runs SET lease_holder = NULL, lease_until = NULL WHERE id = $1 AND lease = $2`,
} as const;

export class PgWriter extends GroupCommitWriter {
  readonly provider = "postgres";

  /** The status-update statements by the fields they set. */
  private readonly updates = new Map<string, ReturnType<typeof runUpdate>>();

  constructor(private readonly pool: pg.Pool) {
    super();
  }

  async close(): Promise<void> {
    await this.drain();
  }

  /** Takes the run's lease (after everything queued is written): the new token and the last committed seq. */
  async acquire(runId: string): Promise<{ lease: number; lastSeq: number } | null> {
    await this.drain();
    const { rows } = await this.pool.query<{ lease: number; last_seq: number }>(PG.takeLease, [runId]);
    return rows[0] ? { lease: rows[0].lease, lastSeq: rows[0].last_seq } : null;
  }

  async claim(runId: string, holder: string, until: number, now: number, from: string): Promise<LeaseClaim | null> {
    await this.drain();
    const { rows } = await this.pool.query<{ lease: number; last_seq: number }>(PG.claimLease, [runId, holder, until, now, from]);
    if (rows[0]) return { lease: rows[0].lease, lastSeq: rows[0].last_seq };
    const held = await this.pool.query<{ lease_holder: string | null; lease_until: number | null }>(PG.holderOf, [runId]);
    return held.rows[0] ? { heldBy: held.rows[0].lease_holder ?? "", until: Number(held.rows[0].lease_until ?? 0) } : null;
  }

  async renew(runId: string, lease: number, until: number): Promise<boolean> {
    await this.drain();
    return ((await this.pool.query(PG.renewLease, [until, runId, lease])).rowCount ?? 0) === 1;
  }

  async release(runId: string, lease: number): Promise<void> {
    await this.drain();
    await this.pool.query(PG.releaseLease, [runId, lease]);
  }

  protected async apply(ops: WriteOp[]): Promise<void> {
    const runs: RunRow[] = [];
    const events: EventRow[] = [];
    const calls: CallRow[] = [];
    const tokens = new Map<string, TokenDelta>();
    const flowStates: Extract<WriteOp, { kind: "flowState" }>[] = [];
    const later: WriteOp[] = []; // updates and pending-feedback changes keep their order
    const fences: Extract<WriteOp, { kind: "fence" }>[] = [];
    for (const op of ops) {
      if (op.kind === "run") runs.push(op.row);
      else if (op.kind === "fence") fences.push(op);
      else if (op.kind === "rows") {
        events.push(...op.rows.events);
        calls.push(...op.rows.calls);
      } else if (op.kind === "tokens") {
        const t = tokens.get(op.runId) ?? { prompt: 0, completion: 0, total: 0, calls: 0 };
        tokens.set(op.runId, { prompt: t.prompt + op.delta.prompt, completion: t.completion + op.delta.completion, total: t.total + op.delta.total, calls: t.calls + op.delta.calls });
      } else if (op.kind === "flowState") flowStates.push(op);
      else later.push(op);
    }
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const q = (name: keyof typeof PG, values: unknown[]) => client.query(PG[name], values);
      if (runs.length) await q("runs", PG_ROWS.runs.values(runs));
      // Fences first: they lock the fenced runs' rows, so a takeover waits for this transaction or wins before it.
      for (const op of fences) {
        const { rowCount } = op.from !== undefined ? await q("fenceSteps", [op.to ?? op.from, op.runId, op.lease, op.from - 1]) : await q("fenceLease", [op.runId, op.lease]);
        if (rowCount !== 1) throw fenceFailure(op, (await q("leaseOf", [op.runId])).rows[0] as { lease: number; last_seq: number } | undefined);
      }
      if (events.length) await q("events", PG_ROWS.events.values(events));
      if (calls.length) await q("calls", PG_ROWS.calls.values(calls));
      if (tokens.size) await q("tokens", PG_ROWS.tokens.values([...tokens]));
      if (flowStates.length) await q("flowStates", PG_ROWS.flowStates.values(flowStates));
      for (const op of later) {
        if (op.kind === "update") {
          const keys = updateFields(op.fields);
          if (keys.length === 0) continue;
          const id = keys.join(",");
          let update = this.updates.get(id);
          if (!update) this.updates.set(id, (update = runUpdate(keys, "postgres")));
          await client.query(update.sql, update.values(op.runId, op.fields));
        } else if (op.kind === "pending") await q("upsertPending", PG_ROWS.upsertPending.values(op));
        else if (op.kind === "unpending") await q("deletePending", [op.flowUuid]);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
