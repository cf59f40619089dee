// The storage port: everything a host (server, CLI, scale-out workers) asks of the store of runs. Stores
// implement it (store-prisma on SQLite/PostgreSQL, store-memory in memory) and one spec suite
// (`@crewflow/runtime/store-spec`) checks each of them the same way. Only plain data crosses it.
import type { JsonValue } from "@crewflow/definition";
import type { Checkpoint } from "../engine/flow";
import type { FlowEvent } from "../events";
import type { FlowPersistence, PendingFeedbackContext } from "../persistence";
import type { State } from "../state/model";
import type { Page, PageRequest } from "./cursor";

export type RunStatus = "running" | "completed" | "failed" | "paused" | "interrupted" | "cancelled";

export interface RunRecord {
  runId: string;
  flowName: string;
  /** Where the definition came from and a hash of its text (the exact version the run used). */
  definitionPath: string | null;
  definitionHash: string;
  status: RunStatus;
  inputs: JsonValue;
  stateId: string | null;
  startedAt: string;
  endedAt: string | null;
  /** Lineage of a fork: the run and step (sequence number) it started from. */
  parentRunId: string | null;
  parentSeq: number | null;
  output: JsonValue;
  error: { type: string; message: string } | null;
}

/** One `add`/`replace` of RFC 6902, the form a fork's state patch is recorded in. */
export interface PatchOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: JsonValue;
}

export interface FlowVersionRef {
  flowId: string;
  versionId: string;
  number: number;
  hash: string;
}

export interface FlowVersionRecord extends FlowVersionRef {
  flowName: string;
  definition: string | null;
  sourcePath: string | null;
  createdAt: string;
}

/** How a run began. */
export type RunOrigin = "new" | "fork" | "checkpoint" | "restore" | "replay";

/** A run as stored: the runtime's record plus version, lineage, replay source, timings and tokens. */
export interface StoredRun extends RunRecord {
  origin: RunOrigin;
  flowId: string;
  versionId: string;
  version: number;
  forkPatch: PatchOperation[] | null;
  replayOfId: string | null;
  durationMs: number | null;
  tokens: { prompt: number; completion: number; total: number };
  llmCalls: number;
}

/** A method execution that ended, with the state after it (the step log the UI shows). */
export interface StepView {
  /** 1-based position in the run's step log (completion order). */
  number: number;
  /** Seq of the event that ended it (method_execution_finished/failed/paused). */
  seq: number;
  startSeq: number | null;
  method: string;
  execution: number;
  status: "completed" | "failed" | "paused";
  output: JsonValue;
  label: string | null;
  error: { type: string; message: string } | null;
  durationMs: number | null;
  stateId: string | null;
  state: State | null;
  at: string;
}

/** A recorded LLM call, in the order the run made it. */
export interface RecordedLlmCall {
  seq: number;
  method: string;
  execution: number;
  /** `llm` for a model call; the crews package also records tool calls, guardrail attempts, summaries. */
  kind: string;
  hash: string | null;
  model: string | null;
  tokens: { prompt: number; completion: number; total: number };
  latencyMs: number | null;
  /** The call exactly as the runtime recorded it (request, hash, response, usage, latency, …). */
  call: JsonValue;
  at: string;
}

export interface CreateRunOptions {
  /** The definition text; stored as the version's text (its sha256 must be `record.definitionHash`). */
  definition?: string;
  /** How the run began (default "new"). */
  origin?: RunOrigin;
  forkPatch?: PatchOperation[] | null;
  replayOf?: string | null;
}

export interface ListRunsFilter {
  flowName?: string;
  limit?: number;
  status?: RunStatus;
}

export interface RunsPageFilter {
  flowId?: string | undefined;
  status?: string | undefined;
  /** ISO times: startedAt >= since, startedAt < until. */
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
}

/** A paused run and what it waits for. */
export interface PausedRun {
  runId: string;
  flowId: string;
  flowName: string;
  context: unknown;
  createdAt: Date;
}

/** A run in its fork tree. */
export interface LineageRow {
  runId: string;
  origin: string;
  status: string;
  parentSeq: number | null;
  forkPatch: PatchOperation[] | null;
  version: number;
  startedAt: string;
  /** Oldest first. */
  children: LineageRow[];
}

export interface FlowVersionInfo {
  id: string;
  number: number;
  hash: string;
  createdAt: string;
}

/** A flow as the catalog keeps it. */
export interface FlowRecord {
  id: string;
  name: string;
  createdAt: string;
  headVersionId: string | null;
  deletedAt: string | null;
  revision: number;
  /** In version order. */
  versions: FlowVersionInfo[];
}

/** A flow in a list: its head version (the latest one if the head names none) and how many it has. */
export interface FlowSummary {
  id: string;
  name: string;
  createdAt: string;
  deletedAt: string | null;
  revision: number;
  head: FlowVersionInfo;
  versionCount: number;
}

/** A lease granted (its fencing token and the run's last committed seq) or refused (who holds it). */
export type LeaseClaim = { lease: number; lastSeq: number } | { heldBy: string; until: number };

/** A write by a worker whose lease was taken over (or whose events are not the next ones): nothing was written. */
export class FencedError extends Error {
  override name = "FencedError";
  constructor(
    readonly runId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The store of runs, flows and their versions, leases, snapshots and pending feedback. */
export interface RunStore extends FlowPersistence {
  /** Where the runs are, for messages (no password). */
  readonly url: string;
  /** Resolves once every write issued so far is committed. */
  flush(): Promise<void>;
  close(): Promise<void>;

  // ---- flows, versions and the catalog
  /** The version of flow `name` whose text hashes to `hash` (or to `definition`'s hash), created on first use. */
  registerVersion(input: { name: string; definition?: string | null; hash?: string; sourcePath?: string | null }): Promise<FlowVersionRef>;
  getVersion(versionId: string): Promise<FlowVersionRecord | null>;
  /**
   * One page of flows by name (deleted ones only with `includeDeleted`); flows without any version
   * are left out. The cursor is the last name of the previous page.
   */
  flowsPage(filter: PageRequest & { includeDeleted: boolean }): Promise<Page<FlowSummary>>;
  /** One page of a flow's versions, newest (highest number) first. */
  versionsPage(flowId: string, page: PageRequest): Promise<Page<FlowVersionInfo>>;
  /** A flow by id, or by name. */
  findFlow(idOrName: string): Promise<FlowRecord | null>;
  /** A new flow named `name` with `text` as its first version (and head); null if the name is taken. */
  createFlow(name: string, text: string): Promise<FlowVersionRef | null>;
  /** Compare-and-swap: makes `versionId` the head (and undeletes) if the flow is still at `revision`. */
  saveFlowHead(flowId: string, versionId: string, revision: number): Promise<boolean>;
  /** Compare-and-swap: soft-deletes or restores a flow if it is still at `revision`. */
  setFlowDeleted(flowId: string, deleted: boolean, revision: number): Promise<boolean>;
  /** A version's text, by number. */
  flowVersionText(flowId: string, number: number): Promise<{ version: FlowVersionInfo; text: string | null } | null>;

  // ---- runs and their logs
  createRun(record: RunRecord, options?: CreateRunOptions): Promise<void>;
  /** Same as `commit` without a lease. */
  append(runId: string, events: readonly FlowEvent[]): Promise<void>;
  /** The engine's journal: a batch of a run's events in one transaction; terminal events set the run's status. With `lease`, fenced. */
  commit(runId: string, events: readonly FlowEvent[], lease?: number): Promise<void>;
  /** A fenced append: `events` must start at `expectSeq` (last fenced seq + 1) and `lease` be current, else FencedError. */
  appendFenced(runId: string, lease: number, expectSeq: number, events: readonly FlowEvent[]): Promise<void>;
  /** Changes the run's row; with `lease`, only while that lease is current (else FencedError). */
  updateRun(runId: string, fields: Partial<RunRecord>, lease?: number): Promise<void>;
  getRun(runId: string): Promise<StoredRun | null>;
  loadRun(runId: string): Promise<{ record: StoredRun; events: FlowEvent[] } | null>;
  /** The run's event log in seq order, after `afterSeq`. */
  events(runId: string, flowName?: string, afterSeq?: number): Promise<FlowEvent[]>;
  /** Newest first. */
  listRuns(filter?: ListRunsFilter): Promise<StoredRun[]>;
  /** One page of run ids, newest first. */
  runIdsPage(filter: RunsPageFilter): Promise<{ ids: string[]; nextCursor: string | null }>;
  /** Every method execution that ended, in order, with the state after it. */
  steps(runId: string): Promise<StepView[]>;
  step(runId: string, at: { number: number } | { seq: number }): Promise<StepView | null>;
  recordedCalls(runId: string): Promise<RecordedLlmCall[]>;
  /** The engine's checkpoint after event `uptoSeq` (default: the whole log). */
  checkpoint(runId: string, uptoSeq?: number): Promise<Checkpoint | null>;
  /** The fork tree `runId` belongs to, from its root. */
  lineageTree(runId: string): Promise<LineageRow | null>;
  /**
   * One page of paused runs with pending feedback, oldest first (by startedAt, then run id). A paused
   * run whose pending record is gone is left out, so a page may hold fewer than `limit`; `nextCursor`
   * still says whether more follow.
   */
  pausedRunsPage(filter: PageRequest & { flowId?: string | undefined }): Promise<Page<PausedRun>>;
  /** Ids of runs marked running (at most `limit`), or of those among `among` that still are. */
  runningRunIds(options: { limit: number; among?: readonly string[] }): Promise<string[]>;

  // ---- leases (fencing)
  /** Takes over a run unconditionally: a new fencing token and the last committed seq (null: no such run). */
  acquireLease(runId: string): Promise<{ lease: number; lastSeq: number } | null>;
  /** Takes the run for `holder` unless another live holder has it (then says who). Null: no such run. */
  claimRun(runId: string, holder: string, ttlMs?: number): Promise<LeaseClaim | null>;
  /** Extends the lease; false when the run was taken over. */
  renewLease(runId: string, lease: number, ttlMs?: number): Promise<boolean>;
  releaseLease(runId: string, lease: number): Promise<void>;
  /** The live holder of a run's lease, or null. */
  heldBy(runId: string): Promise<{ holder: string; until: number } | null>;
  /** Runs marked running whose executor is gone (no holder, lapsed lease, dead holder here). */
  orphanedRuns(): Promise<string[]>;

  // ---- snapshots and pending feedback (FlowPersistence, awaited)
  saveState(flowUuid: string, methodName: string, state: State): Promise<void>;
  /** The latest saved snapshot of this state id; else the state after the latest step of a run on it. */
  loadState(flowUuid: string): Promise<State | null>;
  /** The run and step a state id's latest step snapshot came from. */
  stateOrigin(flowUuid: string): Promise<{ runId: string; seq: number } | null>;
  savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): Promise<void>;
  loadPendingFeedback(flowUuid: string): Promise<{ state: State; context: PendingFeedbackContext } | null>;
  clearPendingFeedback(flowUuid: string): Promise<void>;
  /** The pending-feedback record of a paused run's state id. */
  pendingFeedbackOf(stateId: string): Promise<{ context: unknown; createdAt: Date } | null>;
}
