// Property tests: the graph view loses nothing, and the editing helpers keep documents valid.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emitLabels, type FlowDefinition, isRouter, validateDefinition } from "../src";
import {
  connect,
  definitionToGraph,
  disconnect,
  DONE_HANDLE,
  emitHandle,
  graphLayout,
  graphToDefinition,
  removeMethod,
  renameMethod,
} from "../src/graph";
import { leafList } from "../src/graph/conditions";
import { diagnose, SEMANTIC_CODES } from "../src/semantics";
import { flowDefinition } from "./arbitrary";

const RUNS = { numRuns: 300 };

/** The definition with one method picked by index, and an event from the flow's vocabulary. */
const withTarget = flowDefinition.chain((def) => {
  const names = Object.keys(def.methods ?? {});
  const events = [...names, ...Object.values(def.methods ?? {}).flatMap((m) => [...(m.emit ?? []), ...leafList(m.listen)]), "fresh_event"];
  return fc.record({ def: fc.constant(def), target: fc.constantFrom(...names), event: fc.constantFrom(...events) });
});

function expectValid(def: FlowDefinition): void {
  const result = validateDefinition(def);
  expect(result.errors).toEqual([]);
}

describe("definitionToGraph / graphToDefinition", () => {
  it("generates valid documents", () => {
    fc.assert(fc.property(flowDefinition, (def) => expectValid(def)), { numRuns: 100 });
  });

  it("round-trips every valid definition exactly", () => {
    fc.assert(
      fc.property(flowDefinition, (def) => {
        expect(graphToDefinition(definitionToGraph(def), def)).toEqual(def);
      }),
      RUNS,
    );
  });

  it("round-trips again from the graph's own layout, with the same positions", () => {
    fc.assert(
      fc.property(flowDefinition, (def) => {
        const graph = definitionToGraph(def);
        const again = definitionToGraph(def, graphLayout(graph));
        expect(again).toEqual(graph);
        expect(graphToDefinition(again, def)).toEqual(def);
      }),
      RUNS,
    );
  });

  it("builds a well-formed graph: unique ids, edges between existing handles, methods in file order", () => {
    fc.assert(
      fc.property(flowDefinition, (def) => {
        const graph = definitionToGraph(def);
        const ids = graph.nodes.map((n) => n.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(graph.edges.map((e) => e.id)).size).toBe(graph.edges.length);
        const byId = new Map(graph.nodes.map((n) => [n.id, n]));
        for (const edge of graph.edges) {
          const source = byId.get(edge.source);
          const target = byId.get(edge.target);
          expect(source && target).toBeTruthy();
          if (source?.type === "method")
            expect([DONE_HANDLE, ...source.data.labels.map(emitHandle)]).toContain(edge.sourceHandle);
          if (target?.type === "method") expect(["listen", "start"]).toContain(edge.targetHandle);
        }
        const methodNames = graph.nodes.flatMap((n) => (n.type === "method" ? [n.data.name] : []));
        expect(methodNames).toEqual(Object.keys(def.methods ?? {}));
      }),
      RUNS,
    );
  });
});

describe("editing helpers on random flows", () => {
  it("connect adds the event to the listen condition and keeps the document valid", () => {
    fc.assert(
      fc.property(withTarget, ({ def, target, event }) => {
        fc.pre(event !== target);
        const next = connect(def, event, target);
        expect(leafList(next.methods![target]!.listen)).toContain(event);
        expectValid(next);
        expect(graphToDefinition(definitionToGraph(next), next)).toEqual(next);
      }),
      RUNS,
    );
  });

  it("disconnect removes every occurrence of the event and nothing else changes elsewhere", () => {
    fc.assert(
      fc.property(withTarget, ({ def, target, event }) => {
        const next = disconnect(def, event, target);
        expect(leafList(next.methods![target]!.listen)).not.toContain(event);
        for (const [name, method] of Object.entries(def.methods!)) if (name !== target) expect(next.methods![name]).toBe(method);
        expectValid(next);
      }),
      RUNS,
    );
  });

  it("disconnect undoes connect of a new event on the listen leaves", () => {
    fc.assert(
      fc.property(withTarget, ({ def, target }) => {
        const before = leafList(def.methods![target]!.listen);
        const after = disconnect(connect(def, "fresh_event", target), "fresh_event", target);
        expect(leafList(after.methods![target]!.listen)).toEqual(before.filter((e) => e !== "fresh_event"));
      }),
      RUNS,
    );
  });

  it("renameMethod there and back is the identity, and the renamed flow is valid", () => {
    fc.assert(
      fc.property(withTarget, ({ def, target }) => {
        // A method whose name is also a router label cannot be renamed (unit-tested in graph.edit).
        fc.pre(!Object.values(def.methods!).some((m) => isRouter(m) && emitLabels(m).includes(target)));
        const renamed = renameMethod(def, target, "renamed_zz");
        expect(Object.keys(renamed.methods!)).toEqual(Object.keys(def.methods!).map((n) => (n === target ? "renamed_zz" : n)));
        expectValid(renamed);
        expect(renameMethod(renamed, "renamed_zz", target)).toEqual(def);
      }),
      RUNS,
    );
  });

  it("removeMethod leaves a valid flow whose conditions no longer name the method", () => {
    fc.assert(
      fc.property(withTarget, ({ def, target }) => {
        const next = removeMethod(def, target);
        expectValid(next);
        expect(Object.keys(next.methods!)).toEqual(Object.keys(def.methods!).filter((n) => n !== target));
        const stillLabel = Object.values(next.methods!).some((m) => [...(m.emit ?? []), ...(m.human_feedback?.emit ?? [])].includes(target));
        if (!stillLabel) for (const m of Object.values(next.methods!)) expect(leafList(m.listen)).not.toContain(target);
      }),
      RUNS,
    );
  });
});

describe("diagnose on random flows", () => {
  it("never throws and returns located warnings with known codes", () => {
    fc.assert(
      fc.property(flowDefinition, (def) => {
        for (const d of diagnose(def)) {
          expect(d.severity).toBe("warning");
          expect(SEMANTIC_CODES).toContain(d.code);
          expect(d.path).toMatch(/^methods\.[^.]+(\.(listen|start|emit|human_feedback\.emit))?$/);
        }
      }),
      RUNS,
    );
  });
});
