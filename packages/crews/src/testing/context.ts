// An ActionContext for running crews outside a flow (tests, scripts): it keeps every recorded event.
import type { ActionContext, FlowEvent, FlowHandle, NewFlowEvent } from "@crewflow/runtime";

export interface RecordingContext extends ActionContext {
  /** The events recorded so far, numbered like a run log. */
  readonly events: FlowEvent[];
}

export function recordingContext(method = "method", options: { signal?: AbortSignal } = {}): RecordingContext {
  const events: FlowEvent[] = [];
  const flow: FlowHandle = { name: "test", state: { id: "state" }, outputs: {}, methodOutputs: [], lastHumanFeedback: null, humanFeedbackHistory: [] };
  return {
    flow,
    input: undefined,
    method,
    execution: 1,
    signal: options.signal ?? new AbortController().signal,
    events,
    celContext: () => ({ state: {}, outputs: {} }),
    record: (event: NewFlowEvent) => {
      events.push({ ...event, seq: events.length + 1, at: new Date(0).toISOString(), runId: "test-run", flowName: "test" } as FlowEvent);
    },
  };
}
