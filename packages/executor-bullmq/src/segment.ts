// One segment of a run on a worker: take the run's lease (fencing out whoever held it), continue it
// from its last committed step with the run host (@crewflow/host) (a new run recorded by an API server starts
// from its inputs, a paused one resumes with its feedback), and let it run until it completes, pauses,
// fails or is cancelled. Every commit is fenced by the lease: a worker that lost the run (it was
// stopped or cut off and another worker took over, or the run was cancelled) can write nothing more.
import { dirname, join } from "node:path";
import { createCrewRunner } from "@crewflow/crews";
import { type FlowDefinition, loadDefinitionText } from "@crewflow/definition";
import { runFlow } from "@crewflow/host";
import { type FlowEvent, type FlowVersionRecord, FencedError, cancellableCrewRunner, errorInfo, type RunStore } from "@crewflow/runtime";
import type { SegmentData } from "./queue";
import type { RunSignal } from "./signals";

/** What an untrusted flow may reach on a worker (the same policy as the API server's). */
export interface WorkerPolicy {
  /** The directory `MODULE:EXPORT` refs resolve in. */
  workspace: string;
  allowScripts: boolean;
}

export type SegmentOutcome = "completed" | "paused" | "failed" | "skipped" | "lost-lease" | "cancelled";

const TERMINAL_EVENTS = new Set<FlowEvent["type"]>(["flow_finished", "flow_failed", "flow_paused"]);
const ENDED_STATUSES = new Set(["completed", "failed", "cancelled"]);

export class SegmentRunner {
  private readonly definitions = new Map<string, FlowDefinition>();
  private readonly versions = new Map<string, FlowVersionRecord>();
  private readonly sourcePath: string;

  constructor(
    private readonly store: RunStore,
    private readonly policy: WorkerPolicy,
    private readonly notify: (signal: RunSignal) => void,
  ) {
    this.sourcePath = join(policy.workspace, "flow.yaml");
  }

  /** Versions are immutable: each is read once per worker. */
  private async versionOf(versionId: string): Promise<FlowVersionRecord | null> {
    const cached = this.versions.get(versionId);
    if (cached) return cached;
    const version = await this.store.getVersion(versionId);
    if (version?.definition) {
      if (this.versions.size >= 500) this.versions.delete(this.versions.keys().next().value!);
      this.versions.set(versionId, version);
    }
    return version;
  }

  private definitionOf(versionId: string, text: string): FlowDefinition {
    const cached = this.definitions.get(versionId);
    if (cached) return cached;
    const loaded = loadDefinitionText(text, { sourcePath: this.sourcePath });
    if (!loaded.definition) throw new Error(`the stored flow version ${versionId} is not valid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    if (this.definitions.size >= 500) this.definitions.delete(this.definitions.keys().next().value!);
    this.definitions.set(versionId, loaded.definition);
    return loaded.definition;
  }

  /** Runs one segment; `signal` aborts when the run is cancelled. */
  async run(data: SegmentData, signal: AbortSignal): Promise<SegmentOutcome> {
    const { runId, feedback } = data;
    // Take the run first, then look at it: a cancel or another segment may have ended it meanwhile,
    // and nothing can change it behind our back from here on.
    const taken = await this.store.acquireLease(runId);
    if (!taken) return "skipped";
    const lease = taken.lease;
    try {
      const run = await this.store.getRun(runId);
      // A paused run holds no job: only feedback (or an explicit resume) continues it.
      if (!run || ENDED_STATUSES.has(run.status) || (run.status === "paused" && feedback === undefined)) return "skipped";
      const version = await this.versionOf(run.versionId);
      if (!version?.definition) {
        await this.store.updateRun(
          runId,
          { status: "failed", error: { type: "ValueError", message: `flow version ${run.versionId} has no stored text` }, endedAt: new Date().toISOString() },
          lease,
        );
        return "failed";
      }
      const definition = this.definitionOf(version.versionId, version.definition);
      const crews = createCrewRunner({ definition, sourceDir: dirname(this.sourcePath), modulePaths: [this.policy.workspace] });
      const result = await runFlow(
        this.store,
        {
          definition,
          text: version.definition,
          sourcePath: this.sourcePath,
          lease,
          flowOptions: { sourcePath: this.sourcePath, modulePaths: [this.policy.workspace], allowScripts: this.policy.allowScripts, crews: cancellableCrewRunner(crews, signal) },
          onCommitted: (events) => this.notify({ runId, seq: events.at(-1)!.seq, ended: events.some((e) => TERMINAL_EVENTS.has(e.type)) }),
          // Once cancelled the host stops the run (the canceller already fenced this lease out and marked it cancelled).
          signal,
        },
        { kind: "resume", runId, ...(feedback !== undefined ? { feedback } : {}) },
      );
      if (lostLease(result.error)) return "lost-lease";
      if (signal.aborted) return "cancelled";
      if (result.status === "failed" && !result.flow) {
        // Nothing ran (the flow did not build): the host left the row as it was.
        await this.store.updateRun(runId, { status: "failed", error: errorInfo(result.error), endedAt: new Date().toISOString() }, lease);
        this.notify({ runId, seq: taken.lastSeq, ended: true });
      }
      // Only an aborted signal ends a run cancelled or interrupted, and that returned above.
      return result.status === "interrupted" ? "cancelled" : result.status;
    } catch (err) {
      if (lostLease(err)) return "lost-lease";
      throw err;
    }
  }
}

function lostLease(err: unknown): boolean {
  for (let e = err; e; e = (e as { cause?: unknown }).cause) if (e instanceof FencedError || (e as Error).name === "FencedError") return true;
  return false;
}
