// connect / disconnect / renameMethod / removeMethod: the edits the canvas makes on the definition.
import { describe, expect, it } from "vitest";
import { type FlowDefinition, validateDefinition } from "../src";
import { connect, disconnect, FlowEditError, removeMethod, renameMethod } from "../src/graph";

type Doc = Record<string, unknown>;
const act = { call: "expression", expr: "state.x" } as const;
function flow(methods: Doc): FlowDefinition {
  const result = validateDefinition({ name: "F", methods });
  if (!result.definition) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}
const m = (fields: Doc = {}): Doc => ({ do: act, ...fields });
const base = () =>
  flow({
    a: m({ start: true }),
    b: m({ start: true }),
    r: m({ listen: "a", router: true, emit: ["ok", "retry"] }),
    plain: m(),
    one: m({ listen: "a" }),
    any: m({ listen: { or: ["a", "b"] } }),
    all: m({ listen: { and: ["a", "b"] } }),
    again: m({ start: { or: ["retry"] } }),
  });
const listenOf = (def: FlowDefinition, name: string) => def.methods![name]!.listen;

describe("connect", () => {
  it("sets listen on a method without one, right after do", () => {
    const next = connect(base(), "ok", "plain");
    expect(next.methods!.plain).toEqual({ do: act, listen: "ok" });
  });
  it("turns a string into {or: [old, new]}", () => {
    expect(listenOf(connect(base(), "b", "one"), "one")).toEqual({ or: ["a", "b"] });
  });
  it("appends to a plain or", () => {
    expect(listenOf(connect(base(), "ok", "any"), "any")).toEqual({ or: ["a", "b", "ok"] });
  });
  it("wraps an and in a new or", () => {
    expect(listenOf(connect(base(), "ok", "all"), "all")).toEqual({ or: [{ and: ["a", "b"] }, "ok"] });
  });
  it("does nothing when the event already is an alternative", () => {
    expect(listenOf(connect(base(), "a", "one"), "one")).toBe("a");
    expect(listenOf(connect(base(), "b", "any"), "any")).toEqual({ or: ["a", "b"] });
  });
  it("adds to a conditional start, and makes start: true conditional on the start slot", () => {
    const def = base();
    expect(connect(def, "ok", "again", "start").methods!.again!.start).toEqual({ or: ["retry", "ok"] });
    expect(connect(def, "ok", "b", "start").methods!.b!.start).toBe("ok");
  });
  it("refuses a self-listen and an unknown method", () => {
    expect(() => connect(base(), "one", "one")).toThrow(FlowEditError);
    expect(() => connect(base(), "a", "nope")).toThrow("no method named 'nope'");
  });
  it("leaves its input alone and keeps the method order", () => {
    const def = base();
    const snapshot = structuredClone(def);
    const next = connect(def, "b", "one");
    expect(def).toEqual(snapshot);
    expect(Object.keys(next.methods!)).toEqual(Object.keys(def.methods!));
  });
});

describe("disconnect", () => {
  it("undoes connect on a string listen", () => {
    const def = base();
    expect(disconnect(connect(def, "b", "one"), "b", "one")).toEqual(def);
  });
  it("removes a whole condition and its key when its last leaf goes", () => {
    const next = disconnect(base(), "a", "one");
    expect(next.methods!.one).toEqual({ do: act });
  });
  it("collapses a node the removal shrank to one child, and keeps untouched single-branch nodes", () => {
    const def = flow({
      a: m({ start: true }),
      b: m({ start: true }),
      c: m({ start: true }),
      x: m({ listen: { or: [{ and: ["a", "b"] }, { or: ["c"] }] } }),
    });
    expect(listenOf(disconnect(def, "b", "x"), "x")).toEqual({ or: ["a", { or: ["c"] }] });
  });
  it("removes every occurrence of a repeated leaf", () => {
    const def = flow({ a: m({ start: true }), b: m({ start: true }), x: m({ listen: { and: ["a", "b", "a"] } }) });
    expect(listenOf(disconnect(def, "a", "x"), "x")).toBe("b");
  });
  it("works on the start slot; an emptied start condition stops being a start", () => {
    const next = disconnect(base(), "retry", "again", "start");
    expect(next.methods!.again).toEqual({ do: act });
  });
  it("is a no-op for an event the condition does not mention", () => {
    expect(disconnect(base(), "zzz", "all")).toEqual(base());
  });
});

describe("renameMethod", () => {
  it("renames in place and rewrites every listen and start condition naming it", () => {
    const def = flow({
      a: m({ start: true }),
      b: m({ listen: { or: ["a", { and: ["a", "x"] }] } }),
      c: m({ start: { and: ["a"] } }),
      d: m({ listen: "b" }),
    });
    const next = renameMethod(def, "a", "first");
    expect(Object.keys(next.methods!)).toEqual(["first", "b", "c", "d"]);
    expect(listenOf(next, "b")).toEqual({ or: ["first", { and: ["first", "x"] }] });
    expect(next.methods!.c!.start).toEqual({ and: ["first"] });
    expect(listenOf(next, "d")).toBe("b");
    expect(next.methods!.first).toBe(def.methods!.a);
  });
  it("refuses a taken name, a non-identifier and a name already used as an event", () => {
    const def = base();
    expect(() => renameMethod(def, "a", "b")).toThrow("already exists");
    expect(() => renameMethod(def, "a", "bad-name")).toThrow("must match");
    expect(() => renameMethod(def, "a", "ok")).toThrow("already an event used by 'r'");
    expect(() => renameMethod(def, "nope", "x")).toThrow("no method named 'nope'");
    const labelled = flow({ a: m({ start: true }), r: m({ start: true, router: true, emit: ["a"] }), b: m({ listen: "a" }) });
    expect(() => renameMethod(labelled, "a", "first")).toThrow("router 'r' declares 'a' as a label");
  });
  it("returns an equal copy when the name does not change", () => {
    expect(renameMethod(base(), "a", "a")).toEqual(base());
  });
});

describe("removeMethod", () => {
  it("removes the method and the leaves naming it, keeping the order of the rest", () => {
    const next = removeMethod(base(), "a");
    expect(Object.keys(next.methods!)).toEqual(["b", "r", "plain", "one", "any", "all", "again"]);
    expect("listen" in next.methods!.r!).toBe(false);
    expect("listen" in next.methods!.one!).toBe(false);
    expect(listenOf(next, "any")).toBe("b");
    expect(listenOf(next, "all")).toBe("b");
  });
  it("keeps leaves a remaining router still declares as a label", () => {
    const def = flow({ a: m({ start: true, router: true, emit: ["b"] }), b: m({ start: true }), c: m({ listen: "b" }) });
    expect(listenOf(removeMethod(def, "b"), "c")).toBe("b");
  });
  it("ends a conditional start whose condition named only the method", () => {
    const def = flow({ a: m({ start: true }), r: m({ listen: "a", router: true, emit: ["x"] }), s: m({ start: "r" }) });
    expect(removeMethod(def, "r").methods!.s).toEqual({ do: act });
  });
  it("refuses an unknown method", () => {
    expect(() => removeMethod(base(), "nope")).toThrow(FlowEditError);
  });
});
