// The server's configuration: where it listens, which database, and what an untrusted flow may reach.
// Everything has a safe default (127.0.0.1, no scripts, no built-ins or packages); `configFromEnv`
// reads the environment variables the README documents.
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_LEASE_TTL_MS } from "@crewflow/runtime";
import { defaultDataDir } from "@crewflow/store-prisma";

export interface ServerConfig {
  /** Address to bind (default 127.0.0.1). Any non-loopback address requires `token`. */
  host: string;
  port: number;
  /** Bearer token the API requires (null: none; only allowed on a loopback address). */
  token: string | null;
  /** `file:…` or `postgres://…`; null: the SQLite file in `dataDir`. */
  databaseUrl: string | null;
  /** Connections to a PostgreSQL `databaseUrl` (`CREWFLOW_PG_POOL_MAX`, default 10). */
  databasePoolMax: number;
  /** Data directory of the default SQLite file (and the default workspace). */
  dataDir: string;
  /** The only directory `MODULE:EXPORT` refs of API flows may resolve into. */
  workspace: string;
  /** Node built-ins (`fs`, `node:fs`) and packages refs may name; none by default. */
  allowedModules: readonly string[];
  /** Whether `call: script` actions may run (in the runtime's QuickJS sandbox). Default false. */
  allowScripts: boolean;
  /** Runs executing at once; later ones wait in the executor's queue. */
  maxConcurrentRuns: number;
  /**
   * Where runs execute: "in-process" (default; the only choice on SQLite) or "bullmq" (scale-out on
   * `crewflow worker` processes; needs a PostgreSQL `databaseUrl`; queue settings from the environment).
   */
  executor: "in-process" | "bullmq";
  /**
   * Host names (no port) the server answers to besides loopback names and IP literals, against DNS
   * rebinding (`CREWFLOW_ALLOWED_HOSTS`); `*` allows any.
   */
  allowedHosts: readonly string[];
  /** How long the server's hold on a run it executes lasts without renewal (`CREWFLOW_LEASE_TTL_MS`). */
  leaseTtlMs: number;
  /** Threads runs share, off the API's event loop (`CREWFLOW_RUN_THREADS`). */
  runThreads: number;
  /** How long one step may keep its thread busy before the thread is ended (`CREWFLOW_RUN_BLOCK_MS`). */
  runBlockMs: number;
  /** V8 heap of one run thread in MB (`CREWFLOW_RUN_MEMORY_MB`). */
  runMemoryMb: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const DEFAULT_MAX_CONCURRENT_RUNS = 64;
export const DEFAULT_RUN_THREADS = Math.max(1, Math.min(4, availableParallelism()));
export const DEFAULT_RUN_BLOCK_MS = 30_000;
export const DEFAULT_RUN_MEMORY_MB = 512;
export const DEFAULT_DATABASE_POOL_MAX = 10;

/** Defaults for everything not given; `dataDir`/`workspace` default under CREWFLOW_DATA_DIR or data/. */
export function resolveConfig(partial: Partial<ServerConfig> = {}): ServerConfig {
  const dataDir = resolve(partial.dataDir ?? defaultDataDir());
  const config: ServerConfig = {
    host: partial.host ?? "127.0.0.1",
    port: partial.port ?? 3000,
    token: partial.token || null,
    databaseUrl: partial.databaseUrl || null,
    databasePoolMax: partial.databasePoolMax ?? DEFAULT_DATABASE_POOL_MAX,
    dataDir,
    workspace: resolve(partial.workspace ?? resolve(dataDir, "workspace")),
    allowedModules: [...(partial.allowedModules ?? [])],
    allowScripts: partial.allowScripts ?? false,
    maxConcurrentRuns: partial.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS,
    executor: partial.executor ?? "in-process",
    allowedHosts: [...(partial.allowedHosts ?? [])],
    leaseTtlMs: partial.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    runThreads: partial.runThreads ?? DEFAULT_RUN_THREADS,
    runBlockMs: partial.runBlockMs ?? DEFAULT_RUN_BLOCK_MS,
    runMemoryMb: partial.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB,
  };
  checkConfig(config);
  return config;
}

export function checkConfig(config: ServerConfig): void {
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535)
    throw new ConfigError(`Invalid PORT ${JSON.stringify(String(config.port))}: expected an integer from 0 to 65535.`);
  if (!Number.isInteger(config.maxConcurrentRuns) || config.maxConcurrentRuns < 1)
    throw new ConfigError(`Invalid CREWFLOW_MAX_RUNS ${config.maxConcurrentRuns}: expected a positive integer.`);
  // Anyone who can reach a non-loopback address could run flows: demand a token there.
  if (!isLoopback(config.host) && !config.token)
    throw new ConfigError(`HOST=${config.host} is reachable from other machines: set CREWFLOW_TOKEN to require a bearer token, or bind 127.0.0.1.`);
  if (config.executor !== "in-process" && config.executor !== "bullmq")
    throw new ConfigError(`Invalid CREWFLOW_EXECUTOR ${JSON.stringify(config.executor)}: expected "in-process" or "bullmq".`);
  if (config.executor === "bullmq" && !/^postgres(ql)?:\/\//.test(config.databaseUrl ?? ""))
    throw new ConfigError("CREWFLOW_EXECUTOR=bullmq needs a PostgreSQL DATABASE_URL (postgres://…): SQLite runs execute in the server process.");
  if (!Number.isInteger(config.leaseTtlMs) || config.leaseTtlMs < 100)
    throw new ConfigError(`Invalid CREWFLOW_LEASE_TTL_MS ${config.leaseTtlMs}: expected an integer of at least 100 (milliseconds).`);
  if (!Number.isInteger(config.runThreads) || config.runThreads < 1 || config.runThreads > 64)
    throw new ConfigError(`Invalid CREWFLOW_RUN_THREADS ${config.runThreads}: expected an integer from 1 to 64.`);
  if (!Number.isInteger(config.runBlockMs) || config.runBlockMs < 200)
    throw new ConfigError(`Invalid CREWFLOW_RUN_BLOCK_MS ${config.runBlockMs}: expected an integer of at least 200 (milliseconds).`);
  if (!Number.isInteger(config.runMemoryMb) || config.runMemoryMb < 64)
    throw new ConfigError(`Invalid CREWFLOW_RUN_MEMORY_MB ${config.runMemoryMb}: expected an integer of at least 64.`);
  if (!Number.isInteger(config.databasePoolMax) || config.databasePoolMax < 1 || config.databasePoolMax > 1000)
    throw new ConfigError(`Invalid CREWFLOW_PG_POOL_MAX ${config.databasePoolMax}: expected an integer from 1 to 1000.`);
  if (config.token !== null && config.token.length < 16) throw new ConfigError("CREWFLOW_TOKEN must be at least 16 characters long.");
}

/** 127.0.0.0/8, ::1 and localhost; everything else (0.0.0.0, ::, a LAN address) is reachable from outside. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost" || bare === "::1") return true;
  const v4 = bare.startsWith("::ffff:") ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

const list = (text: string | undefined): string[] =>
  (text ?? "")
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

const flag = (text: string | undefined): boolean => /^(1|true|yes|on)$/i.test(text ?? "");

/** The configuration from the environment (README "Server"). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const portText = env.PORT || "3000";
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (Number.isNaN(port)) throw new ConfigError(`Invalid PORT ${JSON.stringify(portText)}: expected an integer from 0 to 65535.`);
  const maxText = env.CREWFLOW_MAX_RUNS;
  const int = (text: string | undefined) => (text ? (/^\d+$/.test(text) ? Number(text) : Number.NaN) : undefined);
  const threads = int(env.CREWFLOW_RUN_THREADS);
  const blockMs = int(env.CREWFLOW_RUN_BLOCK_MS);
  const memoryMb = int(env.CREWFLOW_RUN_MEMORY_MB);
  const poolMax = int(env.CREWFLOW_PG_POOL_MAX);
  const databaseUrl = env.DATABASE_URL && /^(file:|postgres(ql)?:\/\/)/.test(env.DATABASE_URL) ? env.DATABASE_URL : null;
  return resolveConfig({
    host: env.HOST || "127.0.0.1",
    port,
    token: env.CREWFLOW_TOKEN || null,
    databaseUrl,
    ...(poolMax !== undefined ? { databasePoolMax: poolMax } : {}),
    ...(env.CREWFLOW_DATA_DIR ? { dataDir: env.CREWFLOW_DATA_DIR } : {}),
    ...(env.CREWFLOW_WORKSPACE ? { workspace: env.CREWFLOW_WORKSPACE } : {}),
    allowedModules: list(env.CREWFLOW_ALLOW_MODULES),
    allowScripts: flag(env.CREWFLOW_ALLOW_SCRIPTS),
    ...(maxText ? { maxConcurrentRuns: /^\d+$/.test(maxText) ? Number(maxText) : Number.NaN } : {}),
    ...(env.CREWFLOW_EXECUTOR ? { executor: env.CREWFLOW_EXECUTOR as ServerConfig["executor"] } : {}),
    allowedHosts: list(env.CREWFLOW_ALLOWED_HOSTS),
    ...(env.CREWFLOW_LEASE_TTL_MS ? { leaseTtlMs: /^\d+$/.test(env.CREWFLOW_LEASE_TTL_MS) ? Number(env.CREWFLOW_LEASE_TTL_MS) : Number.NaN } : {}),
    ...(threads !== undefined ? { runThreads: threads } : {}),
    ...(blockMs !== undefined ? { runBlockMs: blockMs } : {}),
    ...(memoryMb !== undefined ? { runMemoryMb: memoryMb } : {}),
  });
}
