// `crewflow worker`: executes runs from the BullMQ queue until SIGTERM/SIGINT (README "Scale-out").
// Flags override the environment (CREWFLOW_QUEUE_BACKEND, CREWFLOW_REDIS_URL, CREWFLOW_WORKER_CONCURRENCY,
// CREWFLOW_GLOBAL_CONCURRENCY, …); the database must be PostgreSQL (--db or DATABASE_URL).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { RunStore } from "@crewflow/runtime";
import { RunWorker, SettingsError, queueSettingsFromEnv } from "@crewflow/executor-bullmq";
import { PrismaRunStore, defaultDataDir } from "@crewflow/store-prisma";
import type { CliIo } from "../io";

const OPTIONS = {
  db: { type: "string" },
  backend: { type: "string" },
  redis: { type: "string" },
  concurrency: { type: "string" },
  "global-concurrency": { type: "string" },
  workspace: { type: "string" },
} as const;

/** Resolves when the worker has shut down (after a signal, or `stop` in tests). */
export async function workerCommand(args: string[], io: CliIo, stop?: AbortSignal): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, allowPositionals: false, options: OPTIONS }));
  } catch (err) {
    io.stderr.write(`crewflow worker: ${(err as Error).message}\n`);
    return 2;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (values.backend) env.CREWFLOW_QUEUE_BACKEND = values.backend;
  if (values.redis) env.CREWFLOW_REDIS_URL = values.redis;
  if (values.concurrency) env.CREWFLOW_WORKER_CONCURRENCY = values.concurrency;
  if (values["global-concurrency"]) env.CREWFLOW_GLOBAL_CONCURRENCY = values["global-concurrency"];
  let settings;
  try {
    settings = queueSettingsFromEnv(env, values.db ?? env.DATABASE_URL ?? "");
  } catch (err) {
    io.stderr.write(`crewflow worker: ${err instanceof SettingsError ? err.message : String(err)}\n`);
    return 2;
  }
  const workspace = resolve(io.cwd, values.workspace ?? env.CREWFLOW_WORKSPACE ?? resolve(env.CREWFLOW_DATA_DIR ?? defaultDataDir(), "workspace"));
  let store: RunStore;
  try {
    // One connection per running segment (and a few for the queue's reads and the reconciler).
    store = await PrismaRunStore.open({ url: settings.databaseUrl, poolMax: Math.max(10, settings.concurrency + 4) });
  } catch (err) {
    io.stderr.write(`crewflow worker: cannot open the database: ${(err as Error).message}\n`);
    return 1;
  }
  let worker: RunWorker;
  try {
    worker = await RunWorker.start({
      store,
      settings,
      policy: { workspace, allowScripts: /^(1|true|yes|on)$/i.test(env.CREWFLOW_ALLOW_SCRIPTS ?? "") },
      log: {
        info: (message, fields) => io.stderr.write(`crewflow worker: ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}\n`),
        error: (message, fields) => io.stderr.write(`crewflow worker: ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}\n`),
      },
    });
  } catch (err) {
    await store.close();
    io.stderr.write(`crewflow worker: cannot start on the ${settings.backend} backend: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout.write(
    `crewflow worker ready: pid ${process.pid}, ${settings.backend} backend, queue ${settings.queue}, concurrency ${settings.concurrency}${settings.globalConcurrency !== null ? `, global limit ${settings.globalConcurrency}` : ""}\n`,
  );
  await new Promise<void>((done) => {
    const finish = () => done();
    process.once("SIGTERM", finish);
    process.once("SIGINT", finish);
    stop?.addEventListener("abort", finish, { once: true });
  });
  io.stderr.write(`crewflow worker: shutting down (finishing ${worker.running} running segment(s))\n`);
  await worker.close();
  await store.close();
  io.stderr.write(`crewflow worker: stopped ${JSON.stringify(worker.outcomes)}\n`);
  return 0;
}
