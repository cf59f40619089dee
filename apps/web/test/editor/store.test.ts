import { loadDefinitionText } from "@crewflow/definition";
import { beforeEach, describe, expect, it } from "vitest";
import { openText } from "../../src/editor/document";
import { useFlowEditor, resetEditor } from "../../src/editor/store";
import { ROUTED_FLOW } from "./fixtures";
import { offlineRequests } from "../setup";

const store = () => useFlowEditor.getState();
const methods = () => store().definition.methods ?? {};

beforeEach(() => {
  resetEditor();
  store().loadText(ROUTED_FLOW, { flowId: "f1", flowName: "RoutedFlow", version: 1 });
});

describe("loading a flow", () => {
  it("shows methods as nodes named after them, with the contract's handles and the saved positions", () => {
    const { nodes, edges, dirty, problems } = store();
    expect(nodes.map((n) => n.id)).toEqual(["research", "route", "write_followup"]);
    expect(nodes.find((n) => n.id === "route")!.position).toEqual({ x: 300, y: 100 });
    expect(edges.map((e) => [e.source, e.sourceHandle, e.target, e.targetHandle])).toEqual([
      ["research", "out", "route", "in"],
      ["route", "emit:followup", "write_followup", "in"],
    ]);
    expect(dirty).toBe(false);
    // "done" is declared but nobody listens: a warning on the router.
    expect(problems.some((p) => p.method === "route" && p.severity === "warning")).toBe(true);
    expect(store().problemCounts.route).toBeGreaterThan(0);
  });
});

describe("edit, undo and redo", () => {
  it("records one undo step per edit and tracks unsaved changes", () => {
    store().edit("Edit research", (d) => ({ ...d, description: "changed" }));
    expect(store().definition.description).toBe("changed");
    expect(store().dirty).toBe(true);
    store().undo();
    expect(store().definition.description).toBeUndefined();
    expect(store().dirty).toBe(false);
    store().redo();
    expect(store().definition.description).toBe("changed");
    expect(store().dirty).toBe(true);
  });

  it("merges quick edits of the same field into one undo step (typing), but not different edits", () => {
    store().edit("Edit research", (d) => ({ ...d, description: "a" }));
    store().edit("Edit research", (d) => ({ ...d, description: "ab" }));
    store().edit("Edit route", (d) => ({ ...d, description: "abc" }));
    expect(store().past.map((p) => p.label)).toEqual(["Edit research", "Edit route"]);
    store().undo();
    expect(store().definition.description).toBe("ab");
    store().undo();
    expect(store().definition.description).toBeUndefined();
  });

  it("adds a palette method with a fresh <kind>_<n> name, selected", () => {
    const first = store().addNode("crew", { x: 10, y: 20 });
    const second = store().addNode("crew", { x: 10, y: 200 });
    expect([first, second]).toEqual(["crew_1", "crew_2"]);
    expect(methods().crew_1!.do).toEqual({ call: "crew", with: { agents: {}, tasks: [] } });
    expect(store().selected).toEqual(["crew_2"]);
    expect(store().layout.crew_1).toEqual({ x: 10, y: 20 });
    store().undo();
    expect(Object.keys(methods())).not.toContain("crew_2");
    store().redo();
    expect(Object.keys(methods())).toContain("crew_2");
  });

  it("refuses an edit the definition package refuses, and keeps the definition", () => {
    const before = store().definition;
    store().rename("route", "research");
    expect(store().editError).toMatch(/already exists/);
    expect(store().definition).toBe(before);
  });

  it("renames a method everywhere and keeps its place on the canvas", () => {
    store().rename("research", "gather");
    expect(Object.keys(methods())).toEqual(["gather", "route", "write_followup"]);
    expect(methods().route!.listen).toBe("gather");
    expect(store().layout.gather).toEqual({ x: 0, y: 100 });
  });
});

describe("connecting on the canvas", () => {
  it("writes listen conditions from method outputs and router labels", () => {
    const crew = store().addNode("crew", { x: 0, y: 300 });
    store().connect({ source: "research", sourceHandle: "out", target: crew, targetHandle: "in" });
    expect(methods()[crew]!.listen).toBe("research");
    store().connect({ source: "route", sourceHandle: "emit:done", target: crew, targetHandle: "in" });
    expect(methods()[crew]!.listen).toEqual({ or: ["research", "done"] });
    store().undo();
    expect(methods()[crew]!.listen).toBe("research");
  });

  it("builds an and join from a palette join node", () => {
    const listener = store().addNode("listen", { x: 900, y: 0 });
    const join = store().addNode("and", { x: 700, y: 0 });
    expect(join).toBe("join:1");
    store().connect({ source: "research", sourceHandle: "out", target: join, targetHandle: "in" });
    store().connect({ source: "write_followup", sourceHandle: "out", target: join, targetHandle: "in" });
    // Not part of the definition until the join feeds a method.
    expect(methods()[listener]!.listen).toBeUndefined();
    store().connect({ source: join, sourceHandle: "out", target: listener, targetHandle: "in" });
    expect(methods()[listener]!.listen).toEqual({ and: ["research", "write_followup"] });
    const joinNode = store().nodes.find((n) => n.type === "join")!;
    expect(joinNode.id).toBe(`join:${listener}:listen`);
    expect(joinNode.position).toEqual({ x: 700, y: 0 });
  });

  it("nests a join in a join: (a and b) or c", () => {
    const listener = store().addNode("listen", { x: 900, y: 0 });
    const and = store().addNode("and", { x: 600, y: 0 });
    const or = store().addNode("or", { x: 750, y: 0 });
    store().connect({ source: "research", sourceHandle: "out", target: and, targetHandle: "in" });
    store().connect({ source: "route", sourceHandle: "out", target: and, targetHandle: "in" });
    store().connect({ source: and, sourceHandle: "out", target: or, targetHandle: "in" });
    store().connect({ source: "write_followup", sourceHandle: "out", target: or, targetHandle: "in" });
    store().connect({ source: or, sourceHandle: "out", target: listener, targetHandle: "in" });
    expect(methods()[listener]!.listen).toEqual({ or: [{ and: ["research", "route"] }, "write_followup"] });
    expect(store().floating).toEqual({});
    expect(store().nodes.filter((n) => n.type === "join").map((n) => n.id).sort()).toEqual([`join:${listener}:listen`, `join:${listener}:listen.0`]);
  });

  it("refuses a method listening to itself", () => {
    store().connect({ source: "route", sourceHandle: "out", target: "route", targetHandle: "in" });
    expect(store().editError).toMatch(/own completion/);
    expect(methods().route!.listen).toBe("research");
  });
});

describe("delete, copy and paste", () => {
  it("deletes selected methods and the conditions naming them", () => {
    store().select(["research"]);
    store().deleteSelection();
    expect(Object.keys(methods())).toEqual(["route", "write_followup"]);
    expect(methods().route!.listen).toBeUndefined();
    store().undo();
    expect(methods().route!.listen).toBe("research");
  });

  it("deletes a selected edge (one condition leaf)", () => {
    const edge = store().edges.find((e) => e.target === "route")!;
    store().onEdgesChange([{ type: "select", id: edge.id, selected: true }]);
    store().deleteSelection();
    expect(methods().route!.listen).toBeUndefined();
    expect(methods().research).toBeDefined();
  });

  it("pastes copies with fresh names, keeping only connections among the copies", () => {
    store().select(["route", "write_followup"]);
    store().copySelection();
    store().paste();
    expect(Object.keys(methods())).toEqual(["research", "route", "write_followup", "route_1", "write_followup_1"]);
    // The copy of route listened to research, outside the copied set: cut. The label edge is kept.
    expect(methods().route_1!.listen).toBeUndefined();
    expect(methods().route_1!.emit).toEqual(["followup", "done"]);
    expect(methods().write_followup_1!.listen).toBe("followup");
    expect(methods().route_1!.do).toEqual(methods().route!.do);
    expect(store().selected).toEqual(["route_1", "write_followup_1"]);
    expect(store().layout.route_1).toEqual({ x: 340, y: 140 });
    store().paste();
    expect(Object.keys(methods())).toContain("route_2");
    expect(store().layout.route_2).toEqual({ x: 380, y: 180 });
  });

  it("pastes a copied start with its own name", () => {
    store().select(["research"]);
    store().copySelection();
    store().paste();
    expect(methods().research_1).toEqual(methods().research);
  });
});

describe("moving nodes", () => {
  it("moves only the dragged node's object and commits the drop as one undo step", () => {
    const before = store().nodes;
    store().onNodesChange([{ type: "position", id: "route", position: { x: 320, y: 110 }, dragging: true }]);
    const during = store().nodes;
    expect(during.find((n) => n.id === "research")).toBe(before.find((n) => n.id === "research"));
    expect(store().past).toHaveLength(0);
    store().onNodesChange([{ type: "position", id: "route", position: { x: 340, y: 120 }, dragging: false }]);
    expect(store().layout.route).toEqual({ x: 340, y: 120 });
    expect(store().past.map((p) => p.label)).toEqual(["Move"]);
    expect(store().nodes.find((n) => n.id === "write_followup")).toBe(before.find((n) => n.id === "write_followup"));
    expect(store().dirty).toBe(true);
    store().undo();
    expect(store().nodes.find((n) => n.id === "route")!.position).toEqual({ x: 300, y: 100 });
  });

  it("auto layout places every node and can be undone", () => {
    store().autoLayout();
    const xs = store().nodes.map((n) => n.position.x);
    // Left to right along the triggers.
    expect(xs[0]!).toBeLessThan(xs[1]!);
    expect(xs[1]!).toBeLessThan(xs[2]!);
    store().undo();
    expect(store().layout.route).toEqual({ x: 300, y: 100 });
  });
});

describe("the saved text", () => {
  it("keeps comments and writes the layout into x-crewflow, so a reload shows the same picture", async () => {
    store().onNodesChange([{ type: "position", id: "route", position: { x: 333, y: 99 }, dragging: false }]);
    store().addNode("crew", { x: 50, y: 400 });
    const { composeText } = await import("../../src/editor/document");
    const s = store();
    const text = composeText(s.baseText, s.definition, s.layout, s.nodes.map((n) => n.id));
    expect(text).toContain("# a comment the editor must keep");
    const reopened = openText(text);
    expect(reopened.layout.route).toEqual({ x: 333, y: 99 });
    expect(reopened.layout.crew_1).toEqual({ x: 50, y: 400 });
    expect(reopened.definition.methods?.crew_1).toEqual(methods().crew_1);
    expect(loadDefinitionText(text).errors.filter((e) => !e.path.startsWith("methods.crew_1"))).toEqual([]);
  });
});

describe("opening a flow", () => {
  const info = (flowId: string) => ({
    flow: { id: flowId, name: "RoutedFlow", deleted: false, deletedAt: null, createdAt: "2026-01-01T00:00:00.000Z", head: { id: "v", number: 4, hash: "h", createdAt: "2026-01-01T00:00:00.000Z" }, versionCount: 4 },
    version: { id: "v", number: 4, hash: "h", createdAt: "2026-01-01T00:00:00.000Z" },
    text: ROUTED_FLOW,
  });

  it("takes the answer index.html asked for while the bundle loaded, once", async () => {
    resetEditor();
    const holder = globalThis as { __crewflowPrefetch?: unknown };
    holder.__crewflowPrefetch = { flowId: "f9", response: Promise.resolve({ result: { data: info("f9") } }) };
    await store().openFlow("f9");
    expect(store().loadError).toBeNull();
    expect(store().version).toBe(4);
    expect(store().readOnly).toBe(false);
    expect(Object.keys(methods())).toEqual(["research", "route", "write_followup"]);
    expect(holder.__crewflowPrefetch).toBeUndefined();
  });

  it("ignores a prefetch of another flow (and says why a load failed)", async () => {
    resetEditor();
    const holder = globalThis as { __crewflowPrefetch?: unknown };
    holder.__crewflowPrefetch = { flowId: "other", response: Promise.resolve({ result: { data: info("other") } }) };
    // The request for f9 fails (no server answers), and nothing of the other flow is shown.
    const sent = offlineRequests();
    await store().openFlow("f9");
    expect(sent).toHaveLength(1);
    expect(store().loadError).toContain("not reachable");
    expect(store().definition.methods).toEqual({});
    delete holder.__crewflowPrefetch;
  });
});
