// The database the run commands use: `--db URL` (file:PATH or postgres://…), else `--data DIR` (its
// crewflow.db), else DATABASE_URL, else the SQLite file in CREWFLOW_DATA_DIR or data/ at the repo root.
import { resolve } from "node:path";
import type { RunStore } from "@crewflow/runtime";
import { PrismaRunStore } from "@crewflow/store-prisma";
import type { CliIo } from "./io";

export const DB_OPTIONS = {
  data: { type: "string" },
  db: { type: "string" },
} as const;

export async function openStore(values: { data?: string | undefined; db?: string | undefined }, io: CliIo): Promise<RunStore> {
  const envDir = process.env.CREWFLOW_DATA_DIR;
  const poolMax = Number(process.env.CREWFLOW_PG_POOL_MAX) || undefined; // 1 for an embedded PGlite server
  return PrismaRunStore.open({
    ...(values.db ? { url: values.db } : {}),
    // Relative directories are relative to where the user ran the command (pnpm runs us at the repo root).
    ...(values.data ? { dataDir: resolve(io.cwd, values.data) } : !process.env.DATABASE_URL && envDir ? { dataDir: resolve(io.cwd, envDir) } : {}),
    ...(poolMax ? { poolMax } : {}),
  });
}

/** Runs `fn` with the store open, closing it after (a pool left open would keep the process alive). */
export async function withStore<T>(values: { data?: string | undefined; db?: string | undefined }, io: CliIo, command: string, fn: (store: RunStore) => Promise<T>): Promise<T | number> {
  let store: RunStore;
  try {
    store = await openStore(values, io);
  } catch (err) {
    io.stderr.write(`crewflow ${command}: cannot open the database: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
