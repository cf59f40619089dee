// A run's event stream as a test reads it (events.run over SSE). It imports types only, so suites
// outside this package (tests/scaleout) use it without loading the server.
import type { FlowEvent } from "@crewflow/runtime";
import type { TRPCClient } from "@trpc/client";
import type { AppRouter } from "../../src/app";

export interface Collected {
  events: FlowEvent[];
  /** The id of each message (the seq of its last event). */
  ids: string[];
  error: unknown;
  /** The server ended the stream (not our own unsubscribe after `stopAfter` or the timeout). */
  completed: boolean;
}

/**
 * Subscribes to a run's events until the subscription completes (the run's job ended), `stopAfter`
 * events arrived (then unsubscribes after that message, like a dropped client), or `timeoutMs` passed.
 */
export function collect(
  client: TRPCClient<AppRouter>,
  runId: string,
  options: { lastEventId?: string; stopAfter?: number; timeoutMs?: number; onEvents?: (events: readonly FlowEvent[]) => void } = {},
): Promise<Collected> {
  return new Promise((resolve) => {
    const out: Collected = { events: [], ids: [], error: null, completed: false };
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(out);
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 300_000);
    const subscription = client.events.run.subscribe(
      { runId, ...(options.lastEventId ? { lastEventId: options.lastEventId } : {}) },
      {
        onData(message) {
          // A message is a batch of events; its id is the seq of its last event.
          out.events.push(...message.data.events);
          out.ids.push(message.id);
          options.onEvents?.(message.data.events);
          if (options.stopAfter !== undefined && out.events.length >= options.stopAfter) finish();
        },
        onError(err) {
          out.error = err;
          finish();
        },
        onComplete() {
          if (finished) return; // our own unsubscribe, not the server ending the stream
          out.completed = true;
          finish();
        },
      },
    );
  });
}
