// A run store in plain files under the data directory, so `crewflow run --resume/--fork` work across
// processes before a database is configured. Each run's events are appended as JSON lines as they
// happen; state snapshots and pending feedback mirror CrewAI's flow_states/pending_feedback tables.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FlowEvent, PendingFeedbackContext, RunRecord, RunStore, State } from "@crewflow/runtime";

export class FileRunStore implements RunStore {
  readonly persistenceType = "FileRunStore";
  private readonly runs: string;
  private readonly pending: string;
  private readonly states: string;

  constructor(readonly dir: string) {
    this.runs = join(dir, "runs");
    this.pending = join(dir, "pending");
    this.states = join(dir, "flow_states.jsonl");
    mkdirSync(this.runs, { recursive: true });
    mkdirSync(this.pending, { recursive: true });
  }

  async createRun(record: RunRecord): Promise<void> {
    writeFileSync(join(this.runs, `${record.runId}.json`), JSON.stringify(record, null, 2));
  }

  async updateRun(runId: string, fields: Partial<RunRecord>): Promise<void> {
    const path = join(this.runs, `${runId}.json`);
    const record = JSON.parse(readFileSync(path, "utf8")) as RunRecord;
    writeFileSync(path, JSON.stringify({ ...record, ...fields }, null, 2));
  }

  async append(runId: string, events: readonly FlowEvent[]): Promise<void> {
    if (events.length === 0) return;
    appendFileSync(join(this.runs, `${runId}.events.jsonl`), events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  }

  async loadRun(runId: string): Promise<{ record: RunRecord; events: FlowEvent[] } | null> {
    const path = join(this.runs, `${runId}.json`);
    if (!existsSync(path)) return null;
    return { record: JSON.parse(readFileSync(path, "utf8")) as RunRecord, events: readLines<FlowEvent>(join(this.runs, `${runId}.events.jsonl`)) };
  }

  async listRuns(): Promise<RunRecord[]> {
    return readdirSync(this.runs)
      .filter((name) => name.endsWith(".json"))
      .map((name) => JSON.parse(readFileSync(join(this.runs, name), "utf8")) as RunRecord)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  saveState(flowUuid: string, methodName: string, state: State): void {
    appendFileSync(this.states, JSON.stringify({ flowUuid, methodName, state, at: new Date().toISOString() }) + "\n");
  }

  /** The latest saved snapshot of this state id; else the latest state any run recorded for it. */
  loadState(flowUuid: string): State | null {
    const saved = readLines<{ flowUuid: string; state: State }>(this.states).filter((s) => s.flowUuid === flowUuid);
    if (saved.length > 0) return saved[saved.length - 1]!.state;
    let latest: { at: string; state: State } | null = null;
    for (const name of readdirSync(this.runs).filter((n) => n.endsWith(".events.jsonl")))
      for (const event of readLines<FlowEvent>(join(this.runs, name)))
        if (event.type === "method_execution_finished" && (event.state as State | null)?.id === flowUuid && (!latest || event.at >= latest.at))
          latest = { at: event.at, state: event.state as State };
    return latest?.state ?? null;
  }

  savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): void {
    this.saveState(flowUuid, context.method_name, state);
    writeFileSync(join(this.pending, `${flowUuid}.json`), JSON.stringify({ context, state }));
  }

  loadPendingFeedback(flowUuid: string): { state: State; context: PendingFeedbackContext } | null {
    const path = join(this.pending, `${flowUuid}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { state: State; context: PendingFeedbackContext }) : null;
  }

  clearPendingFeedback(flowUuid: string): void {
    rmSync(join(this.pending, `${flowUuid}.json`), { force: true });
  }
}

function readLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}
