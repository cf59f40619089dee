// What the API thread and a run thread say to each other. Everything here crosses a worker boundary,
// so it is plain data (structured clone): no functions, no class instances.
import type { FlowDefinition } from "@crewflow/definition";
import type { ErrorInfo, FlowEvent } from "@crewflow/runtime";
import type { HostStatus, ReplayReport, RunRequest } from "@crewflow/host";
import type { OpenOptions } from "@crewflow/store-prisma";
import type { RefPolicy } from "../policy";

/** Why a job's run was stopped from outside (the executor's abort reasons). */
export type StopReason = "cancelled" | "shutdown";

export type ThreadOrder =
  /** The host's runFlow: a new run, a resume, a fork's first segment. */
  | { kind: "run"; request: RunRequest }
  /** Re-execute run `of` on its version, answering model calls from its recordings. */
  | { kind: "replay"; of: string };

export interface ThreadJob {
  order: ThreadOrder;
  definition: FlowDefinition;
  /** The definition text (its sha256 is the version's hash). */
  text: string;
}

/** How a replay compared with its source (what the run view shows). */
export interface ReplaySummary {
  of: string;
  identical: boolean;
  sameVersion: boolean;
  stepsMatch: boolean;
  stateMatch: boolean;
  recordedCalls: number;
  replayedCalls: number;
  liveCalls: number;
  firstStepDifference: ReplayReport["firstStepDifference"];
}

export interface ThreadResult {
  /** How the run ended; a stopped job's run ends cancelled or interrupted (the host wrote it). */
  status: HostStatus;
  /** The run the job created or continued ("" when it failed before a run existed). */
  runId: string;
  /** Whether the run's end was recorded by the host (false: the caller records a failure itself). */
  recorded: boolean;
  error: ErrorInfo | null;
  replay: ReplaySummary | null;
}

/** What a run thread is started with. */
export interface ThreadSettings {
  store: OpenOptions;
  policy: RefPolicy;
  /** The lease holder of every run this server executes (all threads share the process's name). */
  holder: string;
  leaseTtlMs: number;
  /** Two Int32 slots (entry.mjs): beats every 100 ms (a count that stops means a blocked thread), heap used in MB. */
  heartbeat: SharedArrayBuffer;
}

export type ToThread = { type: "job"; id: number; job: ThreadJob } | { type: "stop"; id: number; reason: StopReason };

export type FromThread =
  | { type: "created"; id: number; runId: string }
  /** Method starts, streamed tokens and model waits, as they happen (before their commit). */
  | { type: "live"; id: number; event: FlowEvent }
  /** A committed batch of the run's events. */
  | { type: "committed"; id: number; events: readonly FlowEvent[] }
  | { type: "done"; id: number; result: ThreadResult; heapMb: number };
