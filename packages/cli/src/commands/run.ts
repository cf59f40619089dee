// `crewflow run FILE`: run a flow file to completion, a pause or a failure, recording the run in the
// data directory so it can be resumed, forked or restored from a checkpoint by a later invocation.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createCrewRunner } from "@crewflow/crews";
import { type FlowDefinition, loadDefinitionText } from "@crewflow/definition";
import {
  type Checkpoint,
  type FlowEvent,
  type FlowOptions,
  type JsonValue,
  type RunRecord,
  Flow,
  HumanFeedbackPending,
  checkpointFromEvents,
  errorInfo,
  pendingPause,
  toJson,
  traceOf,
} from "@crewflow/runtime";
import type { CliIo } from "../io";
import { FileRunStore } from "../store/file-store";

export interface RunReport {
  status: "completed" | "failed" | "paused";
  runId: string;
  stateId: string | null;
  output: JsonValue;
  state: JsonValue;
  outputs: JsonValue;
  trace: { method: string; status: string; output: JsonValue }[];
  error: { type: string; message: string } | null;
}

const OPTIONS = {
  inputs: { type: "string" },
  json: { type: "boolean", default: false },
  resume: { type: "string" },
  fork: { type: "string" },
  checkpoint: { type: "string" },
  feedback: { type: "string" },
  data: { type: "string" },
  modules: { type: "string", multiple: true },
} as const;

/** Where runs are kept: `--data`, else `CREWFLOW_DATA_DIR`, else `data/` under the current directory. */
export function dataDir(flag: string | undefined, cwd: string): string {
  return resolve(cwd, flag ?? process.env.CREWFLOW_DATA_DIR ?? "data");
}

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    io.stderr.write(`crewflow run: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write("crewflow run: give exactly one FILE\n");
    return 2;
  }
  const file = resolve(io.cwd, positionals[0]!);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    io.stderr.write(`crewflow run: unable to read ${positionals[0]}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}\n`);
    return 2;
  }
  const loaded = loadDefinitionText(text, { sourcePath: file });
  if (!loaded.definition) {
    if (values.json) {
      const errors = loaded.errors.map(({ path, message }) => ({ path, message }));
      io.stdout.write(JSON.stringify({ valid: false, errors }, null, 2) + "\n");
    } else for (const d of loaded.errors) io.stdout.write(`${d.path || positionals[0]}: ${d.message}\n`);
    io.stderr.write(`${positionals[0]}: invalid definition (${loaded.errors.length} error(s))\n`);
    return 2;
  }
  let inputs: Record<string, unknown> | null = null;
  if (values.inputs !== undefined) {
    try {
      inputs = JSON.parse(values.inputs) as Record<string, unknown>;
    } catch (err) {
      io.stderr.write(`crewflow run: --inputs is not valid JSON: ${(err as Error).message}\n`);
      return 2;
    }
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
      io.stderr.write("crewflow run: --inputs must be a JSON object\n");
      return 2;
    }
  }

  const store = new FileRunStore(dataDir(values.data, io.cwd));
  const modulePaths = [
    ...(values.modules ?? []).map((dir) => resolve(io.cwd, dir)),
    ...(process.env.CREWFLOW_MODULE_PATH ?? "").split(":").filter(Boolean),
  ];
  const runner = new RunRecorder(store, io, values.json);
  const baseOptions: FlowOptions = {
    sourcePath: file,
    modulePaths,
    persistence: store,
    defaultPersistence: store,
    onEvent: () => runner.flush(),
    // Crew and agent actions: OpenAI-compatible endpoint from OPENAI_* env, else the simulated model.
    crews: createCrewRunner({ definition: loaded.definition, sourceDir: dirname(file), modulePaths, log: (line) => io.stderr.write(`${line}\n`) }),
  };
  const hash = createHash("sha256").update(text).digest("hex");
  const report = await runner.run(loaded.definition, baseOptions, {
    file,
    hash,
    inputs,
    ...(values.resume !== undefined ? { resume: values.resume } : {}),
    ...(values.fork !== undefined ? { fork: values.fork } : {}),
    ...(values.checkpoint !== undefined ? { checkpoint: values.checkpoint } : {}),
    ...(values.feedback !== undefined ? { feedback: values.feedback } : {}),
  });
  if (values.json) io.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else printHuman(report, io);
  return report.status === "failed" ? 1 : 0;
}

interface RunRequest {
  file: string;
  hash: string;
  inputs: Record<string, unknown> | null;
  resume?: string;
  fork?: string;
  checkpoint?: string;
  feedback?: string;
}

/** Drives one invocation and mirrors the flow's log into the store as it grows. */
class RunRecorder {
  private flow: Flow | null = null;
  private written = 0;

  constructor(
    private readonly store: FileRunStore,
    private readonly io: CliIo,
    private readonly quiet: boolean,
  ) {}

  flush(): void {
    const flow = this.flow;
    if (!flow) return;
    const fresh = flow.events.slice(this.written);
    this.written = flow.events.length;
    void this.store.append(flow.runId, fresh);
    if (!this.quiet) for (const event of fresh) progress(event, this.io);
  }

  async run(definition: FlowDefinition, options: FlowOptions, request: RunRequest): Promise<RunReport> {
    let outcome: unknown;
    let failure: unknown = null;
    let runId = "";
    try {
      if (request.resume !== undefined) {
        const previous = await this.store.loadRun(request.resume);
        if (!previous) throw new Error(`no run '${request.resume}' in ${this.store.dir}`);
        runId = previous.record.runId;
        const continued: FlowOptions = { ...options, runId, lastSeq: previous.events.at(-1)?.seq ?? 0 };
        const pause = pendingPause(previous.events);
        if (pause) {
          this.flow = await Flow.fromPending(pause.flowId, definition, continued);
          await this.store.updateRun(runId, { status: "running", endedAt: null });
          outcome = await this.flow.resume(request.feedback ?? "");
        } else {
          const checkpoint = checkpointFromEvents(previous.events);
          this.flow = checkpoint ? await Flow.fromCheckpoint(checkpoint, definition, continued) : await Flow.create(definition, continued);
          await this.store.updateRun(runId, { status: "running", endedAt: null });
          outcome = await this.flow.kickoff({ inputs: request.inputs });
        }
      } else {
        const checkpoint = request.checkpoint !== undefined ? await this.loadCheckpoint(request.checkpoint) : null;
        // A checkpoint restore runs on the restored instance (CrewAI's `Flow.from_checkpoint`); only the
        // invalid combination with --fork goes through kickoff, which raises CrewAI's error for it.
        this.flow =
          checkpoint && request.fork === undefined
            ? await Flow.fromCheckpoint(checkpoint, definition, options)
            : await Flow.create(definition, options);
        runId = this.flow.runId;
        await this.store.createRun(newRecord(this.flow, request));
        outcome = await this.flow.kickoff({
          inputs: request.inputs,
          ...(request.fork !== undefined ? { restoreFromStateId: request.fork } : {}),
          ...(checkpoint && request.fork !== undefined ? { fromCheckpoint: checkpoint } : {}),
        });
      }
    } catch (err) {
      failure = err;
    }
    this.flush();
    const flow = this.flow;
    const paused = outcome instanceof HumanFeedbackPending;
    const report: RunReport = {
      status: failure ? "failed" : paused ? "paused" : "completed",
      runId: flow?.runId ?? runId,
      stateId: flow ? String(flow.state.id ?? "") || null : null,
      output: failure || paused ? null : toJson(outcome),
      state: flow ? toJson(flow.state) : null,
      outputs: flow ? toJson(flow.outputsByMethod) : {},
      trace: flow ? traceOf(flow.events) : [],
      error: failure ? errorInfo(failure) : null,
    };
    if (report.runId && (await this.store.loadRun(report.runId)))
      await this.store.updateRun(report.runId, {
        status: report.status,
        endedAt: new Date().toISOString(),
        stateId: report.stateId,
        output: report.output,
        error: report.error,
      });
    return report;
  }

  /** `--checkpoint RUN_ID[@SEQ]`: the run's state after step SEQ (default: its last step). */
  private async loadCheckpoint(id: string): Promise<Checkpoint> {
    const [runId, seq] = id.split("@");
    const run = await this.store.loadRun(runId!);
    if (!run) throw new Error(`no checkpoint '${id}': no run '${runId}' in ${this.store.dir}`);
    const checkpoint = checkpointFromEvents(run.events, seq === undefined ? undefined : Number(seq));
    if (!checkpoint) throw new Error(`no checkpoint '${id}': the run has no completed step there`);
    return checkpoint;
  }
}

function newRecord(flow: Flow, request: RunRequest): RunRecord {
  return {
    runId: flow.runId,
    flowName: flow.definition.name,
    definitionPath: request.file,
    definitionHash: request.hash,
    status: "running",
    inputs: toJson(request.inputs),
    stateId: String(flow.state.id ?? "") || null,
    startedAt: new Date().toISOString(),
    endedAt: null,
    parentRunId: null,
    parentSeq: null,
    output: null,
    error: null,
  };
}

/** One line per method on stderr, so long runs show where they are. */
function progress(event: FlowEvent, io: CliIo): void {
  if (event.type === "method_execution_started") io.stderr.write(`▶ ${event.method}\n`);
  else if (event.type === "method_execution_finished")
    io.stderr.write(`✓ ${event.method} (${Math.round(event.durationMs)} ms)${event.label !== null ? ` → ${event.label}` : ""}\n`);
  else if (event.type === "method_execution_failed") io.stderr.write(`✗ ${event.method}: ${event.error.message}\n`);
  else if (event.type === "method_execution_paused") io.stderr.write(`⏸ ${event.method}: waiting for feedback (${event.message})\n`);
}

function printHuman(report: RunReport, io: CliIo): void {
  if (report.status === "failed") io.stdout.write(`failed: ${report.error!.type}: ${report.error!.message}\n`);
  else if (report.status === "paused")
    io.stdout.write(`paused: resume with: pnpm -s crewflow run FILE --resume ${report.runId} --feedback "…"\n`);
  else io.stdout.write(`${typeof report.output === "string" ? report.output : JSON.stringify(report.output)}\n`);
  io.stderr.write(`run ${report.runId} ${report.status}\n`);
}
