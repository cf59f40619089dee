// Conformance cases C (persistence, resume, fork, checkpoints): conformance-cases.md §C.
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Flow, type FlowHandle, defineFlow } from "../../src";
import { RecordingBackend, create, eventTypes, finishedOf, order, resetStores, savedStates, saves } from "./helpers";

// The common flow `P` (dict state): first → second, each bumping `state.count`.
const P = {
  first: (flow: FlowHandle) => {
    flow.state.count = ((flow.state.count as number | undefined) ?? 0) + 1;
    return "one";
  },
  second: (flow: FlowHandle) => {
    flow.state.count = (flow.state.count as number) + 1;
    return "two";
  },
};

const backend = (store: string) => `{persistence_type: RecordingBackend, store: ${store}}`;

/** `P` as YAML; `top`, `first` and `second` add persist blocks. */
function pYaml(blocks: { top?: string; first?: string; second?: string } = {}): string {
  return `schema: crewai.flow/v1
name: P
${blocks.top ? `persist: ${blocks.top}\n` : ""}methods:
  first:  {start: true, do: {ref: "conformance:first"}${blocks.first ? `, persist: ${blocks.first}` : ""}}
  second: {listen: first, do: {ref: "conformance:second"}${blocks.second ? `, persist: ${blocks.second}` : ""}}
`;
}

beforeEach(() => resetStores());

describe("C. persistence, resume, fork, checkpoints", () => {
  it("case 39: flow-level persistence saves after every method", async () => {
    let flow: Flow | null = null;
    const finishedAtSave: Record<string, number> = {};
    const persistenceTypes = {
      RecordingBackend: (config: Record<string, unknown>) => {
        const b = new RecordingBackend(String(config.store));
        b.onSave = (method) => (finishedAtSave[method] = finishedOf(flow!, method).length);
        return b;
      },
    };
    flow = await create(pYaml({ top: `{enabled: true, persistence: ${backend("s1")}}` }), P, { persistenceTypes });
    expect(await flow.kickoff()).toBe("two");
    expect(saves("s1")).toEqual(["first", "second"]);
    const last = savedStates("s1").at(-1)!;
    expect(last.count).toBe(2);
    expect(last.id).toBe(flow.state.id);
    expect(finishedAtSave).toEqual({ first: 0, second: 0 }); // saved before `method_execution_finished`
  });

  it("case 40a: method-level persistence only for that method", async () => {
    const flow = await create(pYaml({ first: `{enabled: true, persistence: ${backend("s")}}` }), P);
    await flow.kickoff();
    expect(saves("s")).toEqual(["first"]);
    expect(savedStates("s")[0]!.count).toBe(1);
  });

  it("case 40b: method-level persistence only for that method (`enabled: false` opts out of flow-level)", async () => {
    const flow = await create(pYaml({ top: `{enabled: true, persistence: ${backend("s")}}`, second: "{enabled: false}" }), P);
    await flow.kickoff();
    expect(saves("s")).toEqual(["first"]);
  });

  it("case 41a: backend precedence: a method-level backend beats the flow-level one", async () => {
    const flow = await create(
      pYaml({ top: `{enabled: true, persistence: ${backend("F")}}`, second: `{enabled: true, persistence: ${backend("M")}}` }),
      P,
    );
    await flow.kickoff();
    expect(saves("F")).toEqual(["first"]);
    expect(saves("M")).toEqual(["second"]);
  });

  it("case 41b: backend precedence: the constructor backend overrides definition backends", async () => {
    const flow = await create(pYaml({ first: `{enabled: true, persistence: ${backend("M")}}` }), P, {
      persistence: new RecordingBackend("I"),
    });
    await flow.kickoff();
    expect(saves("I")).toEqual(["first"]);
    expect(saves("M")).toEqual([]);
  });

  it("case 41c: flow-level and method-level on the same method save once", async () => {
    const flow = await create(
      pYaml({ top: `{enabled: true, persistence: ${backend("S")}}`, first: `{enabled: true, persistence: ${backend("S")}}` }),
      P,
    );
    await flow.kickoff();
    expect(saves("S")).toEqual(["first", "second"]);
  });

  it("case 42: restore by id re-runs the whole flow on hydrated state", async () => {
    const yaml = pYaml({ top: `{enabled: true, persistence: ${backend("s1")}}` });
    const run1 = await create(yaml, P);
    await run1.kickoff();
    expect(run1.state.count).toBe(2);
    const id = run1.state.id as string;
    const run2 = await create(yaml, P);
    await run2.kickoff({ inputs: { id } });
    expect(order(run2)).toEqual(["first", "second"]);
    expect(run2.state.count).toBe(4);
    expect(run2.state.id).toBe(id);
    expect(savedStates("s1").filter((s) => s.id === id)).toHaveLength(4);
  });

  it("case 44: only persisted steps' snapshots come back", async () => {
    // Model{id, counter=0, message=""} as a zod model class (declares id), `persistence=` passed.
    const Model = z.object({ id: z.string().default(""), counter: z.number().default(0), message: z.string().default("") });
    const builder = defineFlow("NP")
      .start(
        "step_1",
        (f) => {
          if (f.state.counter === 1) Object.assign(f.state, { counter: 99999, message: "Step 99999" });
          else Object.assign(f.state, { counter: 1, message: "Step 1" });
        },
        { persist: { enabled: true } },
      )
      .listen("step_2", "step_1", (f) => {
        if (f.state.counter === 1) Object.assign(f.state, { counter: 2, message: "Step 2" });
      });
    const options = { initialState: Model, persistence: new RecordingBackend("np") };
    const run1 = await builder.create(options);
    await run1.kickoff();
    expect(run1.state.counter).toBe(2);
    expect(savedStates("np").at(-1)!.counter).toBe(1);
    const id = run1.state.id as string;

    // The same kickoff on the instance of run 1 is in resumption mode: nothing re-runs (§4.5).
    const before = order(run1).length;
    await run1.kickoff({ inputs: { id } });
    expect(order(run1).length).toBe(before);
    expect(run1.state.counter).toBe(1);

    const run2 = await builder.create(options);
    await run2.kickoff({ inputs: { id } });
    expect(order(run2)).toEqual(["step_1", "step_2"]);
    expect(run2.state).toMatchObject({ id, counter: 99999, message: "Step 99999" });
  });

  it("case 46: checkpoint restore and fork-id cannot be combined", async () => {
    const flow = await create(pYaml(), P);
    const checkpoint = { completed: [], outputs: [], executionCounts: {}, state: { id: "x" } };
    const error = await flow.kickoff({ fromCheckpoint: checkpoint, restoreFromStateId: "x" }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe("ValueError");
    expect(error?.message).toContain("from_checkpoint");
    expect(error?.message).toContain("restore_from_state_id");
    expect(order(flow)).toEqual([]);
    expect(eventTypes(flow)).toEqual([]); // Crewflow has no flow_created event (docs/compat.md)
  });

  it("case 47: method-level persistence alone does not hydrate on inputs.id", async () => {
    const yaml = pYaml({ first: `{enabled: true, persistence: ${backend("s")}}` });
    const run1 = await create(yaml, P);
    await run1.kickoff();
    expect(run1.state.count).toBe(2);
    const id = run1.state.id as string;
    const run2 = await create(yaml, P);
    await run2.kickoff({ inputs: { id } });
    expect(run2.state.count).toBe(2);
    expect(run2.state.id).toBe(id);
    expect(saves("s")).toEqual(["first", "first"]);
    expect(savedStates("s").map((s) => s.count)).toEqual([1, 1]);
  });

  it("case 49a: resumption mode continues unfinished chains (step_1 → step_2 → step_3: only step_3 runs)", async () => {
    const builder = defineFlow("Chain3")
      .start("step_1", () => "1")
      .listen("step_2", "step_1", () => "2")
      .listen("step_3", "step_2", () => "3");
    const persistence = new RecordingBackend("r");
    const definition = builder.definition();
    const options = { modules: builder.modules(), persistence };
    const checkpoint = {
      completed: ["step_1", "step_2"],
      outputs: [
        { method: "step_1", output: "1" },
        { method: "step_2", output: "2" },
      ],
      executionCounts: { step_1: 1, step_2: 1 },
      state: { id: "persisted-id" },
    };
    const flow = await Flow.fromCheckpoint(checkpoint, definition, options);
    expect(await flow.kickoff({ inputs: { id: "persisted-id" } })).toBe("3");
    expect(order(flow)).toEqual(["step_3"]);
  });

  it("case 49b: resumption mode continues unfinished chains (through a completed router and conditional start)", async () => {
    const builder = defineFlow("Branch")
      .start("init", () => "init")
      .router("route_to_branch", "init", () => "branch_a")
      .method("branch_a_start", { start: "branch_a" }, () => "a")
      .listen("branch_a_process", "branch_a_start", () => "processed");
    const checkpoint = {
      completed: ["init", "route_to_branch", "branch_a_start"],
      outputs: [
        { method: "init", output: "init" },
        { method: "route_to_branch", output: "branch_a" },
        { method: "branch_a_start", output: "a" },
      ],
      executionCounts: { init: 1, route_to_branch: 1, branch_a_start: 1 },
      state: { id: "s" },
    };
    const flow = await Flow.fromCheckpoint(checkpoint, builder.definition(), { modules: builder.modules() });
    expect(await flow.kickoff()).toBe("processed");
    expect(order(flow)).toEqual(["branch_a_process"]);
  });
});
