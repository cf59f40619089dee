// The scale-out acceptance suite, once per BullMQ backend (PostgreSQL, Redis): two API servers and
// three `crewflow worker` processes on loopback, each a real child process. Runs go in through both
// APIs; the database is read directly to check that every step was committed exactly once.
import { randomBytes } from "node:crypto";
import { FakeOpenAI } from "@crewflow/crews/testing";
import { openQueue, resolveQueueSettings } from "@crewflow/executor-bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../../apps/server/test/support/events";
import { hungModelFlow, reviewFlow } from "../../../apps/server/test/support/fixtures";
import { type Backend, Cluster, QUICK_FLOW, SLOW_FLOW } from "./support/cluster";
import { type Service, startPostgres, startRedis } from "./support/services";

const BACKENDS: Backend[] = ["postgres", "redis"];
const FIVE_STEPS = ["one", "two", "three", "four", "five"].map((m) => `${m}:completed`);

describe.each(BACKENDS)("scale-out on the %s backend", (backend) => {
  let postgres: Service;
  let redis: Service | null = null;
  let cluster: Cluster;
  const name = (base: string) => `${base}-${backend}-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), backend === "redis" ? startRedis() : Promise.resolve(null)]);
    cluster = new Cluster(backend, postgres.url, redis?.url ?? "redis://127.0.0.1:1", `crewflow-test-${randomBytes(3).toString("hex")}`);
    // The first API server migrates the database (and BullMQ its schema) before the others start.
    await cluster.startApi();
    await Promise.all([cluster.startApi(), cluster.startWorker(), cluster.startWorker(), cluster.startWorker()]);
  });

  afterAll(async () => {
    await cluster?.close();
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  const api = (i: number) => cluster.apis[i]!.client;

  async function startRuns(flowText: string, count: number): Promise<string[]> {
    const [a, b] = [api(0), api(1)];
    const { flow } = await a.flows.create.mutate({ text: flowText });
    const ids: string[] = [];
    // Half through each API server, 25 at a time.
    for (let i = 0; i < count; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, count - i) }, (_, j) => ((i + j) % 2 === 0 ? a : b).runs.start.mutate({ flowId: flow.id })),
      );
      ids.push(...batch.map((r) => r.runId));
    }
    return ids;
  }

  it("500 runs submitted through both API servers all complete, each step committed exactly once", async () => {
    const ids = await startRuns(QUICK_FLOW(name("Bulk")), 500);
    expect(new Set(ids).size).toBe(500);
    await cluster.waitFor(ids, ["completed", "failed", "cancelled"]);
    expect(await cluster.failures(ids)).toEqual([]);
    const logs = await cluster.logs(ids);
    for (const id of ids) {
      const log = logs.get(id)!;
      expect(log.steps, id).toEqual(["draft:completed", "edit:completed", "publish:completed"]);
      expect(log.gapFree, id).toBe(true);
    }
    const run = await api(1).runs.get.query({ runId: ids[499]! });
    expect(run).toMatchObject({ status: "completed", output: "published edited notes on agents" });
  });

  it("a subscriber on API server A sees a run started through B live, and a reconnect gets no gap and no repeat", async () => {
    const [runId] = await startRuns(SLOW_FLOW(name("Watched")), 1);
    const first = await collect(api(0), runId!, { stopAfter: 3 });
    expect(first.error).toBeNull();
    expect(first.completed).toBe(false);
    const second = await collect(api(0), runId!, { lastEventId: first.ids.at(-1)! });
    expect(second.error).toBeNull();
    expect(second.completed).toBe(true);
    const seqs = [...first.events, ...second.events].map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect([...first.events, ...second.events].at(-1)!.type).toBe("flow_finished");
    // The same log as the database's, read through the other server.
    const history = await collect(api(1), runId!);
    expect(history.events).toEqual([...first.events, ...second.events]);
  });

  it("kill -9 of a worker's node process mid-run: its runs finish on the other workers, each step once", async () => {
    const ids = await startRuns(SLOW_FLOW(name("Killed")), 30);
    // Wait until runs are in the middle (some steps committed, none finished), then kill one worker.
    await waitUntil(async () => {
      const logs = await cluster.logs(ids);
      return [...logs.values()].filter((l) => l.steps.length >= 1).length >= 10;
    });
    const victim = cluster.workers[0]!;
    process.kill(victim.pid, "SIGKILL");
    await victim.exited;
    cluster.forget(victim);
    await cluster.waitFor(ids, ["completed", "failed", "cancelled"]);
    expect(await cluster.failures(ids)).toEqual([]);
    const logs = await cluster.logs(ids);
    for (const id of ids) {
      expect(logs.get(id)!.steps, id).toEqual(FIVE_STEPS);
      expect(logs.get(id)!.gapFree, id).toBe(true);
    }
    // Runs the dead worker held were taken over: their lease moved on.
    expect([...logs.values()].filter((l) => l.lease >= 2).length).toBeGreaterThan(0);
    await cluster.startWorker(); // back to three
  });

  it("a SIGSTOPped worker loses its runs' leases; after SIGCONT it cannot write, and the runs finish elsewhere", async () => {
    const ids = await startRuns(SLOW_FLOW(name("Stopped")), 30);
    await waitUntil(async () => {
      const logs = await cluster.logs(ids);
      return [...logs.values()].filter((l) => l.steps.length >= 1).length >= 10;
    });
    const frozen = cluster.workers[0]!;
    process.kill(frozen.pid, "SIGSTOP");
    // Long enough for its job locks to lapse (2 s) and the other workers to take the runs over.
    await waitUntil(async () => {
      const logs = await cluster.logs(ids);
      return [...logs.values()].filter((l) => l.lease >= 2).length > 0;
    });
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(frozen.pid, "SIGCONT");
    await cluster.waitFor(ids, ["completed", "failed", "cancelled"]);
    expect(await cluster.failures(ids)).toEqual([]);
    // It woke up mid-step, finished the step, and its commit was refused.
    await waitUntil(async () => /lost the run's lease/.test(frozen.output()));
    const printed = await cluster.stop(frozen);
    const outcomes = JSON.parse(printed.match(/stopped (\{.*\})/)![1]!) as Record<string, number>;
    expect(outcomes["lost-lease"]).toBeGreaterThan(0);
    const logs = await cluster.logs(ids);
    for (const id of ids) {
      expect(logs.get(id)!.steps, id).toEqual(FIVE_STEPS);
      expect(logs.get(id)!.gapFree, id).toBe(true);
    }
    await cluster.startWorker();
  });

  it("a running run whose job was lost (the queue was wiped) is submitted again by a worker's reconciler", async () => {
    await Promise.all([...cluster.workers].map((w) => cluster.stop(w)));
    const [runId] = await startRuns(QUICK_FLOW(name("Orphan")), 1);
    const queue = openQueue(resolveQueueSettings({ databaseUrl: postgres.url, backend, redisUrl: redis?.url ?? "redis://127.0.0.1:1", queue: cluster.queue }));
    await queue.obliterate({ force: true });
    await queue.close();
    await Promise.all([cluster.startWorker(), cluster.startWorker(), cluster.startWorker()]);
    await cluster.waitFor([runId!], ["completed"]);
    expect(cluster.workers.some((w) => /resubmitted running runs that had no job/.test(w.output()))).toBe(true);
    expect((await cluster.logs([runId!])).get(runId!)!.steps).toEqual(["draft:completed", "edit:completed", "publish:completed"]);
  });

  it("a paused human-feedback run resumes after every process was restarted", async () => {
    const [runId] = await startRuns(reviewFlow(name("Review")), 1);
    await cluster.waitFor([runId!], ["paused"]);
    const pending = await api(1).feedback.pending.query({ limit: 200 });
    expect(pending.items.map((p) => p.runId)).toContain(runId);
    await cluster.stopAll();
    await cluster.startApi();
    await Promise.all([cluster.startApi(), cluster.startWorker(), cluster.startWorker(), cluster.startWorker()]);
    await api(1).feedback.submit.mutate({ runId: runId!, feedback: "approved" });
    await cluster.waitFor([runId!], ["completed", "failed"]);
    const run = await api(0).runs.get.query({ runId: runId! });
    expect(run).toMatchObject({ status: "completed", output: "published: A post about agents" });
    const logs = await cluster.logs([runId!]);
    expect(logs.get(runId!)!.steps).toEqual(["draft:paused", "draft:completed", "publish:completed"]);
    expect(logs.get(runId!)!.gapFree).toBe(true);
  });

  it("a cancel through one API server stops the run on whichever worker runs it", async () => {
    const [runId] = await startRuns(SLOW_FLOW(name("Cancelled")), 1);
    await waitUntil(async () => (await cluster.logs([runId!])).get(runId!)!.steps.length >= 1);
    await expect(api(1).runs.cancel.mutate({ runId: runId! })).resolves.toMatchObject({ status: "cancelled" });
    await new Promise((r) => setTimeout(r, 1500)); // longer than a step: a worker that kept going would have written
    const logs = await cluster.logs([runId!]);
    expect((await cluster.statuses([runId!])).get(runId!)).toBe("cancelled");
    expect(logs.get(runId!)!.steps.length).toBeLessThan(5);
    expect(logs.get(runId!)!.gapFree).toBe(true);
  });
  it("a run a hung model endpoint failed within its deadline continues on a worker through the API once the endpoint answers", async () => {
    const fake = await FakeOpenAI.start();
    try {
      // One worker that talks to this endpoint: the simulated-model workers stop first.
      for (const worker of [...cluster.workers]) await cluster.stop(worker);
      await cluster.startWorker({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "sk-worker-deadline-test", CREWFLOW_LLM_DEADLINE_MS: "2000" });
      fake.reply({ hang: true });
      const [runId] = await startRuns(hungModelFlow(name("Hung")), 1);
      await cluster.waitFor([runId!], ["completed", "failed", "cancelled"]);
      const failed = await api(0).runs.get.query({ runId: runId! });
      expect(failed.status).toBe("failed");
      expect(failed.error?.message).toContain("got no answer within its deadline of 2 s");
      // The run's log showed the wait while it lasted.
      const seen = await collect(api(1), runId!);
      expect(seen.events.filter((e) => e.type === "llm_waiting").length).toBeGreaterThanOrEqual(1);

      fake.reply({ content: "A short note." });
      const resumed = await fetch(`${cluster.apis[1]!.url}/api/runs/${runId}/resume`, { method: "POST" });
      expect(resumed.status).toBe(202);
      await cluster.waitFor([runId!], ["completed", "failed", "cancelled"]);
      expect(await api(0).runs.get.query({ runId: runId! })).toMatchObject({ status: "completed", output: { raw: "A short note." } });
      const log = (await cluster.logs([runId!])).get(runId!)!;
      // The step that had completed before the failure is not run again.
      expect(log.steps.filter((s) => s.endsWith(":completed"))).toEqual(["prepare:completed", "ask:completed"]);
      expect(log.gapFree).toBe(true);
    } finally {
      await fake.close();
      for (const worker of [...cluster.workers]) await cluster.stop(worker);
      await Promise.all([cluster.startWorker(), cluster.startWorker(), cluster.startWorker()]);
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 300_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
