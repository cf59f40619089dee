// The runtime's RunStore (and CrewAI's FlowPersistence) on Prisma: SQLite by default, PostgreSQL by URL.
// Writes go through the group-commit writer (writer.ts); every read is a Prisma query. `commit` is the
// engine's journal: a method's events, its state snapshot and its LLM calls land in one transaction.
import { randomUUID } from "node:crypto";
import {
  type Checkpoint,
  type CreateRunOptions,
  type FlowEvent,
  type FlowPersistence,
  type FlowRecord,
  type FlowSummary,
  type FlowVersionInfo,
  type FlowVersionRecord,
  type FlowVersionRef,
  type JsonValue,
  type LeaseClaim,
  type LineageRow,
  type ListRunsFilter,
  type Page,
  type PageRequest,
  type PatchOperation,
  type PausedRun,
  type PendingFeedbackContext,
  type RecordedLlmCall,
  type RunOrigin,
  type RunRecord,
  type RunsPageFilter,
  type RunStatus,
  type RunStore,
  type State,
  type StepView,
  type StoredRun,
  DEFAULT_LEASE_TTL_MS,
  checkpointFromEvents,
  decodeCursor,
  encodeCursor,
  pageOf,
  holderIsDead,
  sha256,
} from "@crewflow/runtime";
import { type Connection, type OpenOptions, type Provider, connect } from "./connect";
import { type StoredCall, fromRows, recordedCall, toRows } from "./rows";
import { FencedError, type RunRow, type RunUpdate, type TokenDelta, type WriteOp } from "./writer";

// The port's types, under the names hosts import from this package.
export type {
  CreateRunOptions,
  FlowRecord,
  FlowSummary,
  FlowVersionInfo,
  FlowVersionRecord,
  FlowVersionRef,
  LineageRow,
  ListRunsFilter,
  PatchOperation,
  RecordedLlmCall,
  RunOrigin,
  StepView,
  StoredRun,
};

const TERMINAL = new Set(["flow_finished", "flow_failed", "flow_paused"]);

export { sha256 };

const json = (value: unknown): string => JSON.stringify(value ?? null);
const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === "P2002" || /Unique constraint/i.test((err as Error).message ?? "");
}

interface LineageSqlRow {
  id: string;
  origin: string;
  status: string;
  parentRunId: string | null;
  parentSeq: number | bigint | null;
  forkPatch: unknown;
  startedAt: Date | string;
  version: number | bigint;
  depth: number | bigint;
}

/** A raw query's timestamp as ISO 8601 (drivers give a Date or text; stored times are UTC). */
function sqlTime(value: Date | string): string {
  if (value instanceof Date) return value.toISOString();
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(" ", "T")}Z`;
  return new Date(text).toISOString();
}

const VERSION_SELECT = { id: true, number: true, hash: true, createdAt: true } as const;

const FLOW_SELECT = {
  id: true,
  name: true,
  createdAt: true,
  headVersionId: true,
  deletedAt: true,
  revision: true,
  versions: { select: { id: true, number: true, hash: true, createdAt: true }, orderBy: { number: "asc" } },
} as const;

const versionInfo = (v: { id: string; number: number; hash: string; createdAt: Date }): FlowVersionInfo => ({
  id: v.id,
  number: v.number,
  hash: v.hash,
  createdAt: v.createdAt.toISOString(),
});

function flowRecord(row: {
  id: string;
  name: string;
  createdAt: Date;
  headVersionId: string | null;
  deletedAt: Date | null;
  revision: number;
  versions: { id: string; number: number; hash: string; createdAt: Date }[];
}): FlowRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    headVersionId: row.headVersionId,
    deletedAt: row.deletedAt ? row.deletedAt.toISOString() : null,
    revision: row.revision,
    versions: row.versions.map(versionInfo),
  };
}

export class PrismaRunStore implements RunStore, FlowPersistence {
  readonly persistenceType = "PrismaRunStore";
  private readonly versions = new Map<string, FlowVersionRef>();
  /** Per running run: seq of each started execution (a step's start may be committed before its end). */
  private readonly starts = new Map<string, Map<number, number>>();
  private readonly startedAt = new Map<string, number>();

  private constructor(private readonly conn: Connection) {}

  /** Opens (creating and migrating if needed) the database that `options` name; see `resolveUrl`. */
  static async open(options: OpenOptions = {}): Promise<PrismaRunStore> {
    return new PrismaRunStore(await connect(options));
  }

  get provider(): Provider {
    return this.conn.provider;
  }
  /** The database's URL (password removed). */
  get url(): string {
    return this.conn.url;
  }
  /** How to open this database again from another thread (its own connection). */
  get openOptions(): OpenOptions {
    return this.conn.reopen;
  }
  /** The Prisma client: private, so nothing outside this package reaches the database around the port. */
  private get db(): Connection["prisma"] {
    return this.conn.prisma;
  }
  get migrated(): readonly string[] {
    return this.conn.migrated;
  }
  /** Transactions the writer committed and the requests they carried. */
  get writeStats(): { transactions: number; requests: number } {
    return { ...this.conn.writer.stats };
  }
  /** Whether `commitSync` is available (SQLite: the driver is synchronous). */
  get canCommitSync(): boolean {
    return this.conn.sqlite !== null;
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  /** Resolves once every write issued so far is committed. */
  flush(): Promise<void> {
    return this.conn.writer.drain();
  }

  // ---- flows and versions ---------------------------------------------------------------------------

  /**
   * The version of flow `name` whose text hashes to `hash` (or to `definition`'s hash), created on first
   * use. Versions are immutable: a text, once stored, never changes.
   */
  async registerVersion(input: { name: string; definition?: string | null; hash?: string; sourcePath?: string | null }): Promise<FlowVersionRef> {
    const hash = input.hash ?? (input.definition != null ? sha256(input.definition) : null);
    if (!hash) throw new Error("registerVersion needs the definition text or its hash");
    if (input.definition != null && sha256(input.definition) !== hash) throw new Error("the definition text does not match its hash");
    const key = `${input.name}\u0000${hash}`;
    const cached = this.versions.get(key);
    if (cached) return cached;
    const prisma = this.db;
    for (let attempt = 0; ; attempt++) {
      try {
        const flow =
          (await prisma.flow.findUnique({ where: { name: input.name } })) ?? (await prisma.flow.create({ data: { id: randomUUID(), name: input.name } }));
        let version = await prisma.flowVersion.findUnique({ where: { flowId_hash: { flowId: flow.id, hash } } });
        if (!version) {
          const last = await prisma.flowVersion.findFirst({ where: { flowId: flow.id }, orderBy: { number: "desc" }, select: { number: true } });
          version = await prisma.flowVersion.create({
            data: { id: randomUUID(), flowId: flow.id, number: (last?.number ?? 0) + 1, hash, definition: input.definition ?? null, sourcePath: input.sourcePath ?? null },
          });
        } else if (version.definition === null && input.definition != null)
          // Recorded earlier from a bare hash: the text that hashes to it is the same text.
          await prisma.flowVersion.update({ where: { id: version.id }, data: { definition: input.definition } });
        // A flow's first version is its head (later heads change only through saveFlowHead).
        if (flow.headVersionId === null) await prisma.flow.updateMany({ where: { id: flow.id, headVersionId: null }, data: { headVersionId: version.id } });
        const ref = { flowId: flow.id, versionId: version.id, number: version.number, hash };
        // Not while the text is unknown: a later call with the text must still store it.
        if (version.definition !== null || input.definition != null) this.versions.set(key, ref);
        return ref;
      } catch (err) {
        // Another process created the same flow or version number first: read again.
        if (attempt < 5 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  // ---- run queries for the API (lists, pending feedback, lineage) -----------------------------------

  /** One page of run ids, newest first (cursor: the last id of the previous page). */
  async runIdsPage(filter: RunsPageFilter): Promise<{ ids: string[]; nextCursor: string | null }> {
    await this.flush();
    const rows = await this.db.run.findMany({
      where: {
        ...(filter.flowId ? { flowId: filter.flowId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.since || filter.until
          ? { startedAt: { ...(filter.since ? { gte: new Date(filter.since) } : {}), ...(filter.until ? { lt: new Date(filter.until) } : {}) } }
          : {}),
      },
      select: { id: true },
      orderBy: [{ startedAt: "desc" }, { id: "asc" }],
      take: filter.limit + 1,
      ...(filter.cursor ? { cursor: { id: filter.cursor }, skip: 1 } : {}),
    });
    const page = rows.slice(0, filter.limit).map((r) => r.id);
    return { ids: page, nextCursor: rows.length > filter.limit ? page.at(-1)! : null };
  }

  /** The pending-feedback record of a paused run's state id. */
  async pendingFeedbackOf(stateId: string): Promise<{ context: unknown; createdAt: Date } | null> {
    await this.flush();
    return this.db.pendingFeedback.findUnique({ where: { flowUuid: stateId }, select: { context: true, createdAt: true } });
  }

  /** One page of paused runs with what they wait for, oldest first (startedAt, then id). */
  async pausedRunsPage(filter: PageRequest & { flowId?: string | undefined }): Promise<Page<PausedRun>> {
    const after = filter.cursor ? decodeCursor("pending", filter.cursor, ["time", "string"]) : null;
    await this.flush();
    const runs = await this.db.run.findMany({
      where: {
        status: "paused",
        stateId: { not: null },
        ...(filter.flowId ? { flowId: filter.flowId } : {}),
        ...(after ? { OR: [{ startedAt: { gt: new Date(after[0]) } }, { startedAt: new Date(after[0]), id: { gt: after[1] } }] } : {}),
      },
      select: { id: true, flowId: true, stateId: true, startedAt: true, flow: { select: { name: true } } },
      orderBy: [{ startedAt: "asc" }, { id: "asc" }],
      take: filter.limit + 1,
    });
    const page = pageOf(runs, filter.limit, (run) => run, (run) => encodeCursor("pending", [run.startedAt.toISOString(), run.id]));
    const stateIds = page.items.map((r) => r.stateId).filter((id): id is string => id !== null);
    const rows = stateIds.length ? await this.db.pendingFeedback.findMany({ where: { flowUuid: { in: stateIds } } }) : [];
    const byState = new Map(rows.map((r) => [r.flowUuid, r]));
    return {
      items: page.items.flatMap((run) => {
        const row = run.stateId ? byState.get(run.stateId) : undefined;
        return row ? [{ runId: run.id, flowId: run.flowId, flowName: run.flow.name, context: row.context, createdAt: row.createdAt }] : [];
      }),
      nextCursor: page.nextCursor,
    };
  }

  /** Ids of runs marked running (at most `limit`), or of those among `ids` that still are. */
  async runningRunIds(options: { limit: number; among?: readonly string[] }): Promise<string[]> {
    await this.flush();
    const rows = await this.db.run.findMany({
      where: { status: "running", ...(options.among ? { id: { in: [...options.among] } } : {}) },
      select: { id: true },
      take: options.limit,
    });
    return rows.map((r) => r.id);
  }

  /**
   * The fork tree `runId` belongs to, from its root (forks, checkpoints and restores are children):
   * one recursive query walks up to the root and back down the whole tree.
   */
  async lineageTree(runId: string): Promise<LineageRow | null> {
    await this.flush();
    // Depth bounds guard against a cycle (which the schema does not forbid); same SQL on both dialects.
    const rows = await this.db.$queryRaw<LineageSqlRow[]>`
      WITH RECURSIVE up (id, parent_run_id, depth) AS (
        SELECT id, parent_run_id, 0 FROM runs WHERE id = ${runId}
        UNION ALL
        SELECT r.id, r.parent_run_id, up.depth + 1 FROM runs r JOIN up ON r.id = up.parent_run_id WHERE up.depth < 10000
      ),
      root (id) AS (SELECT id FROM up ORDER BY depth DESC LIMIT 1),
      down (id, depth) AS (
        SELECT id, 0 FROM root
        UNION ALL
        SELECT r.id, down.depth + 1 FROM runs r JOIN down ON r.parent_run_id = down.id WHERE down.depth < 10000
      )
      SELECT r.id, r.origin, r.status, r.parent_run_id AS "parentRunId", r.parent_seq AS "parentSeq", r.fork_patch AS "forkPatch",
        r.started_at AS "startedAt", v.number AS version, down.depth
      FROM down JOIN runs r ON r.id = down.id JOIN flow_versions v ON v.id = r.version_id
      ORDER BY down.depth, r.started_at, r.id`;
    if (rows.length === 0) return null;
    const nodes = new Map<string, LineageRow>();
    let root: LineageRow | null = null;
    for (const row of rows) {
      if (nodes.has(row.id)) continue; // reached twice only through a cycle
      const node: LineageRow = {
        runId: row.id,
        origin: row.origin,
        status: row.status,
        parentSeq: row.parentSeq === null ? null : Number(row.parentSeq),
        forkPatch: (typeof row.forkPatch === "string" ? JSON.parse(row.forkPatch) : (row.forkPatch ?? null)) as PatchOperation[] | null,
        version: Number(row.version),
        startedAt: sqlTime(row.startedAt),
        children: [],
      };
      nodes.set(row.id, node);
      if (root === null) root = node;
      else if (row.parentRunId !== null) nodes.get(row.parentRunId)?.children.push(node);
    }
    return root;
  }

  // ---- the flow catalog (flows, versions, head, deleted) ---------------------------------------------

  /** One page of flows by name, each with its head version and how many versions it has. */
  async flowsPage(filter: PageRequest & { includeDeleted: boolean }): Promise<Page<FlowSummary>> {
    const after = filter.cursor ? decodeCursor("flows", filter.cursor, ["string"])[0] : null;
    await this.flush();
    const rows = await this.db.flow.findMany({
      where: { versions: { some: {} }, ...(filter.includeDeleted ? {} : { deletedAt: null }), ...(after !== null ? { name: { gt: after } } : {}) },
      select: {
        id: true,
        name: true,
        createdAt: true,
        headVersionId: true,
        deletedAt: true,
        revision: true,
        _count: { select: { versions: true } },
        versions: { select: VERSION_SELECT, orderBy: { number: "desc" }, take: 1 },
      },
      orderBy: { name: "asc" },
      take: filter.limit + 1,
    });
    const headIds = rows.flatMap((r) => (r.headVersionId && r.headVersionId !== r.versions[0]?.id ? [r.headVersionId] : []));
    const heads = headIds.length ? await this.db.flowVersion.findMany({ where: { id: { in: headIds } }, select: VERSION_SELECT }) : [];
    const byId = new Map(heads.map((v) => [v.id, v]));
    return pageOf(
      rows,
      filter.limit,
      (row): FlowSummary => ({
        id: row.id,
        name: row.name,
        createdAt: row.createdAt.toISOString(),
        deletedAt: iso(row.deletedAt),
        revision: row.revision,
        // A head that names no version (its save died between the two writes) falls back to the latest.
        head: versionInfo((row.headVersionId ? byId.get(row.headVersionId) : undefined) ?? row.versions[0]!),
        versionCount: row._count.versions,
      }),
      (row) => encodeCursor("flows", [row.name]),
    );
  }

  /** One page of a flow's versions, highest number first. */
  async versionsPage(flowId: string, page: PageRequest): Promise<Page<FlowVersionInfo>> {
    const before = page.cursor ? decodeCursor("versions", page.cursor, ["number"])[0] : null;
    await this.flush();
    const rows = await this.db.flowVersion.findMany({
      where: { flowId, ...(before !== null ? { number: { lt: before } } : {}) },
      select: VERSION_SELECT,
      orderBy: { number: "desc" },
      take: page.limit + 1,
    });
    return pageOf(rows, page.limit, versionInfo, (v) => encodeCursor("versions", [v.number]));
  }

  /** A flow by id, or by name. */
  async findFlow(idOrName: string): Promise<FlowRecord | null> {
    await this.flush();
    const row =
      (await this.db.flow.findUnique({ where: { id: idOrName }, select: FLOW_SELECT })) ??
      (await this.db.flow.findUnique({ where: { name: idOrName }, select: FLOW_SELECT }));
    return row ? flowRecord(row) : null;
  }

  /** A new flow named `name` with `text` as its first version (and head); null if the name is taken. */
  async createFlow(name: string, text: string): Promise<FlowVersionRef | null> {
    try {
      await this.db.flow.create({ data: { id: randomUUID(), name } });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return this.registerVersion({ name, definition: text });
  }

  /**
   * Makes `versionId` the flow's head (and the flow not deleted) if the flow is still at `revision`:
   * compare-and-swap in the database, so of any number of processes saving from one revision exactly
   * one succeeds. False: another change came first.
   */
  async saveFlowHead(flowId: string, versionId: string, revision: number): Promise<boolean> {
    const { count } = await this.db.flow.updateMany({ where: { id: flowId, revision }, data: { headVersionId: versionId, deletedAt: null, revision: revision + 1 } });
    return count === 1;
  }

  /** Soft-deletes or restores a flow if it is still at `revision` (false: another change came first). */
  async setFlowDeleted(flowId: string, deleted: boolean, revision: number): Promise<boolean> {
    const { count } = await this.db.flow.updateMany({ where: { id: flowId, revision }, data: { deletedAt: deleted ? new Date() : null, revision: revision + 1 } });
    return count === 1;
  }

  /** A version's text, by number. */
  async flowVersionText(flowId: string, number: number): Promise<{ version: FlowVersionInfo; text: string | null } | null> {
    const row = await this.db.flowVersion.findUnique({ where: { flowId_number: { flowId, number } } });
    return row ? { version: versionInfo(row), text: row.definition } : null;
  }

  async getVersion(versionId: string): Promise<FlowVersionRecord | null> {
    const v = await this.db.flowVersion.findUnique({ where: { id: versionId }, include: { flow: { select: { name: true } } } });
    if (!v) return null;
    return {
      flowId: v.flowId,
      versionId: v.id,
      number: v.number,
      hash: v.hash,
      flowName: v.flow.name,
      definition: v.definition,
      sourcePath: v.sourcePath,
      createdAt: v.createdAt.toISOString(),
    };
  }

  // ---- runs (RunStore) ------------------------------------------------------------------------------

  async createRun(record: RunRecord, options: CreateRunOptions = {}): Promise<void> {
    const version = await this.registerVersion({
      name: record.flowName,
      hash: record.definitionHash,
      definition: options.definition ?? null,
      sourcePath: record.definitionPath,
    });
    const row: RunRow = {
      id: record.runId,
      flowId: version.flowId,
      versionId: version.versionId,
      status: record.status,
      origin: options.origin ?? "new",
      stateId: record.stateId,
      inputs: json(record.inputs),
      output: record.output === null ? null : json(record.output),
      error: record.error ? json(record.error) : null,
      definitionPath: record.definitionPath,
      startedAt: record.startedAt,
      parentRunId: record.parentRunId,
      parentSeq: record.parentSeq,
      forkPatch: options.forkPatch ? json(options.forkPatch) : null,
      replayOfId: options.replayOf ?? null,
    };
    this.startedAt.set(record.runId, Date.parse(record.startedAt));
    await this.conn.writer.write([{ kind: "run", row }]);
  }

  // ---- leases (scale-out) ---------------------------------------------------------------------------

  /**
   * Takes over a run: increments its fencing token in the database and returns it with the seq of the
   * last committed event (null when the run does not exist). Writes that name the token (`commit`,
   * `updateRun`, `appendFenced` with `lease`) commit only while it is the run's current one: whoever
   * held the run before can write nothing more from this moment.
   */
  acquireLease(runId: string): Promise<{ lease: number; lastSeq: number } | null> {
    return this.conn.writer.acquire(runId);
  }

  /**
   * Takes the run for `holder` (lease.ts): granted when nobody holds it, its lease lapsed, or its holder
   * is a dead process of this machine; otherwise the answer names the holder. Null: no such run.
   */
  async claimRun(runId: string, holder: string, ttlMs = DEFAULT_LEASE_TTL_MS): Promise<LeaseClaim | null> {
    const now = Date.now();
    const claim = await this.conn.writer.claim(runId, holder, now + ttlMs, now, holder);
    if (claim && "heldBy" in claim && holderIsDead(claim.heldBy)) return this.conn.writer.claim(runId, holder, now + ttlMs, now, claim.heldBy);
    return claim;
  }

  /** Extends the lease; false when the run was taken over (the holder must stop writing). */
  renewLease(runId: string, lease: number, ttlMs = DEFAULT_LEASE_TTL_MS): Promise<boolean> {
    return this.conn.writer.renew(runId, lease, Date.now() + ttlMs);
  }

  releaseLease(runId: string, lease: number): Promise<void> {
    return this.conn.writer.release(runId, lease);
  }

  /** The live holder of a run's lease (not lapsed, not a dead process here), or null. */
  async heldBy(runId: string): Promise<{ holder: string; until: number } | null> {
    await this.flush();
    const row = await this.db.run.findUnique({ where: { id: runId }, select: { leaseHolder: true, leaseUntil: true } });
    if (!row?.leaseHolder || row.leaseUntil === null || row.leaseUntil < Date.now() || holderIsDead(row.leaseHolder)) return null;
    return { holder: row.leaseHolder, until: row.leaseUntil };
  }

  /** Runs marked running whose executor is gone: no lease holder, a lapsed lease, or a dead holder here. */
  async orphanedRuns(): Promise<string[]> {
    await this.flush();
    const now = Date.now();
    const running = await this.db.run.findMany({ where: { status: "running" }, select: { id: true, leaseHolder: true, leaseUntil: true } });
    return running.filter((r) => r.leaseHolder === null || r.leaseUntil === null || r.leaseUntil < now || holderIsDead(r.leaseHolder)).map((r) => r.id);
  }

  /**
   * A fenced append, for a caller that names the lease itself: `events` must start at `expectSeq`
   * (the run's last fenced seq + 1) and `lease` must be the run's current token.
   */
  appendFenced(runId: string, lease: number, expectSeq: number, events: readonly FlowEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (events[0]!.seq !== expectSeq) return Promise.reject(new FencedError(runId, `run ${runId}: events start at seq ${events[0]!.seq}, not at the expected ${expectSeq}`));
    return this.conn.writer.write([{ kind: "fence", runId, lease, from: expectSeq, to: events.at(-1)!.seq }, ...this.opsFor(runId, events)]);
  }

  /** RunStore's append: the same as `commit`. */
  append(runId: string, events: readonly FlowEvent[]): Promise<void> {
    return this.commit(runId, events);
  }

  /**
   * The engine's journal: writes `events` (the run's events since its previous commit) in one
   * transaction, shared with whatever other runs commit at the same moment (group commit). A terminal
   * event also sets the run's status, so a run's row never disagrees with its log.
   */
  commit(runId: string, events: readonly FlowEvent[], lease?: number): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    // Under a lease the events must also follow the last fenced commit (the database checks both).
    if (lease !== undefined) return this.appendFenced(runId, lease, events[0]!.seq, events);
    const ops = this.opsFor(runId, events);
    const sqlite = this.conn.sqlite;
    // SQLite writes synchronously: at the end of the current microtask wave (no event-loop turn per step).
    if (sqlite) return new Promise((resolve, reject) => sqlite.writeSoon(ops, (err) => (err ? reject(err) : resolve())));
    return this.conn.writer.write(ops);
  }

  /** `commit`, done before returning (SQLite only): for an event listener, which cannot await. */
  commitSync(runId: string, events: readonly FlowEvent[]): void {
    if (!this.conn.sqlite) throw new Error("commitSync needs SQLite; on PostgreSQL await commit()");
    if (events.length > 0) this.conn.sqlite.writeNow(this.opsFor(runId, events));
  }

  private opsFor(runId: string, events: readonly FlowEvent[]): WriteOp[] {
    let starts = this.starts.get(runId);
    if (!starts) this.starts.set(runId, (starts = new Map()));
    const rows = toRows(runId, events, starts);
    const ops: WriteOp[] = [{ kind: "rows", rows }];
    const llm = rows.calls.filter((c) => c.kind === "llm"); // tool calls and task summaries are not model calls
    if (llm.length > 0) {
      const delta: TokenDelta = { prompt: 0, completion: 0, total: 0, calls: llm.length };
      for (const c of llm) {
        delta.prompt += c.promptTokens;
        delta.completion += c.completionTokens;
        delta.total += c.totalTokens;
      }
      ops.push({ kind: "tokens", runId, delta });
    }
    for (const event of events) {
      const fields = this.statusFrom(event);
      if (fields) ops.push({ kind: "update", runId, fields });
    }
    if (TERMINAL.has(events[events.length - 1]!.type)) {
      // The run is over for this process: forget its bookkeeping (a long-lived server runs many).
      this.starts.delete(runId);
      this.startedAt.delete(runId);
    }
    return ops;
  }

  /** The run-row change an event implies (start, resume, end, pause, failure), if any. */
  private statusFrom(event: FlowEvent): RunUpdate | null {
    const ended = (at: string): RunUpdate => {
      const started = this.startedAt.get(event.runId);
      return { endedAt: at, ...(started !== undefined ? { durationMs: Date.parse(at) - started } : {}) };
    };
    switch (event.type) {
      case "flow_started":
        return event.resumed || event.seq > 1 ? { status: "running", endedAt: null, durationMs: null } : null;
      case "flow_finished": {
        const state = event.state as State | null;
        return { status: "completed", output: json(event.result), error: null, ...(state?.id != null ? { stateId: String(state.id) } : {}), ...ended(event.at) };
      }
      case "flow_failed":
        return { status: "failed", error: json(event.error), ...ended(event.at) };
      case "flow_paused": {
        const state = event.state as State | null;
        return { status: "paused", ...(state?.id != null ? { stateId: String(state.id) } : {}), ...ended(event.at) };
      }
      default:
        return null;
    }
  }

  /** Changes the run's row; with `lease`, only while that lease is the run's current one (else FencedError). */
  async updateRun(runId: string, fields: Partial<RunRecord>, lease?: number): Promise<void> {
    const update: RunUpdate = {};
    if (fields.status !== undefined) update.status = fields.status;
    if (fields.stateId !== undefined) update.stateId = fields.stateId;
    if (fields.output !== undefined) update.output = fields.output === null ? null : json(fields.output);
    if (fields.error !== undefined) update.error = fields.error ? json(fields.error) : null;
    if (fields.endedAt !== undefined) {
      update.endedAt = fields.endedAt;
      const started = this.startedAt.get(runId);
      if (fields.endedAt && started !== undefined) update.durationMs = Date.parse(fields.endedAt) - started;
      if (fields.endedAt === null) update.durationMs = null;
    }
    if (fields.status !== undefined && fields.status !== "running") this.starts.delete(runId);
    await this.conn.writer.write([...(lease !== undefined ? [{ kind: "fence", runId, lease } as const] : []), { kind: "update", runId, fields: update }]);
  }

  async getRun(runId: string): Promise<StoredRun | null> {
    await this.flush();
    const run = await this.db.run.findUnique({ where: { id: runId }, include: { flow: { select: { name: true } }, version: true } });
    if (!run) return null;
    this.startedAt.set(run.id, run.startedAt.getTime());
    return toStoredRun(run);
  }

  async loadRun(runId: string): Promise<{ record: StoredRun; events: FlowEvent[] } | null> {
    const record = await this.getRun(runId);
    if (!record) return null;
    return { record, events: await this.events(runId, record.flowName) };
  }

  /** The run's event log, in order (optionally from a seq on, for a reader that reconnects). */
  async events(runId: string, flowName?: string, afterSeq = 0): Promise<FlowEvent[]> {
    await this.flush();
    const prisma = this.db;
    const where = { runId, seq: { gt: afterSeq } };
    const [name, events, calls] = await Promise.all([
      flowName ?? prisma.run.findUnique({ where: { id: runId }, select: { flow: { select: { name: true } } } }).then((r) => r?.flow.name ?? ""),
      prisma.runEvent.findMany({ where, orderBy: { seq: "asc" } }),
      prisma.llmCall.findMany({ where, select: { seq: true, request: true, response: true, call: true } }),
    ]);
    return fromRows(runId, name, events, calls);
  }

  async listRuns(filter: ListRunsFilter = {}): Promise<StoredRun[]> {
    await this.flush();
    const runs = await this.db.run.findMany({
      where: { ...(filter.flowName ? { flow: { name: filter.flowName } } : {}), ...(filter.status ? { status: filter.status } : {}) },
      include: { flow: { select: { name: true } }, version: true },
      orderBy: [{ startedAt: "desc" }, { id: "asc" }],
      ...(filter.limit ? { take: filter.limit } : {}),
    });
    return runs.map(toStoredRun);
  }

  /** The step log: every method execution that ended, in order, with the state after it. */
  async steps(runId: string): Promise<StepView[]> {
    await this.flush();
    const rows = await this.db.runEvent.findMany({ where: { runId, status: { not: null } }, orderBy: { seq: "asc" } });
    return rows.map((s, i) => ({
      number: i + 1,
      seq: s.seq,
      startSeq: s.startSeq,
      method: s.method ?? "",
      execution: s.execution ?? 0,
      status: s.status as StepView["status"],
      output: (s.output ?? null) as JsonValue,
      label: s.label,
      error: (s.error ?? null) as StepView["error"],
      durationMs: s.durationMs,
      stateId: s.stateId,
      state: (s.state ?? null) as State | null,
      at: s.at.toISOString(),
    }));
  }

  /** One step, by its number in the step log or by its seq. */
  async step(runId: string, at: { number: number } | { seq: number }): Promise<StepView | null> {
    const steps = await this.steps(runId);
    return ("number" in at ? steps[at.number - 1] : steps.find((s) => s.seq === at.seq)) ?? null;
  }

  /** The run's LLM calls in the order it made them (what a replay answers from). */
  async recordedCalls(runId: string): Promise<RecordedLlmCall[]> {
    await this.flush();
    const rows = await this.db.llmCall.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    return rows.map((c) => ({
      seq: c.seq,
      method: c.method,
      execution: c.execution,
      kind: c.kind,
      hash: c.hash,
      model: c.model,
      tokens: { prompt: c.promptTokens, completion: c.completionTokens, total: c.totalTokens },
      latencyMs: c.latencyMs,
      call: recordedCall(c as StoredCall),
      at: c.at.toISOString(),
    }));
  }

  /** The engine's checkpoint after event `uptoSeq` of a run (default: its whole log). */
  async checkpoint(runId: string, uptoSeq?: number): Promise<Checkpoint | null> {
    const loaded = await this.loadRun(runId);
    if (!loaded) return null;
    return checkpointFromEvents(loaded.events, uptoSeq);
  }

  // ---- CrewAI's FlowPersistence ---------------------------------------------------------------------

  async saveState(flowUuid: string, methodName: string, state: State): Promise<void> {
    await this.conn.writer.write([{ kind: "flowState", flowUuid, method: methodName, state: json(state), at: new Date().toISOString() }]);
  }

  /**
   * The latest `@persist` snapshot of this state id; else the state after the latest step of a run on
   * that state id (so `--fork STATE_ID` works for flows without `persist`).
   */
  async loadState(flowUuid: string): Promise<State | null> {
    await this.flush();
    const saved = await this.db.flowState.findFirst({ where: { flowUuid }, orderBy: { id: "desc" } });
    if (saved) return saved.state as State;
    const step = await this.db.runEvent.findFirst({
      where: { run: { stateId: flowUuid }, status: { in: ["completed", "paused"] } },
      orderBy: [{ at: "desc" }, { seq: "desc" }],
      select: { state: true },
    });
    return (step?.state ?? null) as State | null;
  }

  /** Where a state id's latest snapshot came from: the run and step (for a fork's lineage). */
  async stateOrigin(flowUuid: string): Promise<{ runId: string; seq: number } | null> {
    await this.flush();
    const step = await this.db.runEvent.findFirst({
      where: { run: { stateId: flowUuid }, status: { in: ["completed", "paused"] } },
      orderBy: [{ at: "desc" }, { seq: "desc" }],
      select: { runId: true, seq: true },
    });
    return step ? { runId: step.runId, seq: step.seq } : null;
  }

  async savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): Promise<void> {
    const at = new Date().toISOString();
    await this.conn.writer.write([
      { kind: "flowState", flowUuid, method: context.method_name, state: json(state), at },
      { kind: "pending", flowUuid, method: context.method_name, context: json(context), state: json(state), at },
    ]);
  }

  async loadPendingFeedback(flowUuid: string): Promise<{ state: State; context: PendingFeedbackContext } | null> {
    await this.flush();
    const row = await this.db.pendingFeedback.findUnique({ where: { flowUuid } });
    return row ? { state: row.state as State, context: row.context as unknown as PendingFeedbackContext } : null;
  }

  async clearPendingFeedback(flowUuid: string): Promise<void> {
    await this.conn.writer.write([{ kind: "unpending", flowUuid }]);
  }
}

type RunWithVersion = {
  id: string;
  flowId: string;
  versionId: string;
  status: string;
  origin: string;
  stateId: string | null;
  inputs: unknown;
  output: unknown;
  error: unknown;
  definitionPath: string | null;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  llmCalls: number;
  parentRunId: string | null;
  parentSeq: number | null;
  forkPatch: unknown;
  replayOfId: string | null;
  flow: { name: string };
  version: { number: number; hash: string };
};

function toStoredRun(run: RunWithVersion): StoredRun {
  return {
    runId: run.id,
    flowName: run.flow.name,
    definitionPath: run.definitionPath,
    definitionHash: run.version.hash,
    status: run.status as RunStatus,
    inputs: (run.inputs ?? null) as JsonValue,
    stateId: run.stateId,
    startedAt: run.startedAt.toISOString(),
    endedAt: iso(run.endedAt),
    parentRunId: run.parentRunId,
    parentSeq: run.parentSeq,
    output: (run.output ?? null) as JsonValue,
    error: (run.error ?? null) as RunRecord["error"],
    origin: run.origin as RunOrigin,
    flowId: run.flowId,
    versionId: run.versionId,
    version: run.version.number,
    forkPatch: (run.forkPatch ?? null) as PatchOperation[] | null,
    replayOfId: run.replayOfId,
    durationMs: run.durationMs,
    tokens: { prompt: run.promptTokens, completion: run.completionTokens, total: run.totalTokens },
    llmCalls: run.llmCalls,
  };
}


/** The Prisma client of a store, for this package's own tests and bench (not exported from the index). */
export function prismaOf(store: PrismaRunStore): Connection["prisma"] {
  return store["conn"].prisma;
}
