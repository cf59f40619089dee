// Engine details behind the conformance cases that no case pins on its own.
import { describe, expect, it } from "vitest";
import { defineFlow, or_ } from "../src";
import { jsonSchemaState } from "../src/state/model";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe("racing groups", () => {
  it("only the first group (definition order) races when a batch holds two", async () => {
    const flow = await defineFlow("TwoRaces")
      .start("begin", () => "go")
      .listen("a1", "begin", async () => {
        await sleep(30);
        return "a1";
      })
      .listen("a2", "begin", () => "a2")
      .listen("b1", "begin", async () => {
        await sleep(30);
        return "b1";
      })
      .listen("b2", "begin", () => "b2")
      .listen("first", or_("a1", "a2"), () => "first")
      .listen("second", or_("b1", "b2"), () => "second")
      .create();
    await flow.kickoff();
    const outputs = flow.methodOutputs;
    // a1 lost the race of `first`; b1 is an ordinary listener of the batch and completes.
    expect(outputs).not.toContain("a1");
    expect(outputs).toContain("b1");
    expect(outputs.filter((o) => o === "first")).toHaveLength(1);
    expect(outputs.filter((o) => o === "second")).toHaveLength(1);
  });
});

describe("JSON-Schema state", () => {
  const model = jsonSchemaState({
    type: "object",
    properties: { n: { type: "integer" }, note: { type: ["string", "null"] }, opt: { type: "integer" }, level: { type: "integer", default: 3 } },
    required: ["n", "note"],
  });

  it("rejects null for a field that does not allow it instead of coercing it to 0", () => {
    const state = model.create({ n: 1, note: "x" });
    expect(() => model.merge(state, { n: null })).toThrow("Invalid inputs for structured state: n: Input should not be None");
    expect(model.merge(state, { note: null, opt: null })).toMatchObject({ n: 1, note: null, opt: null });
    expect(model.merge(state, { n: "5" })).toMatchObject({ n: 5 }); // lax coercion of numeric text stays
  });

  it("keeps an explicit null on an optional property instead of restoring its default", () => {
    const state = model.create({ n: 1, note: "x" });
    expect(state.level).toBe(3);
    expect(model.merge(state, { level: null })).toMatchObject({ level: null });
    expect(model.merge(state, {})).toMatchObject({ level: 3 });
  });

  it("compiles a schema object once, and keeps nothing of the schemas it compiled (a server builds flows all day)", () => {
    const schema = { type: "object", properties: { n: { type: "integer" } } };
    expect(jsonSchemaState(schema)).toBe(jsonSchemaState(schema));
    expect(jsonSchemaState({ ...schema })).not.toBe(jsonSchemaState(schema));
    // Another object with the same content still validates the same way.
    expect(() => jsonSchemaState({ ...schema }).create({ n: "x" })).toThrow(/n: must be integer/);
  });
});
