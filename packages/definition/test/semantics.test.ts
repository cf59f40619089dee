// diagnose(): one describe per warning code, checking the exact path each warning points at.
import { describe, expect, it } from "vitest";
import { type Diagnostic, type FlowDefinition, validateDefinition } from "../src";
import { diagnose } from "../src/semantics";

type Doc = Record<string, unknown>;
const act = { call: "expression", expr: "state.x" } as const;
function flow(methods: Doc, extra: Doc = {}): FlowDefinition {
  const result = validateDefinition({ name: "F", ...extra, methods });
  if (!result.definition) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}
const m = (fields: Doc = {}): Doc => ({ do: act, ...fields });

/** `code path` lines, the form most tests compare. */
const found = (def: FlowDefinition, code?: string): string[] =>
  diagnose(def)
    .filter((d) => code === undefined || d.code === code)
    .map((d) => `${d.code} ${d.path}`);
const only = (def: FlowDefinition, code: string): Diagnostic => {
  const hits = diagnose(def).filter((d) => d.code === code);
  expect(hits).toHaveLength(1);
  return hits[0]!;
};

describe("a sound flow", () => {
  it("gets no warnings", () => {
    const def = flow({
      research: m({ start: true }),
      route: m({ listen: "research", router: true, emit: ["followup", "done"] }),
      write_followup: m({ listen: "followup" }),
      publish: m({ listen: { or: ["done", "write_followup"] } }),
      review: m({ listen: "publish", human_feedback: { message: "ok?", emit: ["approved", "rejected"] } }),
      ship: m({ listen: "approved" }),
      redo: m({ listen: "rejected" }),
      audit: m({ listen: { and: ["research", "publish"] } }),
    });
    expect(diagnose(def)).toEqual([]);
  });

  it("is what the loader adds to its warnings", () => {
    const result = validateDefinition({ name: "F", methods: { a: m({ start: true }), b: m({ listen: "typo" }) } });
    expect(result.warnings.map((w) => `${w.code} ${w.path}`)).toEqual(["unknown_label methods.b.listen", "unreachable_method methods.b.listen"]);
  });
});

describe("unknown_label", () => {
  it("flags a listen leaf no method name or router label produces, saying routers may still return it", () => {
    const d = only(flow({ a: m({ start: true }), b: m({ listen: { or: ["a", "aa"] } }) }), "unknown_label");
    expect(d).toMatchObject({ path: "methods.b.listen", severity: "warning" });
    expect(d.message).toContain("no method is named 'aa' and no router declares it in emit");
    expect(d.message).toContain("A router may still return it at run time");
  });
  it("flags start condition leaves at the start path, once per distinct label", () => {
    const def = flow({ s: m({ start: { or: ["kick", "kick"] } }) });
    expect(found(def, "unknown_label")).toEqual(["unknown_label methods.s.start"]);
  });
  it("accepts router emit and human_feedback emit labels, and method names", () => {
    const def = flow({
      a: m({ start: true, router: true, emit: ["x"] }),
      h: m({ listen: "a", human_feedback: { message: "?", emit: ["y"] } }),
      b: m({ listen: { and: ["x", "y", "h"] } }),
    });
    expect(found(def, "unknown_label")).toEqual([]);
  });
  it("points at a non-router that lists the label in emit", () => {
    const d = only(flow({ a: m({ start: true, emit: ["x"] }), b: m({ listen: "x" }) }), "unknown_label");
    expect(d.message).toContain("('a' lists it in emit but is not a router)");
  });
  it("suggests declaring the label on a router that declares no emit", () => {
    const d = only(flow({ a: m({ start: true }), decide: m({ listen: "a", router: true }), b: m({ listen: "left" }) }), "unknown_label");
    expect(d.message).toContain("('decide' declares no emit: if it returns 'left', list it there)");
  });
  it("is off in conversational flows, whose built-in router returns intents", () => {
    expect(found(flow({ c: m({ listen: "converse" }) }, { conversational: { enabled: true } }))).toEqual([]);
  });
});

describe("unused_emit", () => {
  it("flags a declared label nobody listens to or starts on", () => {
    const def = flow({
      a: m({ start: true }),
      r: m({ listen: "a", router: true, emit: ["go", "stop", "loop"] }),
      g: m({ listen: "go" }),
      s: m({ start: "loop" }),
    });
    const d = only(def, "unused_emit");
    expect(d.path).toBe("methods.r.emit");
    expect(d.message).toContain("'stop'");
  });
  it("uses the human_feedback.emit path for feedback outcomes", () => {
    const def = flow({ a: m({ start: true, human_feedback: { message: "?", emit: ["approved", "rejected"] } }), b: m({ listen: "approved" }) });
    expect(found(def, "unused_emit")).toEqual(["unused_emit methods.a.human_feedback.emit"]);
  });
  it("does not count a start's ignored listen as listening", () => {
    const def = flow({ a: m({ start: true, router: true, emit: ["x"] }), b: m({ start: true, listen: "x" }) });
    expect(found(def, "unused_emit")).toEqual(["unused_emit methods.a.emit"]);
  });
});

describe("unreachable_method", () => {
  it("flags a method with neither start nor listen at the method path, routers included", () => {
    const def = flow({ a: m({ start: true }), lonely: m(), r: m({ router: true, emit: ["x"], start: false }), on_x: m({ listen: "x" }) });
    expect(found(def, "unreachable_method")).toEqual([
      "unreachable_method methods.lonely",
      "unreachable_method methods.r",
      "unreachable_method methods.on_x.listen",
    ]);
    expect(diagnose(def).find((d) => d.path === "methods.r")!.message).toContain("CrewAI accepts a router without trigger");
  });
  it("flags listeners waiting for methods that never run, down the chain", () => {
    const def = flow({ a: m({ start: true }), c: m({ listen: "typo" }), b: m({ listen: { or: ["c"] } }), d: m({ listen: "b" }) });
    expect(found(def, "unreachable_method")).toEqual([
      "unreachable_method methods.c.listen",
      "unreachable_method methods.b.listen",
      "unreachable_method methods.d.listen",
    ]);
    expect(diagnose(def).find((d) => d.path === "methods.b.listen")!.message).toContain("never produced: 'c'");
  });
  it("needs every leaf of an and", () => {
    const def = flow({ a: m({ start: true }), b: m({ listen: { and: ["a", "typo"] } }) });
    expect(found(def, "unreachable_method")).toEqual(["unreachable_method methods.b.listen"]);
    expect(found(def, "and_never_fires")).toEqual([]);
  });
  it("treats undeclared labels as possible once a router without emit is reachable", () => {
    const def = flow({ a: m({ start: true }), r: m({ listen: "a", router: true }), b: m({ listen: "anything" }) });
    expect(found(def)).toEqual(["unknown_label methods.b.listen"]);
  });
  it("runs every start at kickoff when none is unconditional", () => {
    const def = flow({ s: m({ start: "kick" }), t: m({ start: { and: ["s"] } }), u: m({ listen: "t" }) });
    expect(found(def, "unreachable_method")).toEqual([]);
  });
  it("re-triggers a conditional start by a listener router's label, not by a start router's", () => {
    const def = flow({
      a: m({ start: true, router: true, emit: ["early"] }),
      r: m({ listen: "a", router: true, emit: ["late"] }),
      on_early: m({ start: "early" }),
      on_late: m({ start: "late" }),
    });
    expect(found(def, "unreachable_method")).toEqual(["unreachable_method methods.on_early.start"]);
    expect(diagnose(def).find((d) => d.code === "unreachable_method")!.message).toContain("only router labels re-trigger it");
  });
  it("leaves a malformed condition to malformed_condition", () => {
    expect(found(flow({ a: m({ start: true }), b: m({ listen: {} }) }))).toEqual(["malformed_condition methods.b.listen"]);
  });
});

describe("and_never_fires", () => {
  it("flags a dead and branch of a condition that can fire some other way", () => {
    const def = flow({ a: m({ start: true }), b: m({ listen: { or: ["a", { and: ["a", "typo"] }] } }) });
    const d = only(def, "and_never_fires");
    expect(d.path).toBe("methods.b.listen");
    expect(d.message).toContain("and(a, typo)");
    expect(d.message).toContain("'typo' is never produced");
    expect(found(def, "unreachable_method")).toEqual([]);
  });
  it("reports the outermost dead and only, and sees leaves of methods that never run as missing", () => {
    const def = flow({
      a: m({ start: true }),
      ghost: m({ listen: "nothing" }),
      b: m({ listen: { or: ["a", { and: ["a", { and: ["ghost", "a"] }] }] } }),
    });
    expect(found(def, "and_never_fires")).toEqual(["and_never_fires methods.b.listen"]);
    expect(only(def, "and_never_fires").message).toContain("and(a, and(ghost, a))");
  });
  it("checks start conditions against router labels", () => {
    const def = flow({ s: m({ start: { or: ["kick", { and: ["s", "kick"] }] } }) });
    expect(found(def, "and_never_fires")).toEqual(["and_never_fires methods.s.start"]);
  });
});

describe("cycle_without_router", () => {
  it("flags methods re-triggering each other by completion alone, at the first one's listen", () => {
    const def = flow({ a: m({ start: true }), b: m({ listen: { or: ["a", "c"] } }), c: m({ listen: "b" }) }, { config: { max_method_calls: 7 } });
    const d = only(def, "cycle_without_router");
    expect(d.path).toBe("methods.b.listen");
    expect(d.message).toContain("'b' and 'c' re-trigger each other");
    expect(d.message).toContain("max_method_calls (7)");
  });
  it("counts a router's completion event: its label does not decide that edge", () => {
    const def = flow({ a: m({ start: true }), r: m({ listen: { or: ["a", "b"] }, router: true, emit: ["x"] }), b: m({ listen: "r" }), on_x: m({ listen: "x" }) });
    expect(found(def, "cycle_without_router")).toEqual(["cycle_without_router methods.r.listen"]);
  });
  it("does not flag a loop closed by a router label", () => {
    const def = flow({
      a: m({ start: true }),
      work: m({ listen: { or: ["a", "again"] } }),
      check: m({ listen: "work", router: true, emit: ["again", "done"] }),
      finish: m({ listen: "done" }),
    });
    expect(diagnose(def)).toEqual([]);
  });
  it("does not flag a loop an and gates, nor one that never starts", () => {
    const gated = flow({ a: m({ start: true }), b: m({ listen: { or: ["a", "c"] } }), c: m({ listen: { and: ["b", "a"] } }) });
    expect(found(gated, "cycle_without_router")).toEqual([]);
    const idle = flow({ a: m({ start: true }), b: m({ listen: "c" }), c: m({ listen: "b" }) });
    expect(found(idle, "cycle_without_router")).toEqual([]);
    expect(found(idle, "unreachable_method")).toEqual(["unreachable_method methods.b.listen", "unreachable_method methods.c.listen"]);
  });
});

describe("malformed_condition", () => {
  it("flags a mapping without and/or, a non-list value and a non-string entry", () => {
    const def = flow({
      a: m({ start: true }),
      b: m({ listen: { any: ["a"] } }),
      c: m({ listen: { or: "a" } }),
      d: m({ listen: { or: ["a", 3] } }),
      e: m({ listen: { and: "a", or: ["a"] } }),
    });
    expect(found(def, "malformed_condition")).toEqual([
      "malformed_condition methods.b.listen",
      "malformed_condition methods.c.listen",
      "malformed_condition methods.d.listen",
      "malformed_condition methods.e.listen",
    ]);
    const messages = diagnose(def).map((d) => d.message);
    expect(messages[0]).toContain("needs an 'and' or an 'or' key");
    expect(messages[0]).toContain("fails at the first dispatch");
    expect(messages[1]).toContain("'or' must hold a list of conditions, not string \"a\"");
    expect(messages[2]).toContain("not number 3");
    expect(messages[3]).toContain("'and' must hold a list");
  });
  it("flags a malformed start condition at the start path", () => {
    expect(found(flow({ s: m({ start: { when: "x" } }) }), "malformed_condition")).toEqual(["malformed_condition methods.s.start"]);
  });
  it("ignores a start's listen, which the engine never evaluates", () => {
    expect(found(flow({ s: m({ start: true, listen: {} }) }))).toEqual(["listen_ignored_on_start methods.s.listen"]);
  });
});

describe("start_gated_on_method", () => {
  it("flags a conditional start naming a method when the flow has start: true", () => {
    const def = flow({ a: m({ start: true }), r: m({ listen: "a", router: true, emit: ["loop"] }), s: m({ start: { or: ["a", "loop"] } }) });
    const d = only(def, "start_gated_on_method");
    expect(d.path).toBe("methods.s.start");
    expect(d.message).toContain("waits for method 'a'");
    expect(d.message).toContain("re-triggered only by router labels");
  });
  it("is silent without an unconditional start, and for a method name a router also declares as a label", () => {
    expect(found(flow({ a: m({ start: "b" }), b: m({ start: "a" }) }), "start_gated_on_method")).toEqual([]);
    const def = flow({ a: m({ start: true }), r: m({ listen: "a", router: true, emit: ["a"] }), s: m({ start: "a" }) });
    expect(found(def, "start_gated_on_method")).toEqual([]);
  });
});

describe("listen_ignored_on_start", () => {
  it("flags listen on a start method, conditional or not", () => {
    const def = flow({ a: m({ start: true }), b: m({ start: true, listen: "a" }), c: m({ start: "x", listen: "a" }) });
    expect(found(def, "listen_ignored_on_start")).toEqual(["listen_ignored_on_start methods.b.listen", "listen_ignored_on_start methods.c.listen"]);
  });
});

describe("ordering and scale", () => {
  it("lists warnings in method order", () => {
    const def = flow({ z: m({ listen: "nope" }), a: m({ start: true, router: true, emit: ["unused"] }) });
    expect(found(def)).toEqual(["unknown_label methods.z.listen", "unreachable_method methods.z.listen", "unused_emit methods.a.emit"]);
  });

  it("diagnoses a 1000-method flow", () => {
    /** A chain m0 → m999 with a router every 10 methods whose label gates the next one (unless `loop`). */
    const chain = (loop: boolean): Doc => {
      const methods: Doc = { m0: m({ start: true }) };
      for (let i = 1; i < 1000; i += 1) {
        const previous = `m${i - 1}`;
        if (i % 10 === 0) methods[`m${i}`] = m({ listen: previous, router: true, emit: [`l${i}`, `skip${i}`] });
        else if (i % 10 === 1 && i > 1 && !loop) methods[`m${i}`] = m({ listen: { and: [previous, `l${i - 1}`] } });
        else methods[`m${i}`] = m({ listen: i === 1 && loop ? { or: [previous, "m999"] } : previous });
      }
      return methods;
    };
    const warnings = diagnose(flow(chain(false)));
    expect(warnings.filter((w) => w.code === "unused_emit")).toHaveLength(99);
    expect(warnings.filter((w) => w.code !== "unused_emit")).toEqual([]);
    // Closing the chain through method names alone makes one 999-method cycle.
    const looped = diagnose(flow(chain(true))).filter((w) => w.code === "cycle_without_router");
    expect(looped.map((w) => w.path)).toEqual(["methods.m1.listen"]);
  });
});
