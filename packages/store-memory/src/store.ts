// The runtime's RunStore port in memory: the same rules as the database stores (leases with fencing,
// compare-and-swap catalog saves, cursor pages, pending feedback, lineage), checked by the same spec
// suite. A write either applies whole or throws before changing anything, like a transaction. Values
// go in and out as JSON copies, so a caller never shares an object with the store.
import { randomUUID } from "node:crypto";
import {
  type Checkpoint,
  type CreateRunOptions,
  DEFAULT_LEASE_TTL_MS,
  FencedError,
  type FlowEvent,
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
  type RunStore,
  type State,
  type StepView,
  type StoredRun,
  callColumns,
  checkpointFromEvents,
  decodeCursor,
  encodeCursor,
  holderIsDead,
  pageOf,
  sha256,
} from "@crewflow/runtime";

export interface MemoryStoreOptions {
  /** Names the store in messages (`memory:NAME`). */
  name?: string;
  /** The clock leases are measured with (epoch ms); tests may pass their own. */
  now?: () => number;
}

interface FlowRow {
  id: string;
  name: string;
  createdAt: string;
  headVersionId: string | null;
  deletedAt: string | null;
  revision: number;
}

interface VersionRow {
  id: string;
  flowId: string;
  number: number;
  hash: string;
  definition: string | null;
  sourcePath: string | null;
  createdAt: string;
}

interface RunRow {
  record: RunRecord;
  origin: RunOrigin;
  flowId: string;
  versionId: string;
  forkPatch: PatchOperation[] | null;
  replayOfId: string | null;
  durationMs: number | null;
  tokens: { prompt: number; completion: number; total: number };
  llmCalls: number;
  lease: number;
  /** Seq of the last event a fenced append committed (raised when a lease is taken). */
  lastSeq: number;
  leaseHolder: string | null;
  leaseUntil: number | null;
  events: FlowEvent[];
  steps: StepView[];
  calls: RecordedLlmCall[];
  /** Seq of each started execution whose end is not logged yet. */
  starts: Map<number, number>;
}

const TERMINAL = new Set(["flow_finished", "flow_failed", "flow_paused"]);

/** A JSON copy: what a database would give back. */
function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

const isoAt = (at: string): string => new Date(at).toISOString();

function stateIdOf(state: JsonValue): string | null {
  return state !== null && typeof state === "object" && !Array.isArray(state) && state.id !== undefined && state.id !== null ? String(state.id) : null;
}

/** Newest first; ties by id. */
const newestFirst = (a: RunRow, b: RunRow): number => Date.parse(b.record.startedAt) - Date.parse(a.record.startedAt) || (a.record.runId < b.record.runId ? -1 : a.record.runId > b.record.runId ? 1 : 0);
const oldestFirst = (a: RunRow, b: RunRow): number => Date.parse(a.record.startedAt) - Date.parse(b.record.startedAt) || (a.record.runId < b.record.runId ? -1 : a.record.runId > b.record.runId ? 1 : 0);

export class MemoryRunStore implements RunStore {
  readonly persistenceType = "MemoryRunStore";
  readonly url: string;
  private readonly now: () => number;
  private readonly flows = new Map<string, FlowRow>();
  private readonly versions = new Map<string, VersionRow>();
  private readonly runs = new Map<string, RunRow>();
  private readonly snapshots: { flowUuid: string; method: string; state: State; at: string }[] = [];
  private readonly pending = new Map<string, { context: PendingFeedbackContext; state: State; createdAt: string }>();

  constructor(options: MemoryStoreOptions = {}) {
    this.url = `memory:${options.name ?? ""}`;
    this.now = options.now ?? Date.now;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- flows, versions and the catalog

  async registerVersion(input: { name: string; definition?: string | null; hash?: string; sourcePath?: string | null }): Promise<FlowVersionRef> {
    const hash = input.hash ?? (input.definition != null ? sha256(input.definition) : null);
    if (!hash) throw new Error("registerVersion needs the definition text or its hash");
    if (input.definition != null && sha256(input.definition) !== hash) throw new Error("the definition text does not match its hash");
    let flow = this.flowByName(input.name);
    if (!flow) {
      flow = { id: randomUUID(), name: input.name, createdAt: new Date(this.now()).toISOString(), headVersionId: null, deletedAt: null, revision: 0 };
      this.flows.set(flow.id, flow);
    }
    const own = this.versionsOf(flow.id);
    let version = own.find((v) => v.hash === hash);
    if (!version) {
      version = {
        id: randomUUID(),
        flowId: flow.id,
        number: (own.at(-1)?.number ?? 0) + 1,
        hash,
        definition: input.definition ?? null,
        sourcePath: input.sourcePath ?? null,
        createdAt: new Date(this.now()).toISOString(),
      };
      this.versions.set(version.id, version);
    } else if (version.definition === null && input.definition != null) version.definition = input.definition;
    if (flow.headVersionId === null) flow.headVersionId = version.id;
    return { flowId: flow.id, versionId: version.id, number: version.number, hash };
  }

  async getVersion(versionId: string): Promise<FlowVersionRecord | null> {
    const v = this.versions.get(versionId);
    if (!v) return null;
    return {
      flowId: v.flowId,
      versionId: v.id,
      number: v.number,
      hash: v.hash,
      flowName: this.flows.get(v.flowId)!.name,
      definition: v.definition,
      sourcePath: v.sourcePath,
      createdAt: v.createdAt,
    };
  }

  async flowsPage(filter: PageRequest & { includeDeleted: boolean }): Promise<Page<FlowSummary>> {
    const after = filter.cursor ? decodeCursor("flows", filter.cursor, ["string"])[0] : null;
    const rows = [...this.flows.values()]
      .filter((f) => (filter.includeDeleted || f.deletedAt === null) && (after === null || f.name > after))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((flow) => {
        const versions = this.versionsOf(flow.id);
        if (versions.length === 0) return [];
        const head = versions.find((v) => v.id === flow.headVersionId) ?? versions.at(-1)!;
        const summary: FlowSummary = {
          id: flow.id,
          name: flow.name,
          createdAt: flow.createdAt,
          deletedAt: flow.deletedAt,
          revision: flow.revision,
          head: versionInfo(head),
          versionCount: versions.length,
        };
        return [summary];
      })
      .slice(0, filter.limit + 1);
    return pageOf(rows, filter.limit, (f) => f, (f) => encodeCursor("flows", [f.name]));
  }

  async versionsPage(flowId: string, page: PageRequest): Promise<Page<FlowVersionInfo>> {
    const before = page.cursor ? decodeCursor("versions", page.cursor, ["number"])[0] : null;
    const rows = this.versionsOf(flowId)
      .filter((v) => before === null || v.number < before)
      .reverse()
      .slice(0, page.limit + 1);
    return pageOf(rows, page.limit, versionInfo, (v) => encodeCursor("versions", [v.number]));
  }

  async findFlow(idOrName: string): Promise<FlowRecord | null> {
    const flow = this.flows.get(idOrName) ?? this.flowByName(idOrName);
    return flow ? this.flowRecord(flow) : null;
  }

  async createFlow(name: string, text: string): Promise<FlowVersionRef | null> {
    if (this.flowByName(name)) return null;
    const id = randomUUID();
    this.flows.set(id, { id, name, createdAt: new Date(this.now()).toISOString(), headVersionId: null, deletedAt: null, revision: 0 });
    return this.registerVersion({ name, definition: text });
  }

  async saveFlowHead(flowId: string, versionId: string, revision: number): Promise<boolean> {
    const flow = this.flows.get(flowId);
    if (!flow || flow.revision !== revision) return false;
    Object.assign(flow, { headVersionId: versionId, deletedAt: null, revision: revision + 1 });
    return true;
  }

  async setFlowDeleted(flowId: string, deleted: boolean, revision: number): Promise<boolean> {
    const flow = this.flows.get(flowId);
    if (!flow || flow.revision !== revision) return false;
    Object.assign(flow, { deletedAt: deleted ? new Date(this.now()).toISOString() : null, revision: revision + 1 });
    return true;
  }

  async flowVersionText(flowId: string, number: number): Promise<{ version: FlowVersionInfo; text: string | null } | null> {
    const v = this.versionsOf(flowId).find((row) => row.number === number);
    return v ? { version: versionInfo(v), text: v.definition } : null;
  }

  private flowByName(name: string): FlowRow | undefined {
    for (const flow of this.flows.values()) if (flow.name === name) return flow;
    return undefined;
  }

  private versionsOf(flowId: string): VersionRow[] {
    return [...this.versions.values()].filter((v) => v.flowId === flowId).sort((a, b) => a.number - b.number);
  }

  private flowRecord(flow: FlowRow): FlowRecord {
    return { ...flow, versions: this.versionsOf(flow.id).map(versionInfo) };
  }

  // ---- runs and their logs

  async createRun(record: RunRecord, options: CreateRunOptions = {}): Promise<void> {
    if (this.runs.has(record.runId)) throw new Error(`Unique constraint failed: run ${record.runId} exists`);
    const version = await this.registerVersion({ name: record.flowName, hash: record.definitionHash, definition: options.definition ?? null, sourcePath: record.definitionPath });
    this.runs.set(record.runId, {
      record: copy({
        runId: record.runId,
        flowName: record.flowName,
        definitionPath: record.definitionPath,
        definitionHash: record.definitionHash,
        status: record.status,
        inputs: record.inputs,
        stateId: record.stateId,
        startedAt: isoAt(record.startedAt),
        endedAt: record.endedAt === null ? null : isoAt(record.endedAt),
        parentRunId: record.parentRunId,
        parentSeq: record.parentSeq,
        output: record.output,
        error: record.error,
      }),
      origin: options.origin ?? "new",
      flowId: version.flowId,
      versionId: version.versionId,
      forkPatch: copy(options.forkPatch ?? null),
      replayOfId: options.replayOf ?? null,
      durationMs: null,
      tokens: { prompt: 0, completion: 0, total: 0 },
      llmCalls: 0,
      lease: 0,
      lastSeq: 0,
      leaseHolder: null,
      leaseUntil: null,
      events: [],
      steps: [],
      calls: [],
      starts: new Map(),
    });
  }

  append(runId: string, events: readonly FlowEvent[]): Promise<void> {
    return this.commit(runId, events);
  }

  async commit(runId: string, events: readonly FlowEvent[], lease?: number): Promise<void> {
    if (events.length === 0) return;
    if (lease !== undefined) return this.appendFenced(runId, lease, events[0]!.seq, events);
    this.write(this.runOrThrow(runId), events);
  }

  async appendFenced(runId: string, lease: number, expectSeq: number, events: readonly FlowEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (events[0]!.seq !== expectSeq) throw new FencedError(runId, `run ${runId}: events start at seq ${events[0]!.seq}, not at the expected ${expectSeq}`);
    const run = this.fence(runId, lease);
    if (run.lastSeq !== expectSeq - 1) throw new FencedError(runId, `run ${runId}: expected its next event at seq ${run.lastSeq + 1}, got ${expectSeq} (already committed or out of order)`);
    this.write(run, events);
    run.lastSeq = events.at(-1)!.seq;
  }

  async updateRun(runId: string, fields: Partial<RunRecord>, lease?: number): Promise<void> {
    const run = lease !== undefined ? this.fence(runId, lease) : this.runs.get(runId);
    if (!run) return;
    const r = run.record;
    if (fields.status !== undefined) r.status = fields.status;
    if (fields.stateId !== undefined) r.stateId = fields.stateId;
    if (fields.output !== undefined) r.output = copy(fields.output);
    if (fields.error !== undefined) r.error = copy(fields.error);
    if (fields.endedAt !== undefined) {
      r.endedAt = fields.endedAt === null ? null : isoAt(fields.endedAt);
      run.durationMs = fields.endedAt === null ? null : Date.parse(fields.endedAt) - Date.parse(r.startedAt);
    }
  }

  async getRun(runId: string): Promise<StoredRun | null> {
    const run = this.runs.get(runId);
    return run ? this.stored(run) : null;
  }

  async loadRun(runId: string): Promise<{ record: StoredRun; events: FlowEvent[] } | null> {
    const run = this.runs.get(runId);
    return run ? { record: this.stored(run), events: this.eventsOf(run, run.record.flowName, 0) } : null;
  }

  async events(runId: string, flowName?: string, afterSeq = 0): Promise<FlowEvent[]> {
    const run = this.runs.get(runId);
    return run ? this.eventsOf(run, flowName ?? run.record.flowName, afterSeq) : [];
  }

  async listRuns(filter: ListRunsFilter = {}): Promise<StoredRun[]> {
    const runs = [...this.runs.values()]
      .filter((r) => (!filter.flowName || r.record.flowName === filter.flowName) && (!filter.status || r.record.status === filter.status))
      .sort(newestFirst);
    return (filter.limit ? runs.slice(0, filter.limit) : runs).map((r) => this.stored(r));
  }

  async runIdsPage(filter: RunsPageFilter): Promise<{ ids: string[]; nextCursor: string | null }> {
    const since = filter.since ? Date.parse(filter.since) : null;
    const until = filter.until ? Date.parse(filter.until) : null;
    const runs = [...this.runs.values()]
      .filter((r) => {
        const at = Date.parse(r.record.startedAt);
        return (!filter.flowId || r.flowId === filter.flowId) && (!filter.status || r.record.status === filter.status) && (since === null || at >= since) && (until === null || at < until);
      })
      .sort(newestFirst)
      .map((r) => r.record.runId);
    let from = 0;
    if (filter.cursor) {
      const at = runs.indexOf(filter.cursor);
      if (at < 0) return { ids: [], nextCursor: null };
      from = at + 1;
    }
    const rows = runs.slice(from, from + filter.limit + 1);
    const page = rows.slice(0, filter.limit);
    return { ids: page, nextCursor: rows.length > filter.limit ? page.at(-1)! : null };
  }

  async steps(runId: string): Promise<StepView[]> {
    const run = this.runs.get(runId);
    if (!run) return [];
    return [...run.steps].sort((a, b) => a.seq - b.seq).map((s, i) => ({ ...copy(s), number: i + 1 }));
  }

  async step(runId: string, at: { number: number } | { seq: number }): Promise<StepView | null> {
    const steps = await this.steps(runId);
    return ("number" in at ? steps[at.number - 1] : steps.find((s) => s.seq === at.seq)) ?? null;
  }

  async recordedCalls(runId: string): Promise<RecordedLlmCall[]> {
    const run = this.runs.get(runId);
    return run ? copy([...run.calls].sort((a, b) => a.seq - b.seq)) : [];
  }

  async checkpoint(runId: string, uptoSeq?: number): Promise<Checkpoint | null> {
    const loaded = await this.loadRun(runId);
    return loaded ? checkpointFromEvents(loaded.events, uptoSeq) : null;
  }

  async lineageTree(runId: string): Promise<LineageRow | null> {
    let run = this.runs.get(runId);
    if (!run) return null;
    const seen = new Set<string>([run.record.runId]);
    for (let parent = this.parentOf(run); parent && !seen.has(parent.record.runId); parent = this.parentOf(parent)) {
      seen.add(parent.record.runId);
      run = parent;
    }
    const children = new Map<string, RunRow[]>();
    for (const r of this.runs.values())
      if (r.record.parentRunId !== null) children.set(r.record.parentRunId, [...(children.get(r.record.parentRunId) ?? []), r]);
    const placed = new Set<string>();
    const node = (r: RunRow): LineageRow => {
      placed.add(r.record.runId);
      return {
        runId: r.record.runId,
        origin: r.origin,
        status: r.record.status,
        parentSeq: r.record.parentSeq,
        forkPatch: copy(r.forkPatch),
        version: this.versions.get(r.versionId)!.number,
        startedAt: r.record.startedAt,
        children: (children.get(r.record.runId) ?? [])
          .filter((c) => !placed.has(c.record.runId))
          .sort(oldestFirst)
          .map(node),
      };
    };
    return node(run);
  }

  async pausedRunsPage(filter: PageRequest & { flowId?: string | undefined }): Promise<Page<PausedRun>> {
    const after = filter.cursor ? decodeCursor("pending", filter.cursor, ["time", "string"]) : null;
    const afterMs = after ? Date.parse(after[0]) : 0;
    const runs = [...this.runs.values()]
      .filter((r) => {
        if (r.record.status !== "paused" || (filter.flowId && r.flowId !== filter.flowId)) return false;
        if (!after) return true;
        const at = Date.parse(r.record.startedAt);
        return at > afterMs || (at === afterMs && r.record.runId > after[1]);
      })
      .sort(oldestFirst)
      .slice(0, filter.limit + 1);
    const page = pageOf(runs, filter.limit, (run) => run, (run) => encodeCursor("pending", [isoAt(run.record.startedAt), run.record.runId]));
    return {
      items: page.items.flatMap((run) => {
        const row = run.record.stateId !== null ? this.pending.get(run.record.stateId) : undefined;
        return row ? [{ runId: run.record.runId, flowId: run.flowId, flowName: run.record.flowName, context: copy(row.context), createdAt: new Date(row.createdAt) }] : [];
      }),
      nextCursor: page.nextCursor,
    };
  }

  async runningRunIds(options: { limit: number; among?: readonly string[] }): Promise<string[]> {
    const among = options.among ? new Set(options.among) : null;
    return [...this.runs.values()]
      .filter((r) => r.record.status === "running" && (!among || among.has(r.record.runId)))
      .slice(0, options.limit)
      .map((r) => r.record.runId);
  }

  // ---- leases

  async acquireLease(runId: string): Promise<{ lease: number; lastSeq: number } | null> {
    const run = this.runs.get(runId);
    if (!run) return null;
    return this.take(run);
  }

  async claimRun(runId: string, holder: string, ttlMs = DEFAULT_LEASE_TTL_MS): Promise<LeaseClaim | null> {
    const run = this.runs.get(runId);
    if (!run) return null;
    const now = this.now();
    const free = run.leaseHolder === null || run.leaseUntil === null || run.leaseUntil < now || run.leaseHolder === holder || holderIsDead(run.leaseHolder);
    if (!free) return { heldBy: run.leaseHolder ?? "", until: run.leaseUntil ?? 0 };
    run.leaseHolder = holder;
    run.leaseUntil = now + ttlMs;
    return this.take(run);
  }

  async renewLease(runId: string, lease: number, ttlMs = DEFAULT_LEASE_TTL_MS): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.lease !== lease) return false;
    run.leaseUntil = this.now() + ttlMs;
    return true;
  }

  async releaseLease(runId: string, lease: number): Promise<void> {
    const run = this.runs.get(runId);
    if (!run || run.lease !== lease) return;
    run.leaseHolder = null;
    run.leaseUntil = null;
  }

  async heldBy(runId: string): Promise<{ holder: string; until: number } | null> {
    const run = this.runs.get(runId);
    if (!run?.leaseHolder || run.leaseUntil === null || run.leaseUntil < this.now() || holderIsDead(run.leaseHolder)) return null;
    return { holder: run.leaseHolder, until: run.leaseUntil };
  }

  async orphanedRuns(): Promise<string[]> {
    const now = this.now();
    return [...this.runs.values()]
      .filter((r) => r.record.status === "running" && (r.leaseHolder === null || r.leaseUntil === null || r.leaseUntil < now || holderIsDead(r.leaseHolder)))
      .map((r) => r.record.runId);
  }

  // ---- snapshots and pending feedback

  async saveState(flowUuid: string, methodName: string, state: State): Promise<void> {
    this.snapshots.push({ flowUuid, method: methodName, state: copy(state), at: new Date(this.now()).toISOString() });
  }

  async loadState(flowUuid: string): Promise<State | null> {
    for (let i = this.snapshots.length - 1; i >= 0; i--) if (this.snapshots[i]!.flowUuid === flowUuid) return copy(this.snapshots[i]!.state);
    return copy(this.latestStep(flowUuid)?.step.state ?? null);
  }

  async stateOrigin(flowUuid: string): Promise<{ runId: string; seq: number } | null> {
    const latest = this.latestStep(flowUuid);
    return latest ? { runId: latest.runId, seq: latest.step.seq } : null;
  }

  async savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): Promise<void> {
    const at = new Date(this.now()).toISOString();
    this.snapshots.push({ flowUuid, method: context.method_name, state: copy(state), at });
    this.pending.set(flowUuid, { context: copy(context), state: copy(state), createdAt: at });
  }

  async loadPendingFeedback(flowUuid: string): Promise<{ state: State; context: PendingFeedbackContext } | null> {
    const row = this.pending.get(flowUuid);
    return row ? { state: copy(row.state), context: copy(row.context) } : null;
  }

  async clearPendingFeedback(flowUuid: string): Promise<void> {
    this.pending.delete(flowUuid);
  }

  async pendingFeedbackOf(stateId: string): Promise<{ context: unknown; createdAt: Date } | null> {
    const row = this.pending.get(stateId);
    return row ? { context: copy(row.context), createdAt: new Date(row.createdAt) } : null;
  }

  // ---- internals

  private runOrThrow(runId: string): RunRow {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`Foreign key constraint failed: no run ${runId}`);
    return run;
  }

  /** The run if `lease` is its current lease, else FencedError. */
  private fence(runId: string, lease: number): RunRow {
    const run = this.runs.get(runId);
    if (!run) throw new FencedError(runId, `run ${runId} does not exist`);
    if (run.lease !== lease) throw new FencedError(runId, `run ${runId}: lease ${lease} was taken over (current lease ${run.lease}); this worker may not write`);
    return run;
  }

  private take(run: RunRow): { lease: number; lastSeq: number } {
    run.lease += 1;
    run.lastSeq = Math.max(run.lastSeq, ...run.events.map((e) => e.seq), 0);
    return { lease: run.lease, lastSeq: run.lastSeq };
  }

  private parentOf(run: RunRow): RunRow | undefined {
    return run.record.parentRunId !== null ? this.runs.get(run.record.parentRunId) : undefined;
  }

  /** The latest completed or paused step of a run on this state id. */
  private latestStep(stateId: string): { runId: string; step: StepView } | null {
    let best: { runId: string; step: StepView } | null = null;
    for (const run of this.runs.values()) {
      if (run.record.stateId !== stateId) continue;
      for (const step of run.steps) {
        if (step.status !== "completed" && step.status !== "paused") continue;
        const later = !best || Date.parse(step.at) > Date.parse(best.step.at) || (step.at === best.step.at && step.seq > best.step.seq);
        if (later) best = { runId: run.record.runId, step };
      }
    }
    return best;
  }

  /** Writes a batch of events whole, or throws before changing anything (a duplicate seq). */
  private write(run: RunRow, events: readonly FlowEvent[]): void {
    const seqs = new Set(run.events.map((e) => e.seq));
    for (const event of events) {
      if (seqs.has(event.seq)) throw new Error(`Unique constraint failed: run ${run.record.runId} already has an event at seq ${event.seq}`);
      seqs.add(event.seq);
    }
    for (const raw of events) {
      const event = copy(raw);
      run.events.push(event);
      this.index(run, event);
      this.applyStatus(run, event);
    }
    run.events.sort((a, b) => a.seq - b.seq);
    if (TERMINAL.has(events.at(-1)!.type)) run.starts.clear();
  }

  /** The step and call rows an event adds. */
  private index(run: RunRow, event: FlowEvent): void {
    const base = { number: 0, seq: event.seq, output: null, label: null, error: null, durationMs: null, stateId: null, state: null, at: isoAt(event.at) };
    const startOf = (execution: number): number | null => {
      const seq = run.starts.get(execution) ?? null;
      run.starts.delete(execution);
      return seq;
    };
    switch (event.type) {
      case "method_execution_started":
        run.starts.set(event.execution, event.seq);
        return;
      case "method_execution_finished":
        run.steps.push({
          ...base,
          startSeq: startOf(event.execution),
          method: event.method,
          execution: event.execution,
          status: "completed",
          output: event.output,
          label: event.label,
          durationMs: event.durationMs,
          stateId: stateIdOf(event.state),
          state: event.state as State,
        });
        return;
      case "method_execution_failed":
        run.steps.push({ ...base, startSeq: startOf(event.execution), method: event.method, execution: event.execution, status: "failed", error: event.error, durationMs: event.durationMs });
        return;
      case "method_execution_paused":
        run.steps.push({ ...base, startSeq: startOf(event.execution), method: event.method, execution: event.execution, status: "paused", stateId: stateIdOf(event.state), state: event.state as State });
        return;
      case "llm_call": {
        const c = callColumns(event.call);
        run.calls.push({
          seq: event.seq,
          method: event.method,
          execution: event.execution,
          kind: c.kind,
          hash: c.hash,
          model: c.model,
          tokens: { prompt: c.promptTokens, completion: c.completionTokens, total: c.totalTokens },
          latencyMs: c.latencyMs,
          call: event.call,
          at: isoAt(event.at),
        });
        if (c.kind === "llm") {
          run.tokens = { prompt: run.tokens.prompt + c.promptTokens, completion: run.tokens.completion + c.completionTokens, total: run.tokens.total + c.totalTokens };
          run.llmCalls += 1;
        }
        return;
      }
      default:
        return;
    }
  }

  /** The run-row change an event implies (start, resume, end, pause, failure). */
  private applyStatus(run: RunRow, event: FlowEvent): void {
    const r = run.record;
    const end = () => {
      r.endedAt = isoAt(event.at);
      run.durationMs = Date.parse(event.at) - Date.parse(r.startedAt);
    };
    switch (event.type) {
      case "flow_started":
        if (event.resumed || event.seq > 1) {
          r.status = "running";
          r.endedAt = null;
          run.durationMs = null;
        }
        return;
      case "flow_finished": {
        r.status = "completed";
        r.output = event.result;
        r.error = null;
        r.stateId = stateIdOf(event.state) ?? r.stateId;
        end();
        return;
      }
      case "flow_failed":
        r.status = "failed";
        r.error = event.error;
        end();
        return;
      case "flow_paused":
        r.status = "paused";
        r.stateId = stateIdOf(event.state) ?? r.stateId;
        end();
        return;
      default:
        return;
    }
  }

  private eventsOf(run: RunRow, flowName: string, afterSeq: number): FlowEvent[] {
    return run.events.filter((e) => e.seq > afterSeq).map((e) => ({ ...copy(e), flowName }));
  }

  private stored(run: RunRow): StoredRun {
    const version = this.versions.get(run.versionId)!;
    return {
      ...copy(run.record),
      definitionHash: version.hash,
      origin: run.origin,
      flowId: run.flowId,
      versionId: run.versionId,
      version: version.number,
      forkPatch: copy(run.forkPatch),
      replayOfId: run.replayOfId,
      durationMs: run.durationMs,
      tokens: { ...run.tokens },
      llmCalls: run.llmCalls,
    };
  }
}

const versionInfo = (v: VersionRow): FlowVersionInfo => ({ id: v.id, number: v.number, hash: v.hash, createdAt: v.createdAt });
