// Conformance cases B (state): conformance-cases.md §B.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Flow, type FlowHandle, defineFlow } from "../../src";
import { create, eventTypes, eventsOf, load, order, startedOf, UUID } from "./helpers";

describe("B. state", () => {
  it("case 31: unstructured state id", async () => {
    let id1: unknown;
    let seenInM2: unknown;
    const flow = await defineFlow("U")
      .start("m1", (f) => {
        id1 = f.state.id;
        f.state.data = "example";
      })
      .listen("m2", "m1", (f) => {
        seenInM2 = f.state.id;
        f.state.more_data = "test";
      })
      .create();
    await flow.kickoff();
    expect(id1).toMatch(UUID);
    expect(String(id1)).toHaveLength(36);
    expect(seenInM2).toBe(id1);
    expect(flow.state).toEqual({ id: id1, data: "example", more_data: "test" });
  });

  it("case 32: typed state gets an id automatically", async () => {
    // CrewAI's `Flow[Model]` with a model lacking `id`: a zod model behind a `pydantic` ref is wrapped with an id.
    const Model = z.object({ counter: z.number().int().default(0), message: z.string().default("initial") });
    const ids: unknown[] = [];
    const flow = await defineFlow("T", { state: { type: "pydantic", ref: "conformance:Model" } })
      .start("m1", (f) => {
        ids.push(f.state.id);
        f.state.counter = (f.state.counter as number) + 1;
        f.state.message = "updated";
      })
      .listen("m2", "m1", (f) => {
        ids.push(f.state.id);
        f.state.counter = (f.state.counter as number) + 1;
        f.state.message = "final";
      })
      .create({ modules: new Map([["conformance", { Model }]]) });
    const initialId = flow.state.id;
    await flow.kickoff();
    expect(initialId).toMatch(UUID);
    expect(ids).toEqual([initialId, initialId]);
    expect(flow.state).toEqual({ id: initialId, counter: 2, message: "final" });
  });

  it("case 33: inputs merge into dict state and appear in events", async () => {
    const flow = await defineFlow("In")
      .start("first", (f) => {
        f.state.flower = "roses";
        return f.state.value ?? "default";
      })
      .listen("second", "first", (f) => f.state.separator)
      .create();
    expect(await flow.kickoff({ inputs: { value: "custom", separator: ", " } })).toBe(", ");
    expect(eventsOf(flow, "flow_started")[0]!.inputs).toEqual({ value: "custom", separator: ", " });
    const firstState = startedOf(flow, "first")[0]!.state as Record<string, unknown>;
    expect(firstState).toHaveProperty("separator", ", ");
    expect(firstState).not.toHaveProperty("flower");
    expect((startedOf(flow, "second")[0]!.state as Record<string, unknown>).flower).toBe("roses");
  });

  const JS_YAML = `
schema: crewai.flow/v1
name: JS
state: {type: json_schema, json_schema: {title: S, type: object, properties: {count: {type: integer, default: 0}}}}
methods:
  begin: {start: true, do: {call: expression, expr: "state.count"}}
`;

  it("case 34: typed state rejects invalid inputs before anything runs", async () => {
    const flow = await create(JS_YAML, {});
    const error = await flow.kickoff({ inputs: { count: "not-a-number" } }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe("ValueError");
    expect(error?.message).toMatch(/^Invalid inputs for structured state/);
    expect(order(flow)).toEqual([]);
    expect(eventTypes(flow)).toEqual([]); // neither flow_started nor flow_failed

    const ok = await create(JS_YAML, {});
    expect(await ok.kickoff({ inputs: { count: 5 } })).toBe(5);
  });

  it("case 36: dict-state defaults are copied per instance", async () => {
    const definition = load(`
schema: crewai.flow/v1
name: DictState
state: {type: dict, default: {count: 5}}
methods:
  begin: {start: true, do: {ref: "conformance:mark_ran"}}
`);
    const handlers = {
      mark_ran: (flow: FlowHandle) => {
        flow.state.begin_ran = true;
        return "hello";
      },
    };
    const first = await create(definition, handlers);
    expect(first.state).toEqual({ count: 5, id: expect.stringMatching(UUID) });
    await first.kickoff();
    expect(first.state.begin_ran).toBe(true);
    const second = await create(definition, handlers);
    expect(second.state).toEqual({ count: 5, id: expect.stringMatching(UUID) });
    expect(second.state.id).not.toBe(first.state.id);
    expect(definition.state).toEqual({ type: "dict", default: { count: 5 } });
  });

  describe("case 37: typed state defaults overlay, ref fallback, unknown type", () => {
    const methods = `
methods:
  begin:  {start: true, do: {ref: "conformance:begin"}}
  finish: {listen: begin, do: {ref: "conformance:finish"}}
`;
    const CounterState = z.object({ count: z.number().int().default(0), label: z.string().default("none") });
    const handlers = {
      CounterState,
      begin: (flow: FlowHandle) => {
        flow.state.count = (flow.state.count as number) + 1;
        return flow.state.count;
      },
      finish: (flow: FlowHandle) => {
        flow.state.label = `count=${String(flow.state.count)}`;
        return flow.state.label;
      },
    };

    it("case 37a: pydantic ref with a default overlay", async () => {
      const flow = await create(
        `schema: crewai.flow/v1\nname: Overlay\nstate: {type: pydantic, ref: "conformance:CounterState", default: {count: 5}}\n${methods}`,
        handlers,
      );
      expect(await flow.kickoff()).toBe("count=6");
    });

    it("case 37b: an unimportable pydantic ref falls back to its json_schema (typed state)", async () => {
      const text = `schema: crewai.flow/v1
name: Fallback
state:
  type: pydantic
  ref: "missing_module:Nope"
  json_schema: {title: CounterState, type: object, properties: {count: {type: integer, default: 0}, label: {type: string, default: none}}}
${methods}`;
      const flow = await create(text, handlers);
      expect(await flow.kickoff()).toBe("count=1");
      // Typed: a JSON-Schema state forbids unknown keys.
      const again = await create(text, handlers);
      await expect(again.kickoff({ inputs: { bogus: 1 } })).rejects.toThrow(/Invalid inputs for structured state/);
    });

    it("case 37c: unknown state type falls back to dict state with a warning", async () => {
      const flow = await create(
        `schema: crewai.flow/v1
name: Unknown
state: {type: unknown, ref: "somewhere:Something"}
methods:
  begin: {start: true, do: {ref: "conformance:mark"}}
`,
        { mark: (f: FlowHandle) => (f.state.anything = "goes") },
      );
      expect(flow.warnings.join("\n")).toContain("falling back to dict state");
      await flow.kickoff({ inputs: { extra: 1 } }); // a dict state takes any key
      expect(flow.state).toEqual({ id: expect.stringMatching(UUID), extra: 1, anything: "goes" });
    });
  });

  it("case 38: state model class without id", async () => {
    // TypeScript mapping (docs/compat.md): a zod object schema is a model *class*; a plain object is an *instance*.
    const ModelWithoutId = z.object({ counter: z.number().default(0) });
    const definition = defineFlow("F").start("m", () => "m").definition();
    const modules = defineFlow("F").start("m", () => "m").modules();
    await expect(Flow.create(definition, { modules, initialState: ModelWithoutId })).rejects.toThrow(
      expect.objectContaining({ name: "ValueError", message: "Flow state model must have an 'id' field" }),
    );
    const instance = ModelWithoutId.parse({ counter: 3 });
    const flow = await Flow.create(definition, { modules, initialState: instance });
    expect(flow.state).toEqual({ counter: 3, id: expect.stringMatching(UUID) });
    expect(instance).toEqual({ counter: 3 }); // the instance is copied, not mutated
    // A model class that declares `id` is instantiated with a fresh UUID.
    const WithId = z.object({ id: z.string().default(""), counter: z.number().default(0) });
    const typed = await Flow.create(definition, { modules, initialState: WithId });
    expect(typed.state).toEqual({ id: expect.stringMatching(UUID), counter: 0 });
    await expect(Flow.create(definition, { modules, initialState: 42 as never })).rejects.toThrow(/Initial state must be dict or BaseModel, got/);
  });
});
