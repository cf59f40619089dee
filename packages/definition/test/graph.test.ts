// The graph view, construct by construct: what the canvas sees and that it comes back unchanged.
import { describe, expect, it } from "vitest";
import { type FlowDefinition, validateDefinition } from "../src";
import { definitionToGraph, type FlowGraph, type GraphEdge, type GraphNode, graphLayout, graphToDefinition } from "../src/graph";
import { LAYER_WIDTH as LAYER_WIDTH_FOR_TESTS } from "../src/graph/layout";

type Doc = Record<string, unknown>;
const act = { call: "expression", expr: "state.x" } as const;

/** A loaded definition (what the canvas gets from the document layer). */
function flow(methods: Doc, extra: Doc = {}): FlowDefinition {
  const result = validateDefinition({ schema: "crewai.flow/v1", name: "F", ...extra, methods });
  if (!result.definition) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}
const m = (fields: Doc = {}): Doc => ({ do: act, ...fields });

function node(graph: FlowGraph, id: string): GraphNode {
  const found = graph.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id}; have ${graph.nodes.map((n) => n.id).join(", ")}`);
  return found;
}
/** Edges as `source/handle -> target/handle[#index]`, the shape tests read best. */
function wires(graph: FlowGraph): string[] {
  return graph.edges.map(
    (e) => `${e.source}/${e.sourceHandle} -> ${e.target}/${e.targetHandle}${e.data.kind === "trigger" && e.data.index !== undefined ? `#${e.data.index}` : ""}`,
  );
}
function roundTrips(def: FlowDefinition): FlowGraph {
  const graph = definitionToGraph(def);
  expect(graphToDefinition(graph, def)).toEqual(def);
  return graph;
}

describe("method nodes", () => {
  it("draws a start and a listener joined by the start's done handle", () => {
    const graph = roundTrips(flow({ a: m({ start: true }), b: m({ listen: "a", description: "second" }) }));
    expect(graph.nodes.map((n) => n.id)).toEqual(["method:a", "method:b"]);
    expect(node(graph, "method:a").data).toEqual({ name: "a", kind: "start", start: true, router: false, labels: [], definition: { do: act } });
    expect(node(graph, "method:b").data).toMatchObject({ kind: "listen", start: false, definition: { do: act, description: "second" } });
    expect(graph.edges).toEqual([
      {
        id: "edge:method:b/listen",
        source: "method:a",
        sourceHandle: "done",
        target: "method:b",
        targetHandle: "listen",
        data: { kind: "trigger", event: "a" },
      },
    ]);
  });

  it("keeps the definition's method order, not alphabetical order", () => {
    const def = flow({ zeta: m({ start: true }), alpha: m({ listen: "zeta" }), mid: m({ listen: "alpha" }) });
    const graph = roundTrips(def);
    expect(graph.nodes.map((n) => n.id)).toEqual(["method:zeta", "method:alpha", "method:mid"]);
    expect(Object.keys(graphToDefinition(graph, def).methods!)).toEqual(["zeta", "alpha", "mid"]);
  });

  it("marks a method with no trigger as plain", () => {
    expect(node(roundTrips(flow({ a: m() })), "method:a").data).toMatchObject({ kind: "plain", start: false });
  });

  it("keeps start: false / null / '' and listen: null as written", () => {
    const def = flow({ a: m({ start: false, router: true }), b: m({ start: null, listen: null }), c: m({ start: "" }) });
    const graph = roundTrips(def);
    expect(node(graph, "method:a").data).toMatchObject({ kind: "router", written: { start: false } });
    expect(node(graph, "method:b").data).toMatchObject({ kind: "plain", written: { start: null, listen: null } });
    expect(node(graph, "method:c").data).toMatchObject({ written: { start: "" } });
    expect(graph.edges).toEqual([]);
  });

  it("keeps every other method field in the node's definition", () => {
    const def = flow({
      a: m({ start: true, description: "d", persist: { enabled: true }, human_feedback: { message: "ok?" } }),
    });
    expect(node(roundTrips(def), "method:a").data).toMatchObject({
      definition: { description: "d", persist: { enabled: true }, human_feedback: { message: "ok?" }, do: act },
    });
  });
});

describe("routers and labels", () => {
  const def = flow({
    begin: m({ start: true }),
    route: m({ listen: "begin", router: true, emit: ["yes", "no", "yes"] }),
    on_yes: m({ listen: "yes" }),
    on_no: m({ listen: { or: ["no", "route"] } }),
  });

  it("gives a router one output handle per emit label plus done, and hangs label listeners off them", () => {
    const graph = roundTrips(def);
    expect(node(graph, "method:route").data).toMatchObject({ kind: "router", router: true, labels: ["yes", "no"] });
    expect(wires(graph)).toEqual([
      "method:begin/done -> method:route/listen",
      "method:route/emit:yes -> method:on_yes/listen",
      "join:on_no:listen/out -> method:on_no/listen",
      "method:route/emit:no -> join:on_no:listen/in#0",
      "method:route/done -> join:on_no:listen/in#1",
    ]);
    expect(graph.edges[1]).toMatchObject({ label: "yes", data: { kind: "trigger", event: "yes" } });
  });

  it("takes human_feedback.emit as the labels (it makes the method a router)", () => {
    const graph = roundTrips(
      flow({
        draft: m({ start: true }),
        review: m({ listen: "draft", emit: ["ignored"], human_feedback: { message: "ok?", emit: ["approved", "rejected"] } }),
        publish: m({ listen: "approved" }),
      }),
    );
    expect(node(graph, "method:review").data).toMatchObject({ kind: "router", router: true, labels: ["approved", "rejected"] });
    expect(wires(graph)).toContain("method:review/emit:approved -> method:publish/listen");
  });

  it("reads a label that is also a method name as that method's completion (one namespace)", () => {
    const graph = roundTrips(flow({ a: m({ start: true }), r: m({ start: true, router: true, emit: ["a"] }), b: m({ listen: "a" }) }));
    expect(wires(graph)).toEqual(["method:a/done -> method:b/listen"]);
  });

  it("gives a label several routers declare its own event node, fed by each router", () => {
    const graph = roundTrips(
      flow({
        r1: m({ start: true, router: true, emit: ["retry"] }),
        r2: m({ start: true, router: true, emit: ["retry", "stop"] }),
        again: m({ listen: "retry" }),
      }),
    );
    expect(node(graph, "event:retry").data).toEqual({ label: "retry", producers: ["r1", "r2"] });
    expect(wires(graph)).toEqual([
      "event:retry/out -> method:again/listen",
      "method:r1/emit:retry -> event:retry/in",
      "method:r2/emit:retry -> event:retry/in",
    ]);
    expect(graph.edges.slice(1).map((e) => e.data.kind)).toEqual(["produce", "produce"]);
  });

  it("shows a label nothing produces (a typo) as an event node without producers", () => {
    const graph = roundTrips(flow({ a: m({ start: true }), b: m({ listen: "aa" }), c: m({ listen: { and: ["a", "aa"] } }) }));
    expect(node(graph, "event:aa").data).toEqual({ label: "aa", producers: [] });
    expect(graph.nodes.filter((n) => n.type === "event")).toHaveLength(1);
    expect(wires(graph)).toContain("event:aa/out -> method:b/listen");
    expect(wires(graph)).toContain("event:aa/out -> join:c:listen/in#1");
  });

  it("does not give a non-router's emit any handles", () => {
    expect(node(roundTrips(flow({ a: m({ start: true, emit: ["x"] }) })), "method:a").data).toMatchObject({ router: false, labels: [] });
  });
});

describe("and/or joins", () => {
  it("turns each and/or mapping into a join node, nested trees into nested joins, in leaf order", () => {
    const def = flow({
      a: m({ start: true }),
      b: m({ start: true }),
      c: m({ start: true }),
      d: m({ listen: { or: ["c", { and: ["a", "b"] }] } }),
    });
    const graph = roundTrips(def);
    expect(node(graph, "join:d:listen").data).toEqual({ method: "d", slot: "listen", path: [], op: "or" });
    expect(node(graph, "join:d:listen.1").data).toEqual({ method: "d", slot: "listen", path: [1], op: "and" });
    expect(wires(graph)).toEqual([
      "join:d:listen/out -> method:d/listen",
      "method:c/done -> join:d:listen/in#0",
      "join:d:listen.1/out -> join:d:listen/in#1",
      "method:a/done -> join:d:listen.1/in#0",
      "method:b/done -> join:d:listen.1/in#1",
    ]);
  });

  it("keeps single-branch combinators and repeated leaves", () => {
    const def = flow({ a: m({ start: true }), b: m({ start: true }), c: m({ listen: { and: ["a", "a", { or: ["b"] }] } }) });
    const graph = roundTrips(def);
    expect(wires(graph)).toEqual([
      "join:c:listen/out -> method:c/listen",
      "method:a/done -> join:c:listen/in#0",
      "method:a/done -> join:c:listen/in#1",
      "join:c:listen.2/out -> join:c:listen/in#2",
      "method:b/done -> join:c:listen.2/in#0",
    ]);
    expect(new Set(graph.edges.map((e) => e.id)).size).toBe(graph.edges.length);
  });

  it("keeps an or beside a winning and, and the mappings CrewAI crashes on, as written", () => {
    const def = flow({
      a: m({ start: true }),
      b: m({ listen: { and: ["a"], or: ["x"] } }),
      c: m({ listen: {} }),
      d: m({ listen: { or: ["a", { or: "a" }, 3, null] } }),
    });
    const graph = roundTrips(def);
    expect(node(graph, "join:b:listen").data).toMatchObject({ op: "and", rest: { or: ["x"] } });
    expect(node(graph, "join:c:listen").data).toMatchObject({ op: "invalid", raw: {} });
    expect(node(graph, "join:d:listen.1").data).toMatchObject({ op: "invalid", raw: { or: "a" } });
    expect(node(graph, "join:d:listen.2").data).toMatchObject({ op: "invalid", raw: 3 });
    expect(node(graph, "join:d:listen.3").data).toMatchObject({ op: "invalid", raw: null });
  });

  it("keeps empty and/or lists", () => {
    roundTrips(flow({ a: m({ start: true }), b: m({ listen: { or: [] } }), c: m({ listen: { and: [{ and: [] }] } }) }));
  });
});

describe("starts", () => {
  it("draws a conditional start's condition into its start handle", () => {
    const def = flow({ r: m({ start: true, router: true, emit: ["loop"] }), again: m({ start: { or: ["loop", "kick"] } }) });
    const graph = roundTrips(def);
    expect(node(graph, "method:again").data).toMatchObject({ kind: "start", start: "condition" });
    expect(wires(graph)).toEqual([
      "join:again:start/out -> method:again/start",
      "method:r/emit:loop -> join:again:start/in#0",
      "event:kick/out -> join:again:start/in#1",
    ]);
  });

  it("keeps a start's listen (ignored at run time) next to start: true and next to a start condition", () => {
    const def = flow({
      a: m({ start: true }),
      b: m({ start: true, listen: "a" }),
      c: m({ start: "a", listen: { or: ["a", "b"] } }),
    });
    const graph = roundTrips(def);
    expect(wires(graph)).toEqual([
      "method:a/done -> method:b/listen",
      "method:a/done -> method:c/start",
      "join:c:listen/out -> method:c/listen",
      "method:a/done -> join:c:listen/in#0",
      "method:b/done -> join:c:listen/in#1",
    ]);
  });
});

describe("the rest of the document", () => {
  it("comes from base untouched", () => {
    const def = flow(
      { a: m({ start: true }) },
      {
        description: "D",
        state: { type: "dict", default: { n: 1 } },
        config: { max_method_calls: 5 },
        persist: { enabled: true },
        "x-crewflow": { layout: { nodes: { "method:a": { x: 1, y: 2 } } } },
      },
    );
    const out = graphToDefinition(definitionToGraph(def), def);
    expect(out).toEqual(def);
    expect(out).not.toBe(def);
    expect(out.state).toBe(def.state);
  });

  it("keeps a missing methods key missing and an empty one empty", () => {
    const none = flow({});
    delete none.methods;
    expect(graphToDefinition(definitionToGraph(none), none)).toEqual(none);
    expect("methods" in graphToDefinition(definitionToGraph(none), none)).toBe(false);
    const empty = flow({});
    expect(graphToDefinition(definitionToGraph(empty), empty).methods).toEqual({});
  });
});

describe("positions", () => {
  const def = flow({ a: m({ start: true }), b: m({ start: true }), c: m({ listen: { and: ["a", "b"] } }), d: m({ listen: "c" }) });

  it("places nodes in layers from the starts, rows in node order", () => {
    const graph = definitionToGraph(def);
    const at = (id: string) => node(graph, id).position;
    expect(at("method:a")).toEqual({ x: 0, y: 0 });
    expect(at("method:b")).toEqual({ x: 0, y: 120 });
    expect(at("join:c:listen")).toEqual({ x: LAYER_WIDTH_FOR_TESTS, y: 0 });
    expect(at("method:c")).toEqual({ x: 2 * LAYER_WIDTH_FOR_TESTS, y: 0 });
    expect(at("method:d")).toEqual({ x: 3 * LAYER_WIDTH_FOR_TESTS, y: 0 });
  });

  it("uses stored positions by node id and computes only the missing ones", () => {
    const graph = definitionToGraph(def, { nodes: { "method:c": { x: 500, y: 40 }, "method:gone": { x: 9, y: 9 } } });
    expect(node(graph, "method:c").position).toEqual({ x: 500, y: 40 });
    expect(node(graph, "method:a").position).toEqual({ x: 0, y: 0 });
    expect(graphLayout(graph).nodes.c).toEqual({ x: 500, y: 40 });
  });

  it("reads x-crewflow's method-name keys, and graphLayout writes them back that way", () => {
    const graph = definitionToGraph(def, { nodes: { c: { x: 7, y: 8 }, "join:c:listen": { x: 5, y: 6 } } });
    expect(node(graph, "method:c").position).toEqual({ x: 7, y: 8 });
    expect(node(graph, "join:c:listen").position).toEqual({ x: 5, y: 6 });
    expect(Object.keys(graphLayout(graph).nodes)).toEqual(["a", "b", "c", "d", "join:c:listen"]);
  });

  it("places cycles deterministically", () => {
    const cyclic = flow({ a: m({ start: true }), b: m({ listen: { or: ["a", "c"] } }), c: m({ listen: "b" }) });
    const first = definitionToGraph(cyclic);
    expect(definitionToGraph(cyclic)).toEqual(first);
    expect(new Set(first.nodes.map((n) => `${n.position.x},${n.position.y}`)).size).toBe(first.nodes.length);
  });
});

describe("graphToDefinition after canvas edits", () => {
  const def = flow({
    a: m({ start: true }),
    b: m({ start: true }),
    r: m({ listen: "a", router: true, emit: ["ok"] }),
    c: m({ listen: { and: ["a", "b"] } }),
    d: m({ listen: "a" }),
  });
  const edge = (source: string, sourceHandle: string, target: string, targetHandle: string, index?: number): GraphEdge => ({
    id: `new:${source}:${target}:${index ?? ""}`,
    source,
    sourceHandle,
    target,
    targetHandle,
    data: index === undefined ? { kind: "trigger" } : { kind: "trigger", index },
  });
  const edit = (change: (graph: FlowGraph) => FlowGraph) => graphToDefinition(change(definitionToGraph(def)), def).methods!;

  it("or-s a second edge into a listen handle, as connect does", () => {
    const methods = edit((g) => ({ ...g, edges: [...g.edges, edge("method:r", "emit:ok", "method:d", "listen")] }));
    expect(methods.d!.listen).toEqual({ or: ["a", "ok"] });
  });

  it("appends an unindexed edge into a join after its indexed inputs", () => {
    const methods = edit((g) => ({ ...g, edges: [edge("method:r", "done", "join:c:listen", "in"), ...g.edges] }));
    expect(methods.c!.listen).toEqual({ and: ["a", "b", "r"] });
  });

  it("drops a child whose edge was deleted, and a condition whose last edge was deleted", () => {
    const methods = edit((g) => ({
      ...g,
      edges: g.edges.filter((e) => e.id !== "edge:join:c:listen/0" && e.id !== "edge:method:d/listen"),
    }));
    expect(methods.c!.listen).toEqual({ and: ["b"] });
    expect("listen" in methods.d!).toBe(false);
  });

  it("follows a reconnected source, whatever the edge's stale event says", () => {
    const methods = edit((g) => ({
      ...g,
      edges: g.edges.map((e) => (e.id === "edge:method:d/listen" ? { ...e, source: "method:b" } : e)),
    }));
    expect(methods.d!.listen).toBe("b");
  });

  it("moves a join to another method by its output edge, and drops joins that feed nothing", () => {
    const methods = edit((g) => ({
      ...g,
      edges: g.edges.map((e) => (e.id === "edge:method:c/listen" ? { ...e, target: "method:d", id: "moved" } : e)),
    }));
    expect("listen" in methods.c!).toBe(false);
    // Edges into one handle are or-ed in edge order: the moved edge came first.
    expect(methods.d!.listen).toEqual({ or: [{ and: ["a", "b"] }, "a"] });
    const dropped = edit((g) => ({ ...g, edges: g.edges.filter((e) => e.id !== "edge:method:c/listen") }));
    expect("listen" in dropped.c!).toBe(false);
    expect(dropped.d!.listen).toBe("a");
  });

  it("adds a method node appended on the canvas at the end, and turns a start on", () => {
    const methods = edit((g) => ({
      nodes: [
        ...g.nodes.map((n) => (n.id === "method:d" && n.type === "method" ? { ...n, data: { ...n.data, start: true } } : n)),
        {
          id: "method:e",
          type: "method",
          position: { x: 0, y: 0 },
          data: { name: "e", kind: "listen", start: false, router: false, labels: [], definition: { do: act } },
        },
      ],
      edges: [...g.edges, edge("method:d", "done", "method:e", "listen")],
    }));
    expect(Object.keys(methods)).toEqual(["a", "b", "r", "c", "d", "e"]);
    expect(methods.d).toEqual({ do: act, start: true, listen: "a" });
    expect(methods.e).toEqual({ do: act, listen: "d" });
  });

  it("refuses two method nodes with one name", () => {
    const graph = definitionToGraph(def);
    const copy = graph.nodes.find((n) => n.id === "method:a")!;
    expect(() => graphToDefinition({ ...graph, nodes: [...graph.nodes, { ...copy, id: "method:a2" }] }, def)).toThrow(
      "two method nodes are named 'a'",
    );
  });

  it("cuts a join cycle drawn on the canvas instead of looping", () => {
    const methods = edit((g) => ({ ...g, edges: [...g.edges, edge("join:c:listen", "out", "join:c:listen", "in")] }));
    expect(methods.c!.listen).toEqual({ and: ["a", "b"] });
  });
});
