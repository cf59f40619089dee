// Conformance cases A (execution model): conformance-cases.md §A.
import { describe, expect, it } from "vitest";
import { and_, defineFlow, or_ } from "../../src";
import { create, eventTypes, eventsOf, finishedOf, load, loadErrors, order, sleep, startedOf, UUID } from "./helpers";

describe("A. execution model", () => {
  it("case 1: linear chain, payload passing, events", async () => {
    const flow = await defineFlow("Chain")
      .start("begin", (f) => {
        f.state.begin_ran = true;
        return "hello";
      })
      .listen("shout", "begin", (_f, r) => String(r).toUpperCase())
      .listen("confirm", "shout", (f) => {
        f.state.confirmed = true;
        return "confirmed";
      })
      .create();
    const result = await flow.kickoff();
    expect(result).toBe("confirmed");
    expect(order(flow)).toEqual(["begin", "shout", "confirm"]);
    expect(flow.methodOutputs).toEqual(["hello", "HELLO", "confirmed"]);
    expect(flow.state).toEqual({ id: expect.stringMatching(UUID), begin_ran: true, confirmed: true });
    expect(eventTypes(flow)).toEqual([
      "flow_started",
      "method_execution_started(begin)",
      "method_execution_finished(begin)",
      "method_execution_started(shout)",
      "method_execution_finished(shout)",
      "method_execution_started(confirm)",
      "method_execution_finished(confirm)",
      "flow_finished",
    ]);
    expect(eventsOf(flow, "flow_started")[0]!.inputs).toBeNull();
    expect(startedOf(flow, "begin")[0]!.params).toEqual({});
    expect(finishedOf(flow, "begin")[0]!.result).toBe("hello");
    expect(startedOf(flow, "shout")[0]!.params).toEqual({ _0: "hello" });
    expect(finishedOf(flow, "shout")[0]!.result).toBe("HELLO");
    expect(startedOf(flow, "confirm")[0]!.params).toEqual({});
    expect(finishedOf(flow, "confirm")[0]!.result).toBe("confirmed");
    expect(eventsOf(flow, "flow_finished")[0]!.result).toBe("confirmed");
  });

  it("case 2: declarative expression chain", async () => {
    const flow = await create(
      `
schema: crewai.flow/v1
name: ExprChain
state: {type: dict, default: {topic: ai}}
methods:
  seed:  {start: true, do: {call: expression, expr: "state.topic + ' agents'"}}
  shout: {listen: seed, do: {call: expression, expr: "outputs.seed + '!'"}}
`,
      {},
    );
    expect(await flow.kickoff({ inputs: { topic: "crew" } })).toBe("crew agents!");
    expect(flow.methodOutputs).toEqual(["crew agents", "crew agents!"]);
    expect(flow.state).toEqual({ id: expect.stringMatching(UUID), topic: "crew" });
    expect(eventsOf(flow, "flow_started")[0]!.inputs).toEqual({ topic: "crew" });
  });

  it("case 4: only conditional starts: they run at kickoff; loop via label", async () => {
    const log: string[] = [];
    let i = 0;
    const flow = await defineFlow("Cyc")
      .method("s1", { start: "loop" }, () => void log.push(`s1_${i}`))
      .listen("s2", "s1", () => void log.push(`s2_${i}`))
      .router("s3", "s2", () => {
        log.push(`s3_${i}`);
        i += 1;
        return i < 3 ? "loop" : "exit";
      })
      .create();
    expect(await flow.kickoff()).toBe("exit");
    expect(log).toEqual(["s1_0", "s2_0", "s3_0", "s1_1", "s2_1", "s3_1", "s1_2", "s2_2", "s3_2"]);
  });

  it("case 5: conditional start fired by a router label", async () => {
    const flow = await defineFlow("S")
      .start("begin", () => "begin")
      .router("route", "begin", () => "branch_event")
      .method("branch", { start: "branch_event" }, () => "branch")
      .listen("done", "branch", () => "done")
      .create();
    expect(await flow.kickoff()).toBe("done");
    expect(order(flow)).toEqual(["begin", "route", "branch", "done"]);
  });

  it("case 6: conditional start gated on a method name never fires (docs disagree)", async () => {
    const flow = await defineFlow("G")
      .start("begin", () => "b")
      .listen("work", "begin", () => "w")
      .method("late", { start: "work" }, () => "late")
      .create();
    expect(await flow.kickoff()).toBe("w");
    expect(order(flow)).toEqual(["begin", "work"]);
  });

  it("case 7: router exclusivity", async () => {
    const flow = await defineFlow("R", { state: { type: "dict", default: { condition: "take_event_b" } } })
      .start("begin", () => null)
      .router("decide", "begin", (f) =>
        f.state.condition === "take_event_a" ? "event_a" : f.state.condition === "take_event_b" ? "event_b" : "event_c",
      )
      .listen("ha", "event_a", () => "a")
      .listen("hb", "event_b", () => "b")
      .listen("hc", "event_c", () => "c")
      .create();
    expect(await flow.kickoff()).toBe("b");
    expect(order(flow)).toEqual(["begin", "decide", "hb"]);
    expect(flow.outputsByMethod.decide).toBe("event_b");
  });

  it("case 8: router returning null still triggers listeners of its method name", async () => {
    const received: unknown[] = [];
    const flow = await defineFlow("N")
      .start("begin", () => "x")
      .router("r", "begin", () => null)
      .listen("after", "r", (_f, v) => {
        received.push(v);
        return v === null ? "after:null" : "after:other";
      })
      .listen("never", "None", () => "never")
      .create();
    expect(await flow.kickoff()).toBe("after:null");
    expect(order(flow)).toEqual(["begin", "r", "after"]);
    expect(received).toEqual([null]);
    expect(flow.methodOutputs).toEqual(["x", null, "after:null"]);
  });

  it("case 9: falsy and enum router results", async () => {
    const f0 = await defineFlow("F0")
      .start("begin", () => null)
      .router("decide", "begin", () => 0)
      .listen("zero", "0", () => "zero")
      .create();
    expect(await f0.kickoff()).toBe("zero");
    expect(order(f0)).toEqual(["begin", "decide", "zero"]);

    // A TypeScript string enum member *is* its value, so it routes like Python's `Enum.value` (docs/compat.md).
    enum Decision {
      APPROVE = "approve",
    }
    const fe = await defineFlow("FE")
      .start("begin", () => null)
      .router("decide", "begin", () => Decision.APPROVE)
      .listen("ok", "approve", () => "ok")
      .create();
    expect(await fe.kickoff()).toBe("ok");
    expect(order(fe)).toEqual(["begin", "decide", "ok"]);
  });

  it("case 10: start method that is also a router", async () => {
    const log: string[] = [];
    const flow = await defineFlow("SR")
      .method("decide", { start: true, router: true, emit: ["continue"] }, () => {
        log.push("decide");
        return "continue";
      })
      .listen("handle", "continue", (_f, res) => {
        log.push(`handle:${String(res)}`);
        return "done";
      })
      .create();
    expect(await flow.kickoff()).toBe("done");
    expect(log).toEqual(["decide", "handle:continue"]);
  });

  it("case 12: several routers on one method: sequential, definition order, labels dispatched afterwards", async () => {
    const flow = await defineFlow("Med")
      .start("scan", () => "scan_complete")
      .router("diagnose", "scan", () => "diagnosis_complete")
      .router("r_d", "diagnose", () => "diabetes")
      .listen("a_d", "diabetes", () => "d")
      .router("r_h", "diagnose", () => "hypertension")
      .listen("a_h", "hypertension", () => "h")
      .router("r_a", "diagnose", () => "anemia")
      .listen("a_a", "anemia", () => "a")
      .create();
    expect(await flow.kickoff()).toBe("a");
    expect(order(flow)).toEqual(["scan", "diagnose", "r_d", "r_h", "r_a", "a_d", "a_h", "a_a"]);
  });

  it("case 13: routers of an event run before its plain listeners; label listeners run last", async () => {
    const flow = await defineFlow("Ord")
      .start("A", () => "a")
      .router("R", "A", () => "go")
      .listen("P", "A", () => "p")
      .listen("G", "go", () => "g")
      .create();
    expect(await flow.kickoff()).toBe("g");
    expect(order(flow)).toEqual(["A", "R", "P", "G"]);
  });

  it("case 14: and_ over two starts fires once, after both", async () => {
    const flow = await defineFlow("And")
      .start("s1", async () => {
        await sleep(10);
        return "1";
      })
      .start("s2", () => "2")
      .listen("s3", and_("s1", "s2"), () => "joined")
      .create();
    expect(await flow.kickoff()).toBe("joined");
    const seq = order(flow);
    expect(seq.filter((m) => m === "s3")).toHaveLength(1);
    expect(seq.indexOf("s3")).toBeGreaterThan(seq.indexOf("s1"));
    expect(eventTypes(flow).indexOf("method_execution_started(s3)")).toBeGreaterThan(
      Math.max(eventTypes(flow).indexOf("method_execution_finished(s1)"), eventTypes(flow).indexOf("method_execution_finished(s2)")),
    );
  });

  it("case 16: or_ over parallel starts fires exactly once", async () => {
    let count = 0;
    const flow = await defineFlow("POr")
      .start("fast", async () => "fast")
      .start("slow", async () => {
        await sleep(30);
        return "slow";
      })
      .listen("handler", or_("fast", "slow"), () => {
        count += 1;
      })
      .create();
    await flow.kickoff();
    expect(count).toBe(1);
  });

  it("case 17: or_ re-arms on each router emission of a loop", async () => {
    let count = 0;
    let i = 0;
    const flow = await defineFlow("COr")
      .start("kick", () => "kick")
      .router("initial", "kick", () => "SignalA")
      .listen("handler", or_("SignalA", "SignalB"), () => {
        count += 1;
      })
      .router("loop", "handler", () => {
        i += 1;
        return i >= 3 ? "stop" : "SignalB";
      })
      .create();
    expect(await flow.kickoff()).toBe("stop");
    expect(count).toBe(3);
  });

  it("case 18: or_ does not double-fire within one wave of chained routers", async () => {
    let count = 0;
    const flow = await defineFlow("ChOr")
      .start("kick", () => "kick")
      .router("ra", "kick", () => "SignalA")
      .router("rb", "SignalA", () => "SignalB")
      .listen("handler", or_("SignalA", "SignalB"), () => {
        count += 1;
      })
      .create();
    await flow.kickoff();
    expect(count).toBe(1);
  });

  it("case 20: nested conditions are not flattened", async () => {
    const nest1 = await defineFlow("Nest1")
      .start("event_a", () => "a")
      .listen("event_b", "event_a", () => "b")
      .router("emit_c", "event_b", () => "event_c")
      .listen("event_d", and_("event_a", "event_b", or_("event_c")), () => "done")
      .create();
    expect(await nest1.kickoff()).toBe("done");

    const nest2 = await defineFlow("Nest2")
      .start("go", () => "go")
      .listen("a", "go", async () => {
        await sleep(5);
        return "a";
      })
      .listen("b", "go", async () => {
        await sleep(20);
        return "b";
      })
      .listen("done", or_(and_("a", "b"), "fallback"), () => "done")
      .create();
    expect(await nest2.kickoff()).toBe("done");
    const types = eventTypes(nest2);
    expect(order(nest2).filter((m) => m === "done")).toHaveLength(1);
    expect(types.indexOf("method_execution_started(done)")).toBeGreaterThan(types.indexOf("method_execution_finished(a)"));
    expect(types.indexOf("method_execution_started(done)")).toBeGreaterThan(types.indexOf("method_execution_finished(b)"));
  });

  it("case 21: an OR branch firing clears half-done AND progress", async () => {
    const fired: string[] = [];
    const flow = await defineFlow("Stale")
      .start("begin", () => "begin")
      .listen("a", "begin", () => "a")
      .listen("c", "begin", () => "c")
      .listen("x", and_("a", "c"), () => "x")
      .listen("joined", or_(and_("a", "x"), and_("c", "y")), () => void fired.push("joined"))
      .router("emit_y", "joined", () => "y")
      .create();
    await flow.kickoff();
    expect(fired).toEqual(["joined"]);
  });

  const LOOP_YAML = `
schema: crewai.flow/v1
name: LoopFlow
methods:
  step:   {start: retry, do: {ref: "conformance:inc_count"}}
  decide: {listen: step, router: true, do: {ref: "conformance:retry_until_3"}}
  finish: {listen: done, do: {ref: "conformance:finish"}}
`;
  const loopHandlers = {
    inc_count: (flow: { state: Record<string, unknown> }) => {
      flow.state.count = ((flow.state.count as number | undefined) ?? 0) + 1;
      return flow.state.count;
    },
    retry_until_3: (flow: { state: Record<string, unknown> }) => ((flow.state.count as number) < 3 ? "retry" : "done"),
    finish: (flow: { state: Record<string, unknown> }) => `finished:${String(flow.state.count)}`,
  };

  it("case 23: loop with router and exit condition (declarative, code handlers)", async () => {
    const flow = await create(LOOP_YAML, loopHandlers);
    expect(await flow.kickoff()).toBe("finished:3");
    expect(order(flow)).toEqual(["step", "decide", "step", "decide", "step", "decide", "finish"]);
    expect(flow.state.count).toBe(3);
    expect(flow.methodOutputs).toEqual([1, "retry", 2, "retry", 3, "done", "finished:3"]);
  });

  it("case 25: max_method_calls guards loops (starts are not counted)", async () => {
    const flow = await create(`${LOOP_YAML}config: {max_method_calls: 2}\n`, loopHandlers);
    const error = await flow.kickoff().then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe("RecursionError");
    expect(error?.message).toContain("Method 'decide' has been called 2 times");
    expect(order(flow).filter((m) => m === "step")).toHaveLength(3);
    expect(order(flow).filter((m) => m === "decide")).toHaveLength(2);
    const types = eventTypes(flow);
    expect(types).not.toContain("flow_finished");
    expect(types).toContain("flow_failed");
  });

  it("case 26: self-listening is rejected when the definition is built", () => {
    const doc = (method: string) => `schema: crewai.flow/v1\nname: Self\nmethods:\n  other: {start: true, do: {call: expression, expr: "'o'"}}\n  ${method}\n`;
    const cases: [string, string][] = [
      ["process: {listen: process, do: {call: expression, expr: \"'p'\"}}", "process"],
      ["process: {listen: {or: [other, process]}, do: {call: expression, expr: \"'p'\"}}", "process"],
      ["route: {listen: route, router: true, emit: [done], do: {call: expression, expr: \"'done'\"}}", "route"],
    ];
    // Control: a listener on another method's name loads.
    expect(load(doc("process: {listen: other, do: {call: expression, expr: \"'p'\"}}")).name).toBe("Self");
    for (const [method, name] of cases) {
      const errors = loadErrors(doc(method)).join("\n");
      expect(errors).toContain("listen condition");
      expect(errors).toContain(`references the handler name '${name}'`);
    }
    // The authoring API (CrewAI's Python DSL) wraps the error with the flow's name.
    expect(() => defineFlow("SelfFlow").listen("process", "process", () => "p").definition()).toThrow(
      /^Invalid flow definition for SelfFlow: .*listen condition .*references the handler name 'process'/,
    );
    expect(() => defineFlow("SelfFlow").router("route", "route", () => "done", { emit: ["done"] }).definition()).toThrow(
      /references the handler name 'route'/,
    );
  });

  it("case 27: exception in a start method", async () => {
    const log: string[] = [];
    const failure = Object.assign(new Error("An error occurred in step_1"), { name: "ValueError" });
    const flow = await defineFlow("E")
      .start("step_1", () => {
        log.push("step_1");
        throw failure;
      })
      .listen("step_2", "step_1", () => void log.push("step_2"))
      .create();
    await expect(flow.kickoff()).rejects.toBe(failure);
    expect(log).toEqual(["step_1"]);
    expect(eventTypes(flow)).toEqual(["flow_started", "method_execution_started(step_1)", "method_execution_failed(step_1)", "flow_failed"]);
    expect(eventsOf(flow, "method_execution_failed")[0]!.error.message).toBe("An error occurred in step_1");
    expect(flow.outputsByMethod).not.toHaveProperty("step_1");
    expect(flow.methodOutputs).toEqual([]);
  });

  it("case 28: kickoff twice on the same instance", async () => {
    const log: string[] = [];
    const flow = await defineFlow("Re")
      .start("s1", (f) => {
        log.push("s1");
        f.state.n = ((f.state.n as number | undefined) ?? 0) + 1;
      })
      .listen("s2", "s1", () => void log.push("s2"))
      .create();
    await flow.kickoff();
    const id = flow.state.id;
    await flow.kickoff();
    expect(log).toEqual(["s1", "s2", "s1", "s2"]);
    expect(flow.state.n).toBe(2);
    expect(flow.state.id).toBe(id);
  });

  it("case 30: racing siblings feeding one or_ listener (first wins, loser cancelled)", async () => {
    let eitherRuns = 0;
    const flow = await defineFlow("Race")
      .start("begin", () => "go")
      .listen("a", "begin", async () => {
        await sleep(40);
        return "a";
      })
      .listen("b", "begin", async () => "b")
      .listen("either", or_("a", "b"), () => {
        eitherRuns += 1;
        return "E";
      })
      .create();
    expect(await flow.kickoff()).toBe("E");
    expect(eitherRuns).toBe(1);
    expect(flow.methodOutputs).toEqual(["go", "b", "E"]);
    await sleep(60); // let the loser's body finish: it must still record nothing
    expect(flow.methodOutputs).toEqual(["go", "b", "E"]);
    expect(startedOf(flow, "a")).toHaveLength(1);
    expect(finishedOf(flow, "a")).toHaveLength(0);
  });
});
