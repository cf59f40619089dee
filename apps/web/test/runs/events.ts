// Event logs shaped as the server sends them (the runtime's FlowEvent), built step by step.
import type { RunEvent } from "../../src/runs/types";

type Body = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, "seq" | "at" | "runId" | "flowName"> : never) : never;

export class LogBuilder {
  readonly events: RunEvent[] = [];
  private execution = 0;
  constructor(readonly runId = "run-1") {}

  push(body: Body): RunEvent {
    const event = { ...body, seq: this.events.length + 1, at: new Date(Date.UTC(2026, 10, 24, 0, 0, this.events.length)).toISOString(), runId: this.runId, flowName: "Demo" } as RunEvent;
    this.events.push(event);
    return event;
  }

  flowStarted(inputs: Record<string, string> = {}): this {
    this.push({ type: "flow_started", inputs, stateId: "state-1" });
    return this;
  }

  /** Starts a method; answers its execution number. */
  start(method: string, triggeredBy: number | null = null, state: Record<string, unknown> = {}): number {
    const execution = ++this.execution;
    this.push({ type: "method_execution_started", method, execution, params: {}, state: state as never, triggeredBy });
    return execution;
  }

  finish(method: string, execution: number, output: string | null = null, label: string | null = null, state: Record<string, unknown> = {}): this {
    this.push({ type: "method_execution_finished", method, execution, result: output, output, label, state: state as never, durationMs: 12 });
    return this;
  }

  fail(method: string, execution: number, message: string): this {
    this.push({ type: "method_execution_failed", method, execution, error: { type: "ValueError", message }, durationMs: 3 });
    return this;
  }

  llm(method: string, execution: number, tokens: number, cost: number | null, response = "answer"): this {
    this.push({
      type: "llm_call",
      method,
      execution,
      call: {
        kind: "llm",
        request: { model: "gpt-4o-mini", messages: [{ role: "user", content: `ask ${method}` }], params: {} },
        response: { content: response, tool_calls: [], finish_reason: "stop", usage: { prompt_tokens: tokens - 2, completion_tokens: 2, total_tokens: tokens } },
        usage: { prompt_tokens: tokens - 2, completion_tokens: 2, total_tokens: tokens },
        cost_usd: cost,
        latency_ms: 40,
      },
    });
    return this;
  }

  token(method: string, execution: number, delta: string): this {
    this.push({ type: "llm_stream", method, execution, delta });
    return this;
  }

  finished(): this {
    this.push({ type: "flow_finished", result: null, state: {} });
    return this;
  }

  failed(message: string): this {
    this.push({ type: "flow_failed", error: { type: "ValueError", message } });
    return this;
  }
}

/**
 * begin → route (router: "followup" | "done") → write (on "followup") and audit (on begin, in
 * parallel with route) ; never_runs listens to "done".
 */
export const METHODS = ["begin", "route", "write", "audit", "never_runs"];

export function routedRun(): LogBuilder {
  const log = new LogBuilder();
  log.flowStarted({ topic: "ai" });
  const begin = log.start("begin");
  log.finish("begin", begin, "brief", null, { topic: "ai", brief: "brief" });
  const route = log.start("route", begin);
  const audit = log.start("audit", begin);
  log.llm("route", route, 30, 0.002).token("route", route, "follow").token("route", route, "up");
  log.finish("route", route, "followup", "followup", { topic: "ai", brief: "brief", route: "followup" });
  const write = log.start("write", route);
  log.finish("audit", audit, "ok", null, { topic: "ai", brief: "brief", route: "followup", audited: true });
  log.llm("write", write, 50, 0.003);
  log.finish("write", write, "article", null, { topic: "ai", brief: "brief", route: "followup", audited: true, article: "article" });
  return log.finished();
}
