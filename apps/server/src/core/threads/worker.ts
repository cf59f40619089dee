// The body of a run thread: it opens its own connection to the store and executes the jobs the API
// thread sends (@crewflow/host's runFlow / replayRun), several at a time, reporting each run's events as they happen.
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { ReplayChatModel, type LlmCallRecord } from "@crewflow/crews";
import { type HostOptions, replayRun, runFlow } from "@crewflow/host";
import { type JsonValue, cancellableCrewRunner, errorInfo } from "@crewflow/runtime";
import { PrismaRunStore } from "@crewflow/store-prisma";
import { serverCrewRunner, serverFlowOptions, workspaceSourcePath } from "../run-options";
import type { FromThread, ThreadJob, ThreadResult, ThreadSettings, ToThread } from "./protocol";

const settings = workerData as ThreadSettings;
const port = parentPort!;
const send = (message: FromThread) => port.postMessage(message);
const opened = PrismaRunStore.open(settings.store);
opened.catch(() => undefined); // reported to each job
const stops = new Map<number, AbortController>();

const isLlmRecord = (call: JsonValue): call is JsonValue & LlmCallRecord =>
  typeof call === "object" && call !== null && !Array.isArray(call) && call.kind === "llm";

port.on("message", (message: ToThread) => {
  // The host ends a run stopped for a shutdown as interrupted (resumed at restart), else as cancelled.
  if (message.type === "stop") stops.get(message.id)?.abort(message.reason === "shutdown" ? "interrupted" : "cancelled");
  else void execute(message.id, message.job);
});

function hostOptions(id: number, job: ThreadJob, signal: AbortSignal): HostOptions {
  const { policy } = settings;
  return {
    definition: job.definition,
    text: job.text,
    sourcePath: workspaceSourcePath(policy),
    flowOptions: {
      ...serverFlowOptions(policy, job.definition),
      crews: cancellableCrewRunner(serverCrewRunner(policy, job.definition), signal),
      onEvent: (event) => {
        if (event.type === "method_execution_started" || event.type === "llm_stream" || event.type === "llm_waiting") send({ type: "live", id, event });
      },
    },
    onRunCreated: (runId) => send({ type: "created", id, runId }),
    onCommitted: (events) => send({ type: "committed", id, events }),
    // A stopped job: the host stops the run and writes how it ended.
    signal,
    holder: settings.holder,
    leaseTtlMs: settings.leaseTtlMs,
  };
}

async function execute(id: number, job: ThreadJob): Promise<void> {
  const controller = new AbortController();
  stops.set(id, controller);
  const { signal } = controller;
  let result: ThreadResult;
  try {
    const store = await opened;
    const host = hostOptions(id, job, signal);
    if (job.order.kind === "run") {
      const ran = await runFlow(store, host, job.order.request);
      result = { status: ran.status, runId: ran.runId, recorded: ran.flow !== null, error: ran.status === "failed" ? errorInfo(ran.error) : null, replay: null };
    } else {
      const report = await replayRun(store, job.order.of, {
        definition: { text: job.text, sourcePath: host.sourcePath },
        ...(host.flowOptions ? { flowOptions: host.flowOptions } : {}),
        replayModel: (calls) => cancellableCrewRunner(serverCrewRunner(settings.policy, job.definition, new ReplayChatModel(calls.filter(isLlmRecord))), signal),
        ...(host.onRunCreated ? { onRunCreated: host.onRunCreated } : {}),
        ...(host.onCommitted ? { onCommitted: host.onCommitted } : {}),
        signal,
      });
      const ran = report.result;
      result = {
        status: ran.status,
        runId: ran.runId,
        recorded: ran.flow !== null,
        error: ran.status === "failed" ? errorInfo(ran.error) : null,
        replay: {
          of: report.of,
          identical: report.identical,
          sameVersion: report.sameVersion,
          stepsMatch: report.stepsMatch,
          stateMatch: report.stateMatch,
          recordedCalls: report.recordedCalls,
          replayedCalls: report.replayedCalls,
          liveCalls: report.liveCalls,
          firstStepDifference: report.firstStepDifference,
        },
      };
    }
  } catch (err) {
    result = { status: "failed", runId: "", recorded: false, error: errorInfo(err), replay: null };
  } finally {
    stops.delete(id);
  }
  // The heap V8 holds from the system now: the pool replaces an idle thread that a heavy run left large.
  send({ type: "done", id, result, heapMb: Math.round(getHeapStatistics().total_physical_size / 1048576) });
}
