// Where things live. Packages run from source (docs/architecture.md), so the committed migrations in
// the repository's top-level prisma/ folder are read in place.
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../../..");
export const PRISMA_DIR = resolve(REPO_ROOT, "prisma");
export const MIGRATIONS = {
  sqlite: resolve(PRISMA_DIR, "sqlite/migrations"),
  postgres: resolve(PRISMA_DIR, "postgres/migrations"),
} as const;

/** The SQLite file's name inside the data directory. */
export const DB_FILE = "crewflow.db";

/** The data directory: `CREWFLOW_DATA_DIR`, else `data/` at the repository root. */
export function defaultDataDir(): string {
  return resolve(process.env.CREWFLOW_DATA_DIR || resolve(REPO_ROOT, "data"));
}
