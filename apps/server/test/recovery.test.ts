// A server killed mid-run (kill -9): the next server marks the run interrupted on start-up, and
// resume continues it from its last completed step, with the event log still gap-free.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startGatedRun } from "./support/process";
import { type TestServer, collect, range, removeDir, seqs, startServer, waitForRun } from "./support/server";



describe("a server that dies mid-run", () => {
  const root = mkdtempSync(join(tmpdir(), "crewflow-crash-"));
  let server: TestServer | null = null;

  afterAll(async () => {
    await server?.close();
    removeDir(root);
  });

  it("leaves the run interrupted, and resume finishes it without re-running completed steps", async () => {
    // The run holds after its first step until the gate file exists, however slow this machine is.
    const { dataDir, workspace, first, client, gate, runId } = await startGatedRun(root);
    // flow_started, one started, one finished: then the process dies. (Step two's start is committed
    // only with its end, which the gate holds back: waiting for a fourth event ran into collect's timeout.)
    const before = await collect(client, runId, { stopAfter: 3 });
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    server = await startServer({ dataDir, workspace }, root);
    const interrupted = await server.client.runs.get.query({ runId });
    expect(interrupted.status).toBe("interrupted");

    writeFileSync(gate, "open");
    await server.client.runs.resume.mutate({ runId });
    const rest = await collect(server.client, runId, { lastEventId: String(before.events.at(-1)!.seq) });
    expect(rest.completed).toBe(true);
    const done = await waitForRun(server.client, runId);
    expect(done.status).toBe("completed");
    expect(done.output).toBe(5);

    const all = await collect(server.client, runId);
    expect(seqs(all.events)).toEqual(range(1, all.events.length));
    const finished = all.events.flatMap((e) => (e.type === "method_execution_finished" ? [e.method] : []));
    expect(finished).toEqual(["one", "two", "three", "four", "five"].slice(0, finished.length));
    expect(finished.filter((m) => m === "one")).toHaveLength(1);
  });
});
