// @crewflow/executor-bullmq: runs on many worker processes through BullMQ (PostgreSQL or Redis backend):
// one job per run segment, fenced step commits, a reconciler, cancellation across processes, and live
// run events for every API server. See README.md in this folder.
export { BullmqExecutor, ExecutorClosedError } from "./executor";
export { RunFeed } from "./feed";
export { openQueue, segmentJobOptions } from "./queue";
export type { SegmentData, SegmentQueue } from "./queue";
export { SegmentRunner } from "./segment";
export type { SegmentOutcome, WorkerPolicy } from "./segment";
export { DEFAULT_QUEUE_SETTINGS, SettingsError, queueSettingsFromEnv, resolveQueueSettings } from "./settings";
export type { QueueBackend, QueueSettings } from "./settings";
export { Signals, openSignals } from "./signals";
export type { RunSignal } from "./signals";
export { RunWorker } from "./worker";
export type { RunWorkerOptions, WorkerLog } from "./worker";
