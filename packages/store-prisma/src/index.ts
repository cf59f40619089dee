// @crewflow/store-prisma: Crewflow's runs on Prisma — SQLite by default, PostgreSQL by URL (one package
// per store, like LangGraph's checkpointers). See README.md in this folder.
export { PrismaRunStore, sha256 } from "./store";
export type { FlowRecord, FlowVersionInfo, LineageRow } from "./store";
export { FencedError } from "./writer";
export type { LeaseClaim } from "./writer";
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
