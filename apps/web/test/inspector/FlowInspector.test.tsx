import { type FlowDefinition, validateDefinition } from "@crewflow/definition";
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { frozen, renderFlow } from "./harness";

afterEach(cleanup);

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading test data

const data = (d: FlowDefinition): Data => d as unknown as Data;
const alerts = () => screen.queryAllByRole("alert").map((a) => a.textContent ?? "");

const base = () =>
  frozen({
    schema: "crewai.flow/v1",
    name: "Demo",
    "x-crewflow": { viewport: { x: 0, y: 0, zoom: 1 } },
    unknown_key: [1, 2],
    methods: { begin: { start: true, do: { call: "expression", expr: "state.topic" } } },
  });

describe("FlowInspector", () => {
  it("builds a typed state: fields with types, required and defaults", async () => {
    const { user, recorded } = renderFlow(base());
    await user.click(screen.getByRole("button", { name: "Add state field" }));
    const name = screen.getByLabelText("Field 1 name");
    await user.clear(name);
    await user.type(name, "topic");
    await user.tab();
    await user.click(screen.getByLabelText("Field 1 required"));
    await user.type(screen.getByLabelText("Field 1 default"), "AI agents");

    await user.click(screen.getByRole("button", { name: "Add state field" }));
    await user.selectOptions(screen.getByLabelText("Field 2 type"), "integer");
    const limit = screen.getByLabelText("Field 2 default");
    await user.type(limit, "3.5");
    expect(alerts().join()).toContain("the default must be an integer");
    await user.clear(limit);
    await user.type(limit, "3");
    expect(alerts()).toEqual([]);

    const latest = data(recorded.latest());
    expect(latest.state).toEqual({
      type: "json_schema",
      json_schema: { type: "object", properties: { topic: { type: "string" }, field_1: { type: "integer" } }, required: ["topic"] },
      default: { topic: "AI agents", field_1: 3 },
    });
    expect(latest.unknown_key).toEqual([1, 2]);
    expect(latest["x-crewflow"]).toEqual({ viewport: { x: 0, y: 0, zoom: 1 } });
    expect(validateDefinition(recorded.latest()).errors).toEqual([]);
  });

  it("renames, retypes and removes fields of a hand-written schema without losing what it does not show", async () => {
    const input = structuredClone(base()) as Data;
    input.state = {
      type: "json_schema",
      json_schema: {
        type: "object",
        title: "State",
        properties: { count: { type: "integer", minimum: 0 }, tags: { type: "array", items: { type: "string" } } },
        required: ["count"],
      },
      default: { count: 2, tags: ["a"] },
    };
    const { user, recorded } = renderFlow(frozen(input));
    expect((screen.getByLabelText("Field 1 default") as HTMLInputElement).value).toBe("2");
    expect((screen.getByLabelText("Field 2 default") as HTMLInputElement).value).toBe('["a"]');
    expect((screen.getByLabelText("Field 1 required") as HTMLInputElement).checked).toBe(true);

    const name = screen.getByLabelText("Field 1 name");
    await user.clear(name);
    await user.type(name, "total{Enter}");
    await user.selectOptions(screen.getByLabelText("Field 1 type"), "number");
    await user.click(screen.getByRole("button", { name: "Remove field 2" }));
    expect(data(recorded.latest()).state).toEqual({
      type: "json_schema",
      json_schema: { type: "object", title: "State", properties: { total: { type: "number", minimum: 0 } }, required: ["total"] },
      default: { total: 2 },
    });
  });

  it("edits the flow name, description, config and persistence, dropping empty blocks", async () => {
    const { user, recorded } = renderFlow(base());
    const name = screen.getByLabelText("Name");
    await user.clear(name);
    await user.type(name, "Research");
    await user.type(screen.getByLabelText("Max method calls"), "25");
    await user.click(screen.getByLabelText("Stream LLM output"));
    await user.type(screen.getByLabelText("Checkpoint"), "maybe");
    expect(alerts().join()).toContain("Checkpoint: invalid JSON");
    await user.clear(screen.getByLabelText("Checkpoint"));
    await user.click(screen.getByLabelText("Persist state"));
    expect(data(recorded.latest())).toMatchObject({ name: "Research", config: { max_method_calls: 25, stream: true }, persist: { enabled: true } });

    await user.clear(screen.getByLabelText("Max method calls"));
    await user.click(screen.getByLabelText("Stream LLM output"));
    await user.click(screen.getByLabelText("Persist state"));
    const latest = data(recorded.latest());
    expect(latest).not.toHaveProperty("config");
    expect(latest).not.toHaveProperty("persist");
    expect(Object.keys(latest)).toEqual(["schema", "name", "x-crewflow", "unknown_key", "methods"]);
  });

  it("switches the state kind, keeping the defaults and offering every kind of the schema", async () => {
    const input = structuredClone(base()) as Data;
    input.state = { type: "dict", default: { topic: "x", limit: 3 } };
    const { user, recorded } = renderFlow(input);
    const kind = screen.getByLabelText("State kind") as HTMLSelectElement;
    expect([...kind.options].map((o) => o.value).sort()).toEqual(["dict", "json_schema", "none", "pydantic", "unknown"]);
    expect((screen.getByLabelText("Field 2 default") as HTMLInputElement).value).toBe("3");
    expect((screen.getByLabelText("Field 2 type") as HTMLSelectElement).value).toBe("integer");
    await user.selectOptions(kind, "pydantic");
    await user.type(screen.getByLabelText("State model"), "app.State");
    expect(data(recorded.latest()).state).toEqual({ type: "pydantic", default: { topic: "x", limit: 3 }, ref: "app.State" });
    await user.selectOptions(screen.getByLabelText("State kind"), "none");
    expect(data(recorded.latest())).not.toHaveProperty("state");
  });

  it("shows flow-level problems under their field", () => {
    const input = structuredClone(base()) as Data;
    input.config = { max_method_calls: "lots" };
    renderFlow(input);
    expect(screen.getByText("Input should be a valid integer")).toBeTruthy();
  });
});
