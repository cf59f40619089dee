// Everything the API calls, wired once per server: the store, flows, runs, the executor and the bus.
import { mkdirSync } from "node:fs";
import { type RunStore, leaseHolder } from "@crewflow/runtime";
import { BullmqExecutor, queueSettingsFromEnv } from "@crewflow/executor-bullmq";
import { PrismaRunStore } from "@crewflow/store-prisma";
import type { ServerConfig } from "../config";
import { RunEventBus } from "./bus";
import { FlowCatalog } from "./catalog";
import { InProcessExecutor } from "./executor";
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
  executor: InProcessExecutor;
  /** The threads runs execute on (off the API's event loop). */
  threads: RunThreads;
  bus: RunEventBus;
  /** The scale-out executor when `config.executor` is "bullmq". */
  remote: BullmqExecutor | null;
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
  const executor = new InProcessExecutor(config.maxConcurrentRuns, (runId, err) => log.error({ runId, err }, "run job crashed"));
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
  const runs = new RunService(store, flows, bus, executor, threads, policy, log, remote, config.leaseTtlMs);
  await runs.startRecovery();
  return {
    config,
    store,
    flows,
    runs,
    executor,
    threads,
    bus,
    remote,
    async close() {
      runs.stopRecovery();
      await executor.close();
      await threads.close();
      await documents.close();
      await remote?.close();
      if (!options.store) await store.close();
    },
  };
}
