// `pnpm bench` (scale-out): runs/s with 1, 2 and 3 `crewflow worker` processes and the queue's
// enqueue→start latency (p50, p99: BullMQ's job timestamp → processedOn; under the rounds' backlog, and
// with idle workers), per backend. One API server
// process takes the runs over HTTP (tRPC); a run is a three-step expression flow (no model calls).
// RUNS (default 300) runs per round.
import { randomBytes } from "node:crypto";
import { openQueue, resolveQueueSettings } from "@crewflow/executor-bullmq";
import { type Backend, Cluster, QUICK_FLOW } from "../test/support/cluster";
import { type Service, startPostgres, startRedis } from "../test/support/services";

const RUNS = Number(process.env.RUNS ?? 300);
const IN_FLIGHT = 50;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function round(cluster: Cluster, backend: Backend, workers: number, redisUrl: string, databaseUrl: string): Promise<string> {
  while (cluster.workers.length < workers) await cluster.startWorker();
  const client = cluster.apis[0]!.client;
  const { flow } = await client.flows.create.mutate({ text: QUICK_FLOW(`Bench-${backend}-${workers}-${randomBytes(3).toString("hex")}`) });
  const ids: string[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < RUNS) {
        next++;
        ids.push((await client.runs.start.mutate({ flowId: flow.id })).runId);
      }
    }),
  );
  const submitted = performance.now();
  await cluster.waitFor(ids, ["completed"], 600_000);
  const elapsed = (performance.now() - started) / 1000;
  const queue = openQueue(resolveQueueSettings({ databaseUrl, backend, redisUrl, queue: cluster.queue }));
  const jobs = await queue.getJobs(["completed"], 0, RUNS * 2);
  const waits = jobs.filter((j) => ids.includes(j.data.runId) && j.processedOn).map((j) => j.processedOn! - j.timestamp).sort((a, b) => a - b);
  await queue.close();
  return `${backend}: ${workers} worker(s): ${RUNS} runs in ${elapsed.toFixed(2)} s = ${(RUNS / elapsed).toFixed(1)} runs/s (submitted in ${((submitted - started) / 1000).toFixed(2)} s); enqueue→start p50 ${quantile(waits, 0.5)} ms, p99 ${quantile(waits, 0.99)} ms (${waits.length} jobs)`;
}

/** Pick-up latency without a backlog: runs submitted one at a time to idle workers. */
async function idleLatency(cluster: Cluster, backend: Backend, redisUrl: string, databaseUrl: string, count = 40): Promise<string> {
  const client = cluster.apis[0]!.client;
  const { flow } = await client.flows.create.mutate({ text: QUICK_FLOW(`Idle-${backend}-${randomBytes(3).toString("hex")}`) });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { runId } = await client.runs.start.mutate({ flowId: flow.id });
    ids.push(runId);
    await cluster.waitFor([runId], ["completed"], 60_000);
  }
  const queue = openQueue(resolveQueueSettings({ databaseUrl, backend, redisUrl, queue: cluster.queue }));
  const jobs = await queue.getJobs(["completed"], 0, 5000);
  const waits = jobs.filter((j) => ids.includes(j.data.runId) && j.processedOn).map((j) => j.processedOn! - j.timestamp).sort((a, b) => a - b);
  await queue.close();
  return `${backend}: idle workers, one run at a time: enqueue→start p50 ${quantile(waits, 0.5)} ms, p99 ${quantile(waits, 0.99)} ms (${waits.length} jobs)`;
}

for (const backend of ["postgres", "redis"] as Backend[]) {
  let postgres: Service | null = null;
  let redis: Service | null = null;
  let cluster: Cluster | null = null;
  try {
    [postgres, redis] = await Promise.all([startPostgres(), backend === "redis" ? startRedis() : Promise.resolve(null)]);
    const redisUrl = redis?.url ?? "redis://127.0.0.1:1";
    cluster = new Cluster(backend, postgres.url, redisUrl, `crewflow-bench-${randomBytes(3).toString("hex")}`);
    await cluster.startApi();
    for (const workers of [1, 2, 3]) console.log(await round(cluster, backend, workers, redisUrl, postgres.url));
    console.log(await idleLatency(cluster, backend, redisUrl, postgres.url));
  } finally {
    await cluster?.close();
    await Promise.all([postgres?.stop(), redis?.stop()]);
  }
}
