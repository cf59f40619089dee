// The executor port: where a checked run executes. RunService validates requests and reads runs; it
// hands every run to one of these and never asks which. Two implementations: in-process.ts (run
// threads of this server) and workers.ts (`crewflow worker` processes through BullMQ).
import type { FlowEvent, JsonValue, RunStatus } from "@crewflow/runtime";
import type { LoadedVersion } from "../flows";
import type { ReplaySummary } from "../threads/protocol";
import type { JobState } from "./queue";

export type { JobState };

/** A recorded run that should (go on) executing: `new` is a recorded fork that has not run yet. */
export interface RunToContinue {
  runId: string;
  status: RunStatus | "new";
}

export interface RunExecution {
  /**
   * Starts a new run of a checked version and answers with its id as soon as the run exists (never
   * when it ends). `record` records the run when the executor needs its id before the run can begin.
   */
  start(loaded: LoadedVersion, inputs: Record<string, JsonValue> | null, record: () => Promise<string>): Promise<string>;
  /** Continues a recorded run from its exact position (after a crash, a failure, a cancel, or with feedback). */
  resume(loaded: LoadedVersion, run: RunToContinue, feedback?: string): Promise<void>;
  /** Re-executes a run with its recorded model calls; answers with the new run's id once it exists. */
  replay(loaded: LoadedVersion, of: string): Promise<string>;
  /** Stops the run's job (and records it cancelled); false when this executor has nothing to stop. */
  cancel(runId: string): Promise<boolean>;
  /** This process's job of the run, if it has one: the run's live status overrides the stored one. */
  state(runId: string): JobState | null;
  /** How a replay that ended here compares with its source. */
  replaySummary(runId: string): ReplaySummary | null;
  /** The run's events when another process executes it (null: this process's bus has them). */
  follow(runId: string, after: number, signal?: AbortSignal): AsyncGenerator<FlowEvent[], void, undefined> | null;
  /** Takes over runs whose process died (now, and on a timer where that is this executor's job). */
  open(): Promise<string[]>;
  /** Marks runs whose executing process died interrupted (resumable); answers their ids. */
  recover(): Promise<string[]>;
  /** Stops taking jobs and ends (interrupts) running ones. */
  close(): Promise<void>;
}
