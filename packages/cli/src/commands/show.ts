// `crewflow show RUN_ID`: a run and its step log — each method execution that ended, with its output and
// how it changed the state (or the whole state after it, with --states). --json gives the run, the steps
// (with their snapshots) and the full event log.
import { parseArgs } from "node:util";
import { diffStates } from "@crewflow/host";
import { DB_OPTIONS, withStore } from "../db";
import type { CliIo } from "../io";
import { lineage, table } from "./runs";

const OPTIONS = {
  json: { type: "boolean", default: false },
  states: { type: "boolean", default: false },
  ...DB_OPTIONS,
} as const;

const clip = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export async function showCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    io.stderr.write(`crewflow show: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write("crewflow show: give exactly one RUN_ID\n");
    return 2;
  }
  const runId = positionals[0]!;
  return withStore(values, io, "show", async (store) => {
    const run = await store.getRun(runId);
    if (!run) {
      io.stderr.write(`crewflow show: no run '${runId}' in ${store.url}\n`);
      return 1;
    }
    const [steps, events] = await Promise.all([store.steps(runId), store.events(runId, run.flowName)]);
    if (values.json) {
      io.stdout.write(JSON.stringify({ run, steps, events }, null, 2) + "\n");
      return 0;
    }
    const out = (line: string) => io.stdout.write(`${line}\n`);
    out(`run ${run.runId}: ${run.flowName} v${run.version} (${run.definitionPath ?? "no file"}), ${run.status}`);
    out(`  started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ""}${run.durationMs !== null ? ` (${Math.round(run.durationMs)} ms)` : ""}`);
    out(`  state id ${run.stateId ?? "-"}; inputs ${JSON.stringify(run.inputs)}`);
    if (run.tokens.total || run.llmCalls) out(`  ${run.llmCalls} LLM call(s), ${run.tokens.total} tokens (${run.tokens.prompt} prompt, ${run.tokens.completion} completion)`);
    const from = lineage(run);
    if (from) out(`  ${from}${run.forkPatch?.length ? `; patch ${JSON.stringify(run.forkPatch)}` : ""}`);
    if (run.error) out(`  error: ${run.error.type}: ${run.error.message}`);
    out("");
    // A step's change: the state its start event saw → the state after it.
    const before = new Map(events.flatMap((e) => (e.type === "method_execution_started" ? [[e.seq, e.state] as const] : [])));
    const rows = steps.map((s) => {
      const start = s.startSeq === null ? undefined : before.get(s.startSeq);
      const change = s.state === null || start === undefined ? [] : diffStates(start, s.state).patch;
      const changes = change.map((op) => `${op.op === "remove" ? "-" : ""}${op.path}${"value" in op ? `=${JSON.stringify(op.value)}` : ""}`).join(" ");
      const result = s.status === "failed" ? `${s.error?.type}: ${s.error?.message}` : s.status === "paused" ? "waiting for feedback" : JSON.stringify(s.output);
      return [String(s.number), String(s.seq), s.method + (s.label !== null ? ` → ${s.label}` : ""), s.status, s.durationMs === null ? "" : `${Math.round(s.durationMs)} ms`, clip(result), clip(changes, 50)];
    });
    table(["STEP", "SEQ", "METHOD", "STATUS", "TIME", "OUTPUT", "STATE CHANGES"], rows, io);
    if (values.states) for (const s of steps) out(`\n#${s.number} ${s.method}: ${JSON.stringify(s.state)}`);
    if (steps.length === 0) out("(no step has ended yet)");
    return 0;
  });
}
