// @crewflow/store-prisma: Crewflow's runs on Prisma — SQLite by default, PostgreSQL by URL (one package
// per store, like LangGraph's checkpointers). See README.md in this folder.
export { PrismaRunStore, sha256 } from "./store";
export type { FlowRecord, FlowVersionInfo, LineageRow } from "./store";
export { FencedError } from "./writer";
export type { LeaseClaim } from "./writer";
export { DEFAULT_LEASE_TTL_MS, describeHolder, holderIsDead, leaseHolder } from "./lease";
export type {
  CreateRunOptions,
  FlowVersionRecord,
  FlowVersionRef,
  ListRunsFilter,
  PatchOperation,
  RecordedLlmCall,
  RunOrigin,
  StepView,
  StoredRun,
} from "./store";
export { connect, isPostgresUrl, redactUrl, resolveUrl } from "./connect";
export type { OpenOptions, Provider } from "./connect";
export { migratePostgres, migrateSqlite, readMigrations, MigrationError } from "./migrate";
export type { Migration } from "./migrate";
export { DB_FILE, MIGRATIONS, REPO_ROOT, defaultDataDir } from "./paths";
export { COMMIT_POINTS, storeJournal } from "./journal";
export type { Journal } from "./journal";
export { HostError, RunHeldError, forkCheckpoint, newRunId, runFlow } from "./host";
export type { HostOptions, HostResult, RunRequest } from "./host";
export { PatchError, applyPatch, assignmentsToPatch, parseAssignment, pathSegments, pointer } from "./patch";
export { DiffError, diffRuns, diffStates, diffSteps } from "./diff";
export type { AlignedStep, Delta, DiffOptions, JsonPatchOp, RunDiff, StateDiff, StepRef } from "./diff";
export { ReplayUnavailable, replayRun } from "./replay";
export type { ReplayModelFactory, ReplayOptions, ReplayReport, RequestDifference, StepSummary } from "./replay";
