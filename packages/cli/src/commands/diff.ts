// `crewflow diff A B`: how the state differs — between two steps of one run (`RUN#STEP RUN#STEP`, or
// `RUN@SEQ`), or between the aligned steps of two runs (`RUN RUN`). --json gives the data the UI shows
// (jsondiffpatch deltas and RFC 6902 patches).
import { parseArgs } from "node:util";
import { diffRuns, diffSteps } from "@crewflow/host";
import { DB_OPTIONS, withStore } from "../db";
import type { CliIo } from "../io";

const OPTIONS = { json: { type: "boolean", default: false }, ...DB_OPTIONS } as const;

type Ref = { runId: string; at: { number: number } | { seq: number } | null };

function refOf(text: string): Ref {
  const match = /^(.+?)([@#])(\d+)$/.exec(text);
  if (!match) return { runId: text, at: null };
  return { runId: match[1]!, at: match[2] === "#" ? { number: Number(match[3]) } : { seq: Number(match[3]) } };
}

export async function diffCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    io.stderr.write(`crewflow diff: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [a, b] = positionals.map(refOf);
  if (positionals.length !== 2 || !a || !b || (a.at === null) !== (b.at === null) || (a.at !== null && a.runId !== b.runId)) {
    io.stderr.write("crewflow diff: give two steps of one run (RUN#STEP or RUN@SEQ) or two runs\n");
    return 2;
  }
  return withStore(values, io, "diff", async (store) => {
    try {
      const out = (line: string) => io.stdout.write(`${line}\n`);
      if (a.at && b.at) {
        const diff = await diffSteps(store, a.runId, a.at, b.at);
        if (values.json) out(JSON.stringify(diff, null, 2));
        else {
          out(`state after #${diff.from.number} ${diff.from.method} → after #${diff.to.number} ${diff.to.method}: ${diff.changed ? "" : "no change"}`);
          for (const op of diff.patch) out(`  ${op.op} ${op.path}${"value" in op ? ` = ${JSON.stringify(op.value)}` : ""}`);
        }
        return 0;
      }
      const diff = await diffRuns(store, a.runId, b.runId);
      if (values.json) out(JSON.stringify(diff, null, 2));
      else {
        for (const s of diff.steps) {
          const mark = !s.left ? "+" : !s.right ? "-" : s.changed || s.outputChanged ? "~" : "=";
          out(`${mark} ${s.key}${s.changed ? `: ${s.patch.map((op) => `${op.op} ${op.path}${"value" in op ? `=${JSON.stringify(op.value)}` : ""}`).join(", ")}` : ""}`);
        }
        out(`final state: ${diff.final.changed ? diff.final.patch.map((op) => `${op.op} ${op.path}${"value" in op ? `=${JSON.stringify(op.value)}` : ""}`).join(", ") : "same"}`);
      }
      return 0;
    } catch (err) {
      io.stderr.write(`crewflow diff: ${(err as Error).message}\n`);
      return 1;
    }
  });
}
