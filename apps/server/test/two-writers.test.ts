// One writer per run. A server process executes a slow run; meanwhile a `crewflow run --resume` of it
// and a second server started on the same data directory try to take it. The CLI is refused with a
// message naming the holder, the second server leaves the run alone, and the run completes once, each
// step executed once, its log gap-free.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { startGatedRun } from "./support/process";
import { collect, range, removeDir, seqs, startServer, waitForRun } from "./support/server";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, "../../..");
const root = mkdtempSync(join(tmpdir(), "crewflow-writers-"));
afterAll(() => removeDir(root));

describe("one writer per run", () => {
  it("refuses a CLI resume of a run a live server executes, and a second server leaves it alone", async () => {
    // The run holds after its first step until the gate file exists, however slow this machine is.
    const { dataDir, workspace, first, client, gate, runId } = await startGatedRun(root);
    // The first step has committed: the run is under way on the first server.
    await collect(client, runId, { stopAfter: 3 });

    const cli = await promisify(execFile)(process.execPath, ["--import", "tsx", join(ROOT, "packages/cli/src/bin.ts"), "run", "--resume", runId, "--json", "--data", dataDir], {
      cwd: ROOT,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(cli.code).toBe(1);
    const report = JSON.parse(cli.stdout) as { status: string; error: { message: string } };
    expect(report.error.message).toMatch(new RegExp(`run ${runId} is being executed by a server \\(pid ${first.child.pid} on `));

    // A second server on the same data directory: its start-up recovery must not touch the live run.
    const second = await startServer({ dataDir, workspace }, root);
    try {
      expect((await second.client.runs.get.query({ runId })).status).toBe("running");
      await expect(second.client.runs.resume.mutate({ runId })).rejects.toThrow(/is running|being executed/);
      writeFileSync(gate, "open");

      const done = await waitForRun(client, runId);
      expect(done.status).toBe("completed");
      const all = await collect(client, runId);
      expect(seqs(all.events)).toEqual(range(1, all.events.length));
      const finished = all.events.flatMap((e) => (e.type === "method_execution_finished" ? [e.method] : []));
      expect(finished).toEqual(["one", "two", "three", "four", "five"]);
      expect(all.events.filter((e) => e.type === "flow_started")).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
