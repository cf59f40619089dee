// Test support (the `./testing/databases` subpath, for this package's tests and those of packages that
// run on it): the two databases every persistence test runs on, a fresh SQLite file and PostgreSQL
// (testing.ts). `describe.each(DATABASES)` gives each test both. Importing this registers vitest hooks
// in the test file, so each file gets its own PostgreSQL database (an embedded PGlite serves one session).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { PrismaRunStore } from "./store";
import { type TestPostgres, startTestPostgres } from "./testing";
export { newRunRecord } from "./testing";

let pg: TestPostgres | null = null;
beforeAll(async () => {
  pg = await startTestPostgres();
});
const dirs: string[] = [];
afterAll(async () => {
  await pg?.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const server = (): TestPostgres => {
  if (!pg) throw new Error("PostgreSQL is not started yet (use it inside tests or hooks)");
  return pg;
};

export interface TestDatabase {
  name: "sqlite" | "postgres";
  /** A store on this database (each SQLite call gets its own directory unless `dir` is given). */
  open(dir?: string): Promise<PrismaRunStore>;
  /** What `crewflow --db` takes for it. */
  url(dir?: string): string;
}

/** A fresh directory, removed after the test file. */
export const tempDir = (prefix = "crewflow-store-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

export const SQLITE: TestDatabase = {
  name: "sqlite",
  open: (dir = tempDir()) => PrismaRunStore.open({ dataDir: dir }),
  url: (dir = tempDir()) => `file:${join(dir, "crewflow.db")}`,
};

export const POSTGRES: TestDatabase = {
  name: "postgres",
  open: () => PrismaRunStore.open({ url: server().url, poolMax: server().poolMax }),
  url: () => server().url,
};

export const DATABASES: TestDatabase[] = [SQLITE, POSTGRES];

/** A name no other test uses (flows are keyed by name and tests share the PostgreSQL database). */
export const unique = (name: string): string => `${name}-${Math.random().toString(36).slice(2, 10)}`;

