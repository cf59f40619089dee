// `crewflow runs`: the recorded runs, newest first (optionally of one flow).
import { parseArgs } from "node:util";
import type { StoredRun } from "@crewflow/store-prisma";
import { DB_OPTIONS, withStore } from "../db";
import type { CliIo } from "../io";

const OPTIONS = {
  flow: { type: "string" },
  status: { type: "string" },
  limit: { type: "string" },
  json: { type: "boolean", default: false },
  ...DB_OPTIONS,
} as const;

export async function runsCommand(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, allowPositionals: false, options: OPTIONS }));
  } catch (err) {
    io.stderr.write(`crewflow runs: ${(err as Error).message}\n`);
    return 2;
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    io.stderr.write("crewflow runs: --limit must be a positive integer\n");
    return 2;
  }
  return withStore(values, io, "runs", async (store) => {
    const runs = await store.listRuns({
      limit,
      ...(values.flow ? { flowName: values.flow } : {}),
      ...(values.status ? { status: values.status as StoredRun["status"] } : {}),
    });
    if (values.json) {
      io.stdout.write(JSON.stringify(runs, null, 2) + "\n");
      return 0;
    }
    if (runs.length === 0) {
      io.stdout.write(`no runs in ${store.url}\n`);
      return 0;
    }
    const rows = runs.map((r) => [
      r.runId,
      `${r.flowName} v${r.version}`,
      r.status,
      r.startedAt.replace("T", " ").slice(0, 19),
      r.durationMs === null ? "" : `${Math.round(r.durationMs)} ms`,
      r.tokens.total ? `${r.tokens.total} tok` : "",
      lineage(r),
    ]);
    table(["RUN", "FLOW", "STATUS", "STARTED (UTC)", "TIME", "TOKENS", "FROM"], rows, io);
    return 0;
  });
}

export function lineage(run: StoredRun): string {
  if (run.replayOfId) return `replay of ${run.replayOfId}`;
  if (run.parentRunId) return `${run.origin} of ${run.parentRunId}@${run.parentSeq ?? "?"}${run.forkPatch?.length ? " (edited)" : ""}`;
  return run.origin === "new" ? "" : run.origin;
}

export function table(header: string[], rows: string[][], io: CliIo): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd() + "\n";
  io.stdout.write(line(header));
  for (const row of rows) io.stdout.write(line(row));
}
