import { afterEach, describe, expect, it } from "vitest";
import { foldEvents, isEdgeTraversed, llmCallsOf, stepsOf, timelineBars, totalsOf } from "../../src/runs/derive";
import { receiveEvents, receiveLive, resetRuns, runIdFromUrl, selectStep, showEvents, useRuns } from "../../src/runs/store";
import { LogBuilder, METHODS, routedRun } from "./events";

afterEach(() => resetRuns());

const status = (method: string) => useRuns.getState().fold.statuses.get(method);
const traversed = (source: string, target: string, label?: string) => isEdgeTraversed(useRuns.getState().fold, source, target, label);

describe("run store: the event stream drives node statuses and edges", () => {
  it("a finished run: every method that ran is done, the rest skipped, and only the routes taken are traversed", () => {
    showEvents("run-1", METHODS, routedRun().events);
    expect(METHODS.map(status)).toEqual(["done", "done", "done", "done", "skipped"]);
    expect(traversed("begin", "route")).toBe(true);
    expect(traversed("begin", "audit")).toBe(true);
    expect(traversed("route", "write", "followup")).toBe(true);
    expect(traversed("route", "write", "done")).toBe(false);
    expect(traversed("route", "never_runs", "done")).toBe(false);
    expect(traversed("write", "begin")).toBe(false);
  });

  it("live: batches arrive in order, a method is running until its end event, and a repeated batch changes nothing", () => {
    const events = routedRun().events;
    showEvents("run-1", METHODS, events.slice(0, 5));
    expect(status("begin")).toBe("done");
    expect(status("route")).toBe("running");
    expect(status("audit")).toBe("running");
    expect(status("write")).toBeUndefined();
    // Nothing is skipped while the run goes on.
    expect(status("never_runs")).toBeUndefined();
    expect(useRuns.getState().steps.map((s) => s.method)).toEqual(["begin"]);

    receiveEvents(events.slice(3, 10)); // overlaps what arrived (a reconnect): deduplicated by seq
    expect(useRuns.getState().events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(status("route")).toBe("done");
    expect(status("write")).toBe("running");
    expect(traversed("route", "write", "followup")).toBe(true);

    receiveEvents(events.slice(10));
    expect(status("write")).toBe("done");
    expect(status("never_runs")).toBe("skipped");
  });

  it("streams LLM tokens into the running method and starts afresh on its next execution", () => {
    const events = routedRun().events;
    showEvents("run-1", METHODS, events.slice(0, 8));
    expect(useRuns.getState().streams.route).toBe("followup");
    const loop = new LogBuilder();
    loop.flowStarted();
    const first = loop.start("ask");
    loop.token("ask", first, "a").token("ask", first, "b").finish("ask", first, "ab");
    const second = loop.start("ask", first);
    loop.token("ask", second, "c");
    showEvents("run-2", ["ask"], loop.events);
    expect(useRuns.getState().streams.ask).toBe("c");
  });

  it("the live channel shows a method running and its tokens before the log commits them, without doubling them after", () => {
    const events = routedRun().events;
    showEvents("run-1", METHODS, events.slice(0, 3)); // begin done; route's start not committed yet
    expect(status("route")).toBeUndefined();
    receiveLive([
      { type: "started", seq: 4, method: "route", execution: 2 },
      { type: "token", seq: 7, method: "route", execution: 2, delta: "follow" },
    ]);
    expect(status("route")).toBe("running");
    expect(useRuns.getState().streams.route).toBe("follow");
    receiveLive([{ type: "token", seq: 8, method: "route", execution: 2, delta: "up" }]);
    receiveEvents(events.slice(3, 8)); // the committed batch repeats the start and both tokens
    expect(useRuns.getState().streams.route).toBe("followup");
    expect(useRuns.getState().liveStarts).toEqual({});
    expect(status("route")).toBe("running");
    receiveEvents(events.slice(8));
    expect(status("route")).toBe("done");
  });

  it("a model call that keeps the method waiting shows as a wait on the running node until tokens arrive", () => {
    const events = routedRun().events;
    showEvents("run-1", METHODS, events.slice(0, 3));
    receiveLive([
      { type: "started", seq: 4, method: "route", execution: 2 },
      { type: "waiting", seq: 5, method: "route", execution: 2, seconds: 5 },
    ]);
    expect(status("route")).toBe("running");
    expect(useRuns.getState().waits.route).toBe(5);
    receiveLive([{ type: "waiting", seq: 6, method: "route", execution: 2, seconds: 30 }]);
    expect(useRuns.getState().waits.route).toBe(30);
    receiveLive([{ type: "token", seq: 7, method: "route", execution: 2, delta: "follow" }]);
    expect(useRuns.getState().waits.route).toBeUndefined();
    expect(useRuns.getState().streams.route).toBe("follow");
  });

  it("the step slider scrubs the canvas: statuses and edges as they were after that step", () => {
    showEvents("run-1", METHODS, routedRun().events);
    expect(useRuns.getState().steps.map((s) => `${s.number} ${s.method}`)).toEqual(["1 begin", "2 route", "3 audit", "4 write"]);

    selectStep(2);
    expect(useRuns.getState().cursor).toBe(2);
    expect(METHODS.map(status)).toEqual(["done", "done", undefined, "running", undefined]);
    expect(traversed("begin", "audit")).toBe(true);
    expect(traversed("route", "write", "followup")).toBe(false);

    selectStep(1);
    expect(METHODS.map(status)).toEqual(["done", undefined, undefined, undefined, undefined]);
    expect(traversed("begin", "route")).toBe(false);

    selectStep(99); // clamped to the last step
    expect(useRuns.getState().cursor).toBe(4);
    expect(status("write")).toBe("done");

    selectStep(null); // back to following the run
    expect(status("never_runs")).toBe("skipped");
  });

  it("a failed method fails its node; the run's unreached methods are skipped", () => {
    const log = new LogBuilder();
    log.flowStarted();
    const begin = log.start("begin");
    log.finish("begin", begin, "x");
    const route = log.start("route", begin);
    log.fail("route", route, "the model refused");
    log.failed("the model refused");
    showEvents("run-3", METHODS, log.events);
    expect(METHODS.map(status)).toEqual(["done", "failed", "skipped", "skipped", "skipped"]);
    expect(useRuns.getState().fold.error).toEqual({ type: "ValueError", message: "the model refused" });
    expect(stepsOf(log.events).map((s) => [s.status, s.error?.message ?? null])).toEqual([
      ["completed", null],
      ["failed", "the model refused"],
    ]);
  });

  it("join and label nodes: an edge into one counts once its source fired, an edge out of one once its target ran", () => {
    const fold = foldEvents(routedRun().events, METHODS);
    expect(isEdgeTraversed(fold, "route", "join:write:listen:0", "followup")).toBe(true);
    expect(isEdgeTraversed(fold, "route", "join:write:listen:0", "done")).toBe(false);
    expect(isEdgeTraversed(fold, "join:write:listen:0", "write")).toBe(true);
    expect(isEdgeTraversed(fold, "join:x", "never_runs")).toBe(false);
  });
});

describe("timeline, LLM calls and totals", () => {
  it("parallel branches get their own lanes; a loop's iterations are numbered", () => {
    const { bars, lanes } = timelineBars(foldEvents(routedRun().events, METHODS), 14);
    expect(lanes).toBe(2);
    const lane = Object.fromEntries(bars.map((b) => [b.method, b.lane]));
    expect(lane.route).not.toBe(lane.audit);
    expect(bars.every((b) => !b.repeated)).toBe(true);

    const loop = new LogBuilder();
    loop.flowStarted();
    let cause: number | null = null;
    for (let i = 0; i < 3; i++) {
      const ex = loop.start("ask", cause);
      loop.finish("ask", ex, String(i));
      cause = ex;
    }
    const looped = timelineBars(foldEvents(loop.events, ["ask"]), loop.events.length);
    expect(looped.lanes).toBe(1);
    expect(looped.bars.map((b) => [b.iteration, b.repeated])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
  });

  it("LLM calls carry messages, response, tokens, latency and cost; totals add them up", () => {
    const calls = llmCallsOf(routedRun().events);
    expect(calls.map((c) => [c.method, c.tokens.total, c.costUsd, c.latencyMs, c.response])).toEqual([
      ["route", 30, 0.002, 40, "answer"],
      ["write", 50, 0.003, 40, "answer"],
    ]);
    expect(calls[0]!.messages).toEqual([{ role: "user", content: "ask route" }]);
    const totals = totalsOf(calls);
    expect(totals.tokens).toBe(80);
    expect(totals.costUsd).toBeCloseTo(0.005, 10);
    expect(totalsOf([]).costUsd).toBeNull();
  });

  it("reads the run id from /flows/:id/runs/:runId", () => {
    expect(runIdFromUrl("/flows/f1/runs/0193-abc")).toBe("0193-abc");
    expect(runIdFromUrl("/flows/f1")).toBeNull();
    expect(runIdFromUrl("/flows/f1/runs/")).toBeNull();
  });
});
