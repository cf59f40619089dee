// Everything the API calls, wired once per server: the store, flows, runs, the executor and the bus.
import { mkdirSync } from "node:fs";
import { type RunStore, leaseHolder } from "@crewflow/runtime";
import { BullmqExecutor, queueSettingsFromEnv } from "@crewflow/executor-bullmq";
import { PrismaRunStore } from "@crewflow/store-prisma";
import type { ServerConfig } from "../config";
import { RunEventBus } from "./bus";
import { FlowCatalog } from "./catalog";
import { InProcessExecution } from "./execution/in-process";
import type { RunExecution } from "./execution/port";
import { JobQueue } from "./execution/queue";
import { WorkerExecution } from "./execution/workers";
import { FlowService } from "./flows";
import type { RefPolicy } from "./policy";
import { type Log, RunService } from "./runs";
import { DocumentReader } from "./threads/documents";
import { RunThreads } from "./threads/pool";

export interface Services {
  config: ServerConfig;
  store: RunStore;
  flows: FlowService;
  runs: RunService;
  /** Where runs execute: this server's threads, or workers through BullMQ (`config.executor`). */
  execution: RunExecution;
  /** The threads runs execute on (off the API's event loop). */
  threads: RunThreads;
  bus: RunEventBus;
  close(): Promise<void>;
}

export interface ServicesOptions {
  /** An open store to use (and not close); else one is opened from the configuration. The concrete
   * store, because run threads open the same database again from its options. */
  store?: PrismaRunStore;
}

export async function createServices(config: ServerConfig, log: Log, options: ServicesOptions = {}): Promise<Services> {
  mkdirSync(config.workspace, { recursive: true });
  const store =
    options.store ?? (await PrismaRunStore.open(config.databaseUrl ? { url: config.databaseUrl, poolMax: config.databasePoolMax } : { dataDir: config.dataDir }));
  const policy: RefPolicy = { workspace: config.workspace, allowedModules: config.allowedModules, allowScripts: config.allowScripts };
  const bus = new RunEventBus();
  const queue = new JobQueue(config.maxConcurrentRuns, (runId, err) => log.error({ runId, err }, "run job crashed"));
  const documents = new DocumentReader();
  const flows = new FlowService(store, new FlowCatalog(store), policy, documents);
  let remote: BullmqExecutor | null = null;
  if (config.executor === "bullmq") {
    try {
      remote = await BullmqExecutor.open(store, queueSettingsFromEnv(process.env, config.databaseUrl ?? ""));
    } catch (err) {
      if (!options.store) await store.close();
      throw err;
    }
  }
  const threads = new RunThreads(
    { store: store.openOptions, policy, holder: leaseHolder("server"), leaseTtlMs: config.leaseTtlMs },
    { threads: config.runThreads, blockMs: config.runBlockMs, memoryMb: config.runMemoryMb },
    (message, detail) => log.warn(detail, message),
  );
  const local = new InProcessExecution(store, bus, queue, threads, log, config.leaseTtlMs);
  const execution = remote ? new WorkerExecution(store, bus, remote, local, log) : local;
  const runs = new RunService(store, flows, bus, execution, policy);
  await execution.open();
  return {
    config,
    store,
    flows,
    runs,
    execution,
    threads,
    bus,
    async close() {
      await execution.close();
      await threads.close();
      await documents.close();
      if (!options.store) await store.close();
    },
  };
}
