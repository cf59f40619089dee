// A crew runner whose calls stop when a job's signal aborts: the host (an API server's executor or a
// worker's segment) cancels a run, the call in flight sees the aborted signal (an LLM request is
// dropped) and the engine gets the runtime's Cancelled at once, so the run ends as cancelled.
import { Cancelled } from "../engine/errors";
import type { ActionContext, CrewRunner } from "./types";

/** A view of the action context whose signal also aborts when `signal` does. */
function withSignal(ctx: ActionContext, signal: AbortSignal): ActionContext {
  const view = Object.create(ctx) as ActionContext;
  Object.defineProperty(view, "signal", { value: AbortSignal.any([ctx.signal, signal]) });
  return view;
}

/** Rejects with Cancelled as soon as `signal` aborts; otherwise settles like `work`. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (err: unknown) => (signal.removeEventListener("abort", onAbort), reject(err)),
    );
  });
}

/** `runner`, with crew and agent calls that stop when `signal` aborts. */
export function cancellableCrewRunner(runner: CrewRunner, signal: AbortSignal): CrewRunner {
  return {
    runCrew: (request, ctx) => raceAbort(runner.runCrew(request, withSignal(ctx, signal)), signal),
    runAgent: (request, ctx) => raceAbort(runner.runAgent(request, withSignal(ctx, signal)), signal),
  };
}
