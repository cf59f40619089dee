// Runs `crewflow` as its own process (node + tsx, as `pnpm -s crewflow` does, without pnpm in between so
// a signal reaches the CLI itself), and the databases the persistence tests run on.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { PrismaRunStore } from "@crewflow/store-prisma";
import { type TestPostgres, startTestPostgres } from "@crewflow/store-prisma/testing";
import { afterAll, beforeAll } from "vitest";

// One PostgreSQL per test file: a fresh database on CREWFLOW_TEST_PG_URL, else an embedded PGlite server.
let pg: TestPostgres | null = null;
beforeAll(async () => {
  pg = await startTestPostgres();
});
const dirs: string[] = [];
afterAll(async () => {
  await pg?.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const ROOT = resolve(import.meta.dirname, "../../../..");
const BIN = ["--import", "tsx", join(ROOT, "packages/cli/src/bin.ts")];

/** A fresh directory, removed after the test file. */
export const tempDir = (prefix = "crewflow-cli-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

export interface Database {
  name: "sqlite" | "postgres";
  /** How many CLI processes the kill test runs at once. */
  concurrency: number;
  /** `--db` argument. */
  url: string;
  /** Environment for the CLI (an embedded PGlite server takes one connection per process). */
  env: Record<string, string>;
  open(): Promise<PrismaRunStore>;
}

export function sqlite(): Database {
  const url = `file:${join(tempDir(), "crewflow.db")}`;
  return { name: "sqlite", url, concurrency: 4, env: {}, open: () => PrismaRunStore.open({ url }) };
}

export function postgres(): Database {
  if (!pg) throw new Error("PostgreSQL is not started yet (use it inside tests or hooks)");
  const { url, poolMax } = pg;
  return {
    name: "postgres",
    url,
    concurrency: 4,
    env: { CREWFLOW_PG_POOL_MAX: String(poolMax) },
    open: () => PrismaRunStore.open({ url, poolMax }),
  };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export async function crewflow(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return promisify(execFile)(process.execPath, [...BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

export function spawnCrewflow(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [...BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}
