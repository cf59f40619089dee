// `crewflow run FILE`: run a flow file to completion, a pause or a failure, recording the run in the
// database (SQLite by default, PostgreSQL with --db) so a later invocation can resume it by id, fork it
// from any step, restore a checkpoint, or replay it from its recorded LLM calls.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type LlmCallRecord, ReplayChatModel, createCrewRunner } from "@crewflow/crews";
import { type FlowDefinition, loadDefinitionText } from "@crewflow/definition";
import {
  type HostResult,
  type HostStatus,
  type ReplayReport,
  type RunRequest,
  assignmentsToPatch,
  forkCheckpoint,
  parseAssignment,
  replayRun,
  runFlow,
} from "@crewflow/host";
import { type FlowEvent, type FlowOptions, type JsonValue, type PatchOperation, errorInfo, leaseHolder, toJson, traceOf, type RunStore } from "@crewflow/runtime";
import { DB_OPTIONS, withStore } from "../db";
import type { CliIo } from "../io";

export interface RunReport {
  status: HostStatus;
  runId: string;
  stateId: string | null;
  output: JsonValue;
  state: JsonValue;
  outputs: JsonValue;
  trace: { method: string; status: string; output: JsonValue }[];
  error: { type: string; message: string } | null;
  /** With --replay: how the replay compares with the recorded run. */
  replay?: {
    of: string;
    identical: boolean;
    sameVersion: boolean;
    stepsMatch: boolean;
    stateMatch: boolean;
    recordedCalls: number;
    replayedCalls: number;
    liveCalls: number;
    firstDifference: ReplayReport["firstDifference"];
    firstStepDifference: ReplayReport["firstStepDifference"];
  };
}

const OPTIONS = {
  inputs: { type: "string" },
  json: { type: "boolean", default: false },
  resume: { type: "string" },
  fork: { type: "string" },
  set: { type: "string", multiple: true },
  checkpoint: { type: "string" },
  feedback: { type: "string" },
  replay: { type: "string" },
  modules: { type: "string", multiple: true },
  ...DB_OPTIONS,
} as const;

class UsageError extends Error {}

interface Definition {
  definition: FlowDefinition;
  text: string;
  sourcePath: string | null;
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
  const usage = (message: string) => (io.stderr.write(`crewflow run: ${message}\n`), 2);
  const storedDefinition = values.resume !== undefined || values.replay !== undefined;
  if (positionals.length > 1 || (positionals.length === 0 && !storedDefinition))
    return usage("give exactly one FILE (it may be left out with --resume or --replay: the run's own version is used)");
  if (values.set && values.fork === undefined) return usage("--set needs --fork");
  if (values.replay !== undefined && (values.resume ?? values.fork ?? values.checkpoint ?? values.inputs ?? values.feedback) !== undefined)
    return usage("--replay cannot be combined with --resume, --fork, --checkpoint, --inputs or --feedback");

  let file: Definition | null = null;
  if (positionals.length === 1) {
    const path = resolve(io.cwd, positionals[0]!);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      io.stderr.write(`crewflow run: unable to read ${positionals[0]}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}\n`);
      return 2;
    }
    const loaded = loadDefinitionText(text, { sourcePath: path });
    if (!loaded.definition) {
      if (values.json) {
        const errors = loaded.errors.map(({ path: p, message }) => ({ path: p, message }));
        io.stdout.write(JSON.stringify({ valid: false, errors }, null, 2) + "\n");
      } else for (const d of loaded.errors) io.stdout.write(`${d.path || positionals[0]}: ${d.message}\n`);
      io.stderr.write(`${positionals[0]}: invalid definition (${loaded.errors.length} error(s))\n`);
      return 2;
    }
    file = { definition: loaded.definition, text, sourcePath: path };
  }
  let inputs: Record<string, unknown> | null = null;
  if (values.inputs !== undefined) {
    try {
      inputs = JSON.parse(values.inputs) as Record<string, unknown>;
    } catch (err) {
      return usage(`--inputs is not valid JSON: ${(err as Error).message}`);
    }
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) return usage("--inputs must be a JSON object");
  }
  const modulePaths = [...(values.modules ?? []).map((dir) => resolve(io.cwd, dir)), ...(process.env.CREWFLOW_MODULE_PATH ?? "").split(":").filter(Boolean)];

  return withStore(values, io, "run", async (store) => {
    const quiet = values.json;
    // Printed with --json too (on stderr): a caller whose run is killed needs the id to --resume it.
    const onRunCreated = (runId: string) => io.stderr.write(`run ${runId} started\n`);
    // Progress prints what is committed: a ✓ line means the step is in the database.
    const onCommitted = (events: readonly FlowEvent[]) => !quiet && events.forEach((event) => progress(event, io));
    const crewsFor = (def: Definition, model?: ReplayChatModel) =>
      // Crew and agent actions: OpenAI-compatible endpoint from OPENAI_* env, else the simulated model (or the replay model).
      createCrewRunner({
        definition: def.definition,
        ...(def.sourcePath ? { sourceDir: dirname(def.sourcePath) } : {}),
        modulePaths,
        ...(model ? { model } : {}),
        log: (line) => io.stderr.write(`${line}\n`),
      });

    let report: RunReport;
    try {
      if (values.replay !== undefined) {
        const source = file ?? (await storedVersion(store, values.replay));
        const result = await replayRun(store, values.replay, {
          ...(file ? { definition: { text: file.text, sourcePath: file.sourcePath } } : {}),
          flowOptions: { modulePaths },
          replayModel: (calls) => crewsFor(source, new ReplayChatModel(calls.filter(isLlmRecord))),
          onRunCreated,
          onCommitted,
        });
        report = {
          ...reportOf(result.result),
          replay: {
            of: result.of,
            identical: result.identical,
            sameVersion: result.sameVersion,
            stepsMatch: result.stepsMatch,
            stateMatch: result.stateMatch,
            recordedCalls: result.recordedCalls,
            replayedCalls: result.replayedCalls,
            liveCalls: result.liveCalls,
            firstDifference: result.firstDifference,
            firstStepDifference: result.firstStepDifference,
          },
        };
      } else {
        const def = file ?? (await storedVersion(store, values.resume!));
        const request = await requestOf(store, values, inputs);
        const options: FlowOptions = { modulePaths, crews: crewsFor(def) };
        // This process holds the run while it executes: a second one (a server, another CLI) is refused.
        const result = await runFlow(store, { ...def, flowOptions: options, onRunCreated, onCommitted, holder: leaseHolder("cli") }, request);
        report = reportOf(result);
      }
    } catch (err) {
      if (err instanceof UsageError) return usage(err.message);
      report = { ...reportOf(null), status: "failed", error: errorInfo(err) };
    }
    if (values.json) io.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else printHuman(report, io);
    const ended = report.status === "completed" || report.status === "paused";
    if (report.replay) return !ended || !report.replay.identical ? 1 : 0;
    return ended ? 0 : 1;
  });
}

const isLlmRecord = (call: JsonValue): call is JsonValue & LlmCallRecord =>
  call !== null && typeof call === "object" && !Array.isArray(call) && (call.kind === undefined || call.kind === "llm");

/** A run's own definition (its version's text), for --resume/--replay without FILE. */
async function storedVersion(store: RunStore, runId: string): Promise<Definition> {
  const run = await store.getRun(runId);
  if (!run) throw new UsageError(`no run '${runId}' in ${store.url}`);
  const version = await store.getVersion(run.versionId);
  if (!version?.definition) throw new UsageError(`run ${runId} was recorded without its definition text; give the FILE`);
  const sourcePath = version.sourcePath ?? run.definitionPath;
  const loaded = loadDefinitionText(version.definition, sourcePath ? { sourcePath } : {});
  if (!loaded.definition) throw new UsageError(`the stored definition of run ${runId} no longer loads: ${loaded.errors[0]?.message ?? "invalid"}`);
  return { definition: loaded.definition, text: version.definition, sourcePath };
}

type Values = { resume?: string | undefined; fork?: string | undefined; set?: string[] | undefined; checkpoint?: string | undefined; feedback?: string | undefined };

/**
 * What to run. `--fork RUN_ID@SEQ` (or `RUN_ID#STEP`) forks from that step's snapshot: completed steps
 * are not run again and the state gets a fresh id. `--fork STATE_ID` is CrewAI's restore_from_state_id
 * (hydrate, fresh id, every method runs). `--set path=value` edits the state first (a fork only).
 */
async function requestOf(store: RunStore, values: Values, inputs: Record<string, unknown> | null): Promise<RunRequest> {
  if (values.resume !== undefined) return { kind: "resume", runId: values.resume, inputs, ...(values.feedback !== undefined ? { feedback: values.feedback } : {}) };
  const sets = (values.set ?? []).map((text) => {
    try {
      return parseAssignment(text);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  const step = values.fork !== undefined ? await stepRef(store, values.fork) : null;
  if (values.checkpoint !== undefined) {
    const [runId, seq] = values.checkpoint.split("@");
    if (seq !== undefined && !/^\d+$/.test(seq)) throw new UsageError(`--checkpoint expects RUN_ID[@SEQ], got '${values.checkpoint}'`);
    return {
      kind: "checkpoint",
      runId: runId!,
      inputs,
      ...(seq !== undefined ? { seq: Number(seq) } : {}),
      ...(values.fork !== undefined ? { restoreFromStateId: values.fork } : {}),
    };
  }
  if (step) {
    const checkpoint = await forkCheckpoint(store, step.runId, step.seq);
    return { kind: "fork", runId: step.runId, seq: step.seq, inputs, patch: assignmentsToPatch(checkpoint.state, sets) };
  }
  if (values.fork !== undefined) {
    let patch: PatchOperation[] = [];
    if (sets.length) {
      const state = await store.loadState(values.fork);
      if (!state) throw new UsageError(`no state '${values.fork}' to edit with --set`);
      patch = assignmentsToPatch(state, sets);
    }
    return { kind: "new", inputs, restoreFromStateId: values.fork, patch };
  }
  return { kind: "new", inputs };
}

/** `RUN_ID@SEQ` (an event sequence number) or `RUN_ID#STEP` (a step number of `crewflow show`); else null. */
async function stepRef(store: RunStore, ref: string): Promise<{ runId: string; seq: number } | null> {
  const match = /^(.+?)([@#])(\d+)$/.exec(ref);
  if (!match) return null;
  const [, runId, kind, n] = match;
  if (kind === "@") return { runId: runId!, seq: Number(n) };
  const step = await store.step(runId!, { number: Number(n) });
  if (!step) throw new UsageError(`run ${runId} has no step ${n}`);
  return { runId: runId!, seq: step.seq };
}

function reportOf(result: HostResult | null): RunReport {
  const flow = result?.flow ?? null;
  const paused = result?.status === "paused";
  const failed = result === null || (result.status !== "completed" && result.status !== "paused");
  return {
    status: result?.status ?? "failed",
    runId: result?.runId ?? "",
    stateId: flow ? String(flow.state.id ?? "") || null : null,
    output: failed || paused ? null : toJson(result.outcome),
    state: flow ? toJson(flow.state) : null,
    outputs: flow ? toJson(flow.outputsByMethod) : {},
    trace: flow ? traceOf(flow.events) : [],
    error: result?.error ? errorInfo(result.error) : null,
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
  if (report.status === "failed" || report.status === "cancelled" || report.status === "interrupted")
    io.stdout.write(`${report.status}: ${report.error?.type ?? "Cancelled"}: ${report.error?.message ?? ""}\n`);
  else if (report.status === "paused")
    io.stdout.write(`paused: resume with: pnpm -s crewflow run --resume ${report.runId} --feedback "…"\n`);
  else io.stdout.write(`${typeof report.output === "string" ? report.output : JSON.stringify(report.output)}\n`);
  if (report.replay) {
    const r = report.replay;
    io.stdout.write(
      r.identical
        ? `replay of ${r.of}: identical (${r.replayedCalls} LLM call(s) answered from the recording, ${r.liveCalls} live)\n`
        : `replay of ${r.of}: differs${r.firstDifference ? ` — first differing request: call #${r.firstDifference.index + 1} of ${r.firstDifference.recordedMethod ?? r.firstDifference.method ?? "?"}` : ""}${r.firstStepDifference ? `; first differing step: #${r.firstStepDifference.number} (${r.firstStepDifference.recorded?.method ?? "none"} → ${r.firstStepDifference.replayed?.method ?? "none"})` : ""}\n`,
    );
  }
  if (report.runId) io.stderr.write(`run ${report.runId} ${report.status}\n`);
}
