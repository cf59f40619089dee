// Settings of the scale-out executor, shared by API servers (which enqueue) and workers (which run):
// which BullMQ backend, how fast a dead worker's job is handed to another one, how many segments run at
// once, how long finished jobs are kept. `queueSettingsFromEnv` reads the variables the README lists.

export type QueueBackend = "postgres" | "redis";

export interface QueueSettings {
  /** BullMQ's PostgreSQL backend (the run database itself, schema `schema`) or Redis. */
  backend: QueueBackend;
  /** The PostgreSQL database of the runs (postgres://…); the postgres backend keeps its queue there too. */
  databaseUrl: string;
  /** Redis URL for the redis backend. */
  redisUrl: string;
  /** Queue name (also the prefix of the pub/sub channels). */
  queue: string;
  /** PostgreSQL schema of the postgres backend's tables. */
  schema: string;
  /** A job's lock lives this long unless its worker renews it (a stopped or dead worker stops renewing). */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock expired and hand them to another worker. */
  stalledIntervalMs: number;
  /** How often a job may stall before BullMQ fails it (the reconciler then submits the run again). */
  maxStalledCount: number;
  /** Segments one worker runs at once. */
  concurrency: number;
  /** Segments all workers together run at once (BullMQ's global concurrency); null: no limit. */
  globalConcurrency: number | null;
  /** Finished jobs kept (by count) for inspection; older ones are removed. */
  keepCompleted: number;
  keepFailed: number;
  /** How often a worker looks for "running" runs that have no job (and submits them again). */
  reconcileIntervalMs: number;
  /** On SIGTERM/SIGINT a worker waits this long for its segments to finish before it exits. */
  shutdownGraceMs: number;
}

export class SettingsError extends Error {
  override name = "SettingsError";
}

export const DEFAULT_QUEUE_SETTINGS: Omit<QueueSettings, "databaseUrl"> = {
  backend: "postgres",
  redisUrl: "redis://127.0.0.1:6379",
  queue: "crewflow-runs",
  schema: "crewflow_queue",
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 10,
  concurrency: 8,
  globalConcurrency: null,
  keepCompleted: 1000,
  keepFailed: 5000,
  reconcileIntervalMs: 10_000,
  shutdownGraceMs: 30_000,
};

const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url);

export function resolveQueueSettings(partial: Partial<QueueSettings> & { databaseUrl: string }): QueueSettings {
  const settings: QueueSettings = { ...DEFAULT_QUEUE_SETTINGS, ...partial };
  if (!isPostgres(settings.databaseUrl))
    throw new SettingsError(`The BullMQ executor needs a PostgreSQL DATABASE_URL (postgres://…); SQLite runs use the in-process executor.`);
  if (settings.backend !== "postgres" && settings.backend !== "redis")
    throw new SettingsError(`Invalid CREWFLOW_QUEUE_BACKEND ${JSON.stringify(settings.backend)}: expected "postgres" or "redis".`);
  if (settings.backend === "redis" && !/^rediss?:\/\//.test(settings.redisUrl))
    throw new SettingsError(`Invalid CREWFLOW_REDIS_URL ${JSON.stringify(settings.redisUrl)}: expected redis://host:port.`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(settings.queue)) throw new SettingsError(`Invalid CREWFLOW_QUEUE ${JSON.stringify(settings.queue)}: letters, digits, - and _ only.`);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(settings.schema)) throw new SettingsError(`Invalid CREWFLOW_QUEUE_SCHEMA ${JSON.stringify(settings.schema)}: a lower-case SQL identifier.`);
  const positive: [keyof QueueSettings, string][] = [
    ["lockDurationMs", "CREWFLOW_LOCK_MS"],
    ["stalledIntervalMs", "CREWFLOW_STALLED_MS"],
    ["maxStalledCount", "CREWFLOW_MAX_STALLED"],
    ["concurrency", "CREWFLOW_WORKER_CONCURRENCY"],
    ["reconcileIntervalMs", "CREWFLOW_RECONCILE_MS"],
  ];
  for (const [key, env] of positive) {
    const value = settings[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new SettingsError(`Invalid ${env} ${JSON.stringify(value)}: expected a positive integer.`);
  }
  for (const [key, env] of [
    ["keepCompleted", "CREWFLOW_KEEP_COMPLETED"],
    ["keepFailed", "CREWFLOW_KEEP_FAILED"],
    ["shutdownGraceMs", "CREWFLOW_SHUTDOWN_GRACE_MS"],
  ] as const) {
    const value = settings[key];
    if (!Number.isInteger(value) || value < 0) throw new SettingsError(`Invalid ${env} ${JSON.stringify(value)}: expected a non-negative integer.`);
  }
  if (settings.globalConcurrency !== null && (!Number.isInteger(settings.globalConcurrency) || settings.globalConcurrency < 1))
    throw new SettingsError(`Invalid CREWFLOW_GLOBAL_CONCURRENCY ${JSON.stringify(settings.globalConcurrency)}: expected a positive integer.`);
  return settings;
}

const int = (text: string | undefined): number | undefined => (text === undefined || text === "" ? undefined : /^\d+$/.test(text) ? Number(text) : Number.NaN);

/** The settings from the environment (README "Scale-out"); `databaseUrl` defaults to DATABASE_URL. */
export function queueSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, databaseUrl = env.DATABASE_URL ?? ""): QueueSettings {
  const partial: Partial<QueueSettings> & { databaseUrl: string } = { databaseUrl };
  if (env.CREWFLOW_QUEUE_BACKEND) partial.backend = env.CREWFLOW_QUEUE_BACKEND as QueueBackend;
  if (env.CREWFLOW_REDIS_URL) partial.redisUrl = env.CREWFLOW_REDIS_URL;
  if (env.CREWFLOW_QUEUE) partial.queue = env.CREWFLOW_QUEUE;
  if (env.CREWFLOW_QUEUE_SCHEMA) partial.schema = env.CREWFLOW_QUEUE_SCHEMA;
  const numbers: [keyof QueueSettings, string][] = [
    ["lockDurationMs", "CREWFLOW_LOCK_MS"],
    ["stalledIntervalMs", "CREWFLOW_STALLED_MS"],
    ["maxStalledCount", "CREWFLOW_MAX_STALLED"],
    ["concurrency", "CREWFLOW_WORKER_CONCURRENCY"],
    ["keepCompleted", "CREWFLOW_KEEP_COMPLETED"],
    ["keepFailed", "CREWFLOW_KEEP_FAILED"],
    ["reconcileIntervalMs", "CREWFLOW_RECONCILE_MS"],
    ["shutdownGraceMs", "CREWFLOW_SHUTDOWN_GRACE_MS"],
  ];
  for (const [key, name] of numbers) {
    const value = int(env[name]);
    if (value !== undefined) (partial as Record<string, unknown>)[key] = value;
  }
  const global = int(env.CREWFLOW_GLOBAL_CONCURRENCY);
  if (global !== undefined) partial.globalConcurrency = global;
  return resolveQueueSettings(partial);
}
