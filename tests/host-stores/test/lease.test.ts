// Fencing for the scale-out executor: a worker that lost its run's lease (crashed, stopped, cut off)
// can never write to it again, and every step lands in the log exactly once, on both databases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRunId, runFlow } from "@crewflow/host";
import { FencedError, sha256 } from "@crewflow/runtime";
import type { PrismaRunStore } from "@crewflow/store-prisma";
import { DATABASES, newRunRecord, tempDir, unique } from "@crewflow/store-prisma/testing/databases";
import { chain, hosted } from "@crewflow/host/spec";

/** Records a run of `chain(name, 5)` with nothing done, as an API server does before queueing it. */
async function recordRun(store: PrismaRunStore, name: string): Promise<string> {
  const text = hosted(chain(name, 5)).text;
  const runId = newRunId();
  await store.createRun(newRunRecord(runId, name, sha256(text)), { definition: text });
  return runId;
}

describe.each(DATABASES)("leases on $name", (db) => {
  // Two stores on one database stand for two worker processes.
  let first: PrismaRunStore;
  let second: PrismaRunStore;
  const dir = tempDir();
  beforeAll(async () => {
    first = await db.open(dir);
    second = await db.open(dir);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it("a worker whose lease was taken over cannot commit its step; the new holder resumes and every step is logged once", async () => {
    const name = unique("Fenced");
    // An API server records the run; worker 1 takes its lease and runs it; in the middle of m3
    // worker 2 takes the run over.
    const runId = await recordRun(first, name);
    const one = (await first.acquireLease(runId))!;
    let two: { lease: number; lastSeq: number } | null = null;
    const lost = await runFlow(
      first,
      hosted(
        chain(name, 5, [], async (method) => {
          if (method === "m3") two = await second.acquireLease(runId);
        }),
        { lease: one.lease },
      ),
      { kind: "resume", runId },
    );
    expect(lost.status).toBe("failed");
    expect(lost.error).toBeInstanceOf(FencedError);
    expect((lost.error as Error).message).toMatch(/was taken over/);
    expect(two!.lease).toBe(one.lease + 1);

    // The stale worker's failure did not reach the row: it is still the new holder's running run.
    const row = (await second.getRun(runId))!;
    expect(row.status).toBe("running");
    expect((await second.steps(runId)).map((s) => s.method)).toEqual(["m1", "m2"]);

    const resumed = await runFlow(second, hosted(chain(name, 5), { lease: two!.lease }), { kind: "resume", runId });
    expect(resumed.status).toBe("completed");
    const loaded = (await second.loadRun(runId))!;
    const seqs = loaded.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect((await second.steps(runId)).map((s) => s.method)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect(loaded.record.status).toBe("completed");
    expect(loaded.record.output).toBe("m5:5");
    // A status change under the old lease is refused too.
    await expect(first.updateRun(runId, { status: "failed" }, one.lease)).rejects.toBeInstanceOf(FencedError);
    expect((await first.getRun(runId))!.status).toBe("completed");
  });

  it("of many workers racing for one run, exactly one holds it and only its appends commit", async () => {
    const name = unique("Race");
    const done = await runFlow(first, hosted(chain(name, 1)), { kind: "new" });
    const template = (await first.loadRun(done.runId))!.events[0]!;
    const workers = await Promise.all([0, 1, 2].map(() => db.open(dir)));
    try {
      const leases = await Promise.all(workers.map((w) => w.acquireLease(done.runId)));
      const numbers = leases.map((l) => l!.lease).sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(3);
      const outcomes = await Promise.allSettled(
        workers.map((w, i) => w.appendFenced(done.runId, leases[i]!.lease, leases[i]!.lastSeq + 1, [{ ...template, seq: leases[i]!.lastSeq + 1 }])),
      );
      const winners = outcomes.map((o, i) => (o.status === "fulfilled" ? leases[i]!.lease : null)).filter((l) => l !== null);
      expect(winners).toEqual([numbers[2]]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  });
});
