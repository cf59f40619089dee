// BullMQ's Queue and Worker on the configured backend: PostgreSQL (BullMQ 6's postgres backend, its
// tables in their own schema of the run database, migrated by BullMQ on connect) or Redis (ioredis).
import { type Job, type JobProgress, type JobsOptions, type PostgresConnectionOptions, type PostgresQueueBackend, type Processor, Queue, Worker, createPostgresBackend } from "bullmq";
import type { QueueSettings } from "./settings";

/** One job = one segment of a run: drive it from its last committed step until it ends or pauses. */
export interface SegmentData {
  runId: string;
  /** The human feedback a paused run resumes with. */
  feedback?: string;
}

/** The part of BullMQ's Queue this package uses (the same on both backends). */
export interface SegmentQueue {
  add(name: string, data: SegmentData, opts?: JobsOptions): Promise<Job<SegmentData>>;
  getDeduplicationJobId(id: string): Promise<string | null>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getJobs(types: string[], start?: number, end?: number): Promise<Job<SegmentData>[]>;
  setGlobalConcurrency(concurrency: number): Promise<number>;
  /** Drops the queue and every job in it (tests, and an operator starting over). */
  obliterate(opts?: { force?: boolean }): Promise<void>;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

export interface SegmentWorkerHandle {
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "failed", listener: (job: Job<SegmentData> | undefined, err: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}

/** Connection options, not a client: BullMQ then owns its connections and closes them on close(). */
const redis = (settings: QueueSettings) => {
  const url = new URL(settings.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
};
const postgres = (settings: QueueSettings) => ({ connectionString: settings.databaseUrl, schema: settings.schema, migrate: true, max: 4 });

export function openQueue(settings: QueueSettings): SegmentQueue {
  const queue =
    settings.backend === "redis"
      ? new Queue<SegmentData>(settings.queue, { connection: redis(settings) })
      : new Queue<SegmentData, unknown, string, SegmentData, unknown, string, PostgresQueueBackend, PostgresConnectionOptions>(
          settings.queue,
          { connection: postgres(settings) },
          createPostgresBackend,
        );
  queue.on("error", () => undefined); // reconnects on its own; calls report their own failures
  return queue as unknown as SegmentQueue;
}

export function openWorker(settings: QueueSettings, processor: Processor<SegmentData>): SegmentWorkerHandle {
  const options = {
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
    drainDelay: 1,
  };
  const worker =
    settings.backend === "redis"
      ? new Worker<SegmentData>(settings.queue, processor, { ...options, connection: redis(settings) })
      : new Worker<SegmentData, unknown, string, PostgresQueueBackend, JobProgress, PostgresConnectionOptions>(
          settings.queue,
          processor,
          { ...options, connection: postgres(settings) },
          createPostgresBackend,
        );
  return worker as unknown as SegmentWorkerHandle;
}

/** How every segment job is added: one live job per run (dedup by run id), retention from the settings. */
export function segmentJobOptions(settings: QueueSettings, runId: string): JobsOptions {
  return {
    // While a run's job waits or runs, adding another is a no-op; one added while it runs starts after it.
    deduplication: { id: runId, keepLastIfActive: true },
    // A segment that throws (not a flow failure: an infrastructure error) is tried again elsewhere.
    attempts: 20,
    backoff: { type: "fixed", delay: 200 },
    removeOnComplete: { count: settings.keepCompleted },
    removeOnFail: { count: settings.keepFailed },
  };
}
