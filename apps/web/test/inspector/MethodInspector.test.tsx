import { ACTION_CALLS, type FlowDefinition, validateDefinition } from "@crewflow/definition";
import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { frozen, renderMethod } from "./harness";

afterEach(cleanup);

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading test data

const methodsOf = (d: FlowDefinition): Data => (d as unknown as Data).methods;

/** A CrewAI file with keys Crewflow does not know at every level. */
const base = () =>
  frozen({
    schema: "crewai.flow/v1",
    name: "Demo",
    "x-crewflow": { nodes: { begin: { x: 1, y: 2 } } },
    future_top_level: { keep: true },
    methods: {
      begin: { start: true, do: { call: "expression", expr: "state.topic" }, future_method_key: 7 },
      later: { listen: "begin", do: { call: "script", code: "print(1)" } },
    },
  });

const alerts = () => screen.queryAllByRole("alert").map((a) => a.textContent ?? "");

describe("MethodInspector", () => {
  it("edits an expression, keeping unknown keys and the input untouched", async () => {
    const input = base();
    const { user, recorded } = renderMethod(input, "begin");
    const field = screen.getByLabelText("Expression");
    await user.clear(field);
    await user.type(field, "state.count + 1");
    const latest = recorded.latest() as unknown as Data;
    expect(latest.methods.begin.do).toEqual({ call: "expression", expr: "state.count + 1" });
    expect(latest.methods.begin.future_method_key).toBe(7);
    expect(latest.future_top_level).toEqual({ keep: true });
    expect(latest["x-crewflow"]).toEqual({ nodes: { begin: { x: 1, y: 2 } } });
    expect(latest.methods.later).toBe(input.methods.later);
    expect(Object.keys(latest.methods)).toEqual(["begin", "later"]);
    expect(input.methods.begin.do.expr).toBe("state.topic");
  });

  it("shows CEL errors inline while typing and clears them once the expression is valid", async () => {
    const { user, recorded } = renderMethod(base(), "begin");
    const field = screen.getByLabelText("Expression");
    await user.clear(field);
    await user.type(field, "state.(");
    expect(alerts().join()).toContain("invalid CEL expression at methods.begin.do.expr");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    await user.clear(field);
    await user.type(field, "secrets.key");
    expect(alerts().join()).toContain("unknown CEL root at methods.begin.do.expr: 'secrets'");
    await user.clear(field);
    await user.type(field, "outputs.later");
    expect(alerts()).toEqual([]);
    // The invalid text still reached the definition (nothing typed is lost), and the last one is valid.
    expect(recorded.changes.some((d) => methodsOf(d).begin.do.expr === "state.(")).toBe(true);
    expect(validateDefinition(recorded.latest()).errors).toEqual([]);
  });

  it("writes the listen condition from text and refuses text that does not parse", async () => {
    const { user, recorded } = renderMethod(base(), "later");
    const field = screen.getByLabelText("Listens to");
    expect((field as HTMLInputElement).value).toBe("begin");
    await user.clear(field);
    await user.type(field, "and(begin, or(a, b))");
    expect(methodsOf(recorded.latest()).later.listen).toEqual({ and: ["begin", { or: ["a", "b"] }] });
    await user.type(field, ", c");
    expect(alerts().join()).toContain("Condition: unexpected ','");
    expect(methodsOf(recorded.latest()).later.listen).toEqual({ and: ["begin", { or: ["a", "b"] }] });
    await user.clear(field);
    expect(methodsOf(recorded.latest()).later).not.toHaveProperty("listen");
  });

  it("keeps condition keys the text form cannot show", async () => {
    const input = base();
    const data = structuredClone(input) as Data;
    data.methods.later.listen = { or: ["begin", "x"], note: "kept" };
    const { user, recorded } = renderMethod(data, "later");
    const field = screen.getByLabelText("Listens to");
    expect((field as HTMLInputElement).value).toBe("or(begin, x)");
    await user.type(field, "{backspace}, y)");
    expect(methodsOf(recorded.latest()).later.listen).toEqual({ or: ["begin", "x", "y"], note: "kept" });
  });

  it("makes a router with emit labels", async () => {
    const { user, recorded } = renderMethod(base(), "later");
    expect(screen.queryByRole("group", { name: "Emits" })).toBeNull();
    await user.click(screen.getByLabelText("Router"));
    await user.click(screen.getByRole("button", { name: "Add emit label" }));
    await user.click(screen.getByRole("button", { name: "Add emit label" }));
    const second = screen.getByLabelText("Emit label 2");
    await user.clear(second);
    await user.type(second, "done");
    expect(methodsOf(recorded.latest()).later).toMatchObject({ router: true, emit: ["label_1", "done"] });
    await user.click(screen.getByRole("button", { name: "Remove emit label 1" }));
    expect(methodsOf(recorded.latest()).later.emit).toEqual(["done"]);
    // Unheard labels are flagged under the field.
    expect(within(screen.getByRole("group", { name: "Emits" })).getByText(/router label 'done' of 'later' is never listened to/)).toBeTruthy();
  });

  it("renames on leaving the name field, and refuses a taken or invalid name", async () => {
    const { user, recorded } = renderMethod(base(), "later");
    const field = screen.getByLabelText("Method name");
    await user.clear(field);
    await user.type(field, "begin");
    await user.tab();
    expect(alerts().join()).toContain("There is already a method named 'begin'");
    await user.clear(field);
    await user.type(field, "2bad");
    await user.tab();
    expect(alerts().join()).toContain("A method name is letters");
    expect(recorded.renames).toEqual([]);
    await user.clear(field);
    await user.type(field, "summarise{Enter}");
    expect(recorded.renames).toEqual([["later", "summarise"]]);
  });

  it("builds a crew: agents, tasks with an agent select and a JSON output schema", async () => {
    const { user, recorded } = renderMethod(base(), "later");
    await user.selectOptions(screen.getByLabelText("Action"), "crew");
    await user.click(screen.getByRole("button", { name: "Add agent" }));
    await user.type(screen.getByLabelText("Agent 1 role"), "Researcher");
    await user.type(screen.getByLabelText("Agent 1 goal"), "Find facts");
    await user.type(screen.getByLabelText("Agent 1 backstory"), "Curious");
    await user.type(screen.getByLabelText("Agent 1 LLM"), "openai/gpt-4o-mini");
    await user.type(screen.getByLabelText("Agent 1 tools"), "search\nscrape");
    await user.click(screen.getByRole("button", { name: "Add task" }));
    await user.type(screen.getByLabelText("Task 1 description"), "Research {{topic}");
    await user.type(screen.getByLabelText("Task 1 expected output"), "Notes");
    const agentSelect = screen.getByLabelText("Task 1 agent") as HTMLSelectElement;
    expect([...agentSelect.options].map((o) => o.value)).toEqual(["", "agent_1"]);
    expect(agentSelect.value).toBe("agent_1");

    const schema = screen.getByLabelText("Task 1 output schema");
    await user.type(schema, '{{"type": "object"');
    expect(alerts().join()).toContain("Task 1 output schema: invalid JSON");
    await user.type(schema, "}");
    expect(alerts()).toEqual([]);

    const action = methodsOf(recorded.latest()).later.do;
    expect(action).toEqual({
      call: "crew",
      with: {
        agents: { agent_1: { role: "Researcher", goal: "Find facts", backstory: "Curious", llm: "openai/gpt-4o-mini", tools: ["search", "scrape"] } },
        tasks: [{ description: "Research {topic}", expected_output: "Notes", agent: "agent_1", output_json: { type: "object" } }],
      },
    });
    expect(validateDefinition(recorded.latest()).errors).toEqual([]);
  });

  it("renames a crew agent and its task references, keeping the list form CrewAI files may use", async () => {
    const data = structuredClone(base()) as Data;
    data.methods.later.do = {
      call: "crew",
      with: {
        agents: [{ name: "writer", role: "W", goal: "G", backstory: "B", verbose: true }],
        tasks: [{ description: "D", expected_output: "O", agent: "writer", markdown: true }],
        verbose: true,
      },
    };
    const { user, recorded } = renderMethod(frozen(data), "later");
    const name = screen.getByLabelText("Agent 1 name");
    await user.clear(name);
    await user.type(name, "author");
    await user.tab();
    const crew = methodsOf(recorded.latest()).later.do.with;
    expect(crew.agents).toEqual([{ name: "author", role: "W", goal: "G", backstory: "B", verbose: true }]);
    expect(crew.tasks).toEqual([{ description: "D", expected_output: "O", agent: "author", markdown: true }]);
    expect(crew.verbose).toBe(true);
  });

  it("reorders tasks and switches a crew to a crew file", async () => {
    const data = structuredClone(base()) as Data;
    data.methods.later.do = {
      call: "crew",
      with: { agents: { a: { role: "r", goal: "g", backstory: "b" } }, tasks: [{ description: "first", expected_output: "o" }, { description: "second", expected_output: "o" }] },
    };
    const { user, recorded } = renderMethod(data, "later");
    expect(screen.queryByRole("button", { name: "Move task 1 up" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Move task 2 up" }));
    expect(methodsOf(recorded.latest()).later.do.with.tasks.map((t: Data) => t.description)).toEqual(["second", "first"]);
    await user.selectOptions(screen.getByLabelText("Crew source"), "file");
    await user.type(screen.getByLabelText("Crew file"), "crews/research.yaml");
    expect(methodsOf(recorded.latest()).later.do).toEqual({ call: "crew", from_declaration: "crews/research.yaml" });
  });

  it("tells which state fields and outputs a CEL field can read", () => {
    const data = structuredClone(base()) as Data;
    data.state = { type: "json_schema", json_schema: { type: "object", properties: { topic: { type: "string" } } } };
    renderMethod(data, "begin");
    expect(screen.getByText("CEL; can read state.topic, outputs.later")).toBeTruthy();
  });

  it("flags a task whose agent is gone", async () => {
    const data = structuredClone(base()) as Data;
    data.methods.later.do = {
      call: "crew",
      with: { agents: { a: { role: "r", goal: "g", backstory: "b" } }, tasks: [{ description: "d", expected_output: "o", agent: "a" }] },
    };
    const { user, recorded } = renderMethod(data, "later");
    await user.click(screen.getByRole("button", { name: "Remove agent 1" }));
    const crew = methodsOf(recorded.latest()).later.do.with;
    expect(crew.agents).toEqual({});
    expect(crew.tasks[0]).not.toHaveProperty("agent");
    expect(screen.getByText("crew action requires inline agent definitions")).toBeTruthy();
  });

  it("edits an agent action with a checked input template and response format", async () => {
    const { user, recorded } = renderMethod(base(), "later");
    await user.selectOptions(screen.getByLabelText("Action"), "agent");
    await user.type(screen.getByLabelText("Agent role"), "Critic");
    const input = screen.getByLabelText("Input");
    await user.type(input, "Review ${{state.draft");
    expect(alerts().join()).toContain("unterminated");
    await user.type(input, "}");
    expect(alerts()).toEqual([]);
    await user.type(screen.getByLabelText("Response format"), '{{"python": "nodots"}');
    expect(alerts().join()).toContain("must be a dotted import path");
    expect(methodsOf(recorded.latest()).later.do).toEqual({
      call: "agent",
      with: { role: "Critic", goal: "", backstory: "", input: "Review ${state.draft}" },
    });
  });

  it("edits each loops: the list, step conditions that may read item, and the step actions", async () => {
    const { user, recorded } = renderMethod(base(), "later");
    await user.selectOptions(screen.getByLabelText("Action"), "each");
    const items = screen.getByLabelText("Items");
    await user.type(items, "item.all");
    expect(alerts().join()).toContain("unknown CEL root at methods.later.do.in: 'item'");
    await user.clear(items);
    await user.type(items, "state.topics");
    await user.type(screen.getByLabelText("Step 1 condition"), "size(item) > 0");
    expect(alerts()).toEqual([]);
    await user.selectOptions(screen.getByLabelText("Step 1 action"), "script");
    expect((screen.getByLabelText("Step 1 action") as HTMLSelectElement).querySelector('option[value="each"]')).toBeNull();
    await user.type(screen.getByLabelText("Step 1 Code"), "x = 1");
    await user.click(screen.getByRole("button", { name: "Add step" }));
    expect(methodsOf(recorded.latest()).later.do).toEqual({
      call: "each",
      in: "state.topics",
      do: [
        { name: "step_1", if: "size(item) > 0", action: { call: "script", code: "x = 1" } },
        { name: "step_2", action: { call: "expression", expr: "item" } },
      ],
    });
    expect(validateDefinition(recorded.latest()).errors).toEqual([]);
  });

  it("edits code refs, start modes, human feedback and persistence", async () => {
    const { user, recorded } = renderMethod(base(), "later");
    await user.selectOptions(screen.getByLabelText("Action"), "code");
    await user.type(screen.getByLabelText("Reference"), "nocolon");
    expect(screen.getByText("invalid do ref 'nocolon'; expected 'module:qualname'")).toBeTruthy();
    await user.type(screen.getByLabelText("Reference"), ":fn");
    await user.selectOptions(screen.getByLabelText("Start"), "condition");
    await user.type(screen.getByLabelText("Start condition"), "retry");
    await user.click(screen.getByLabelText("Ask for human feedback"));
    await user.type(screen.getByLabelText("Feedback message"), "Approve?");
    await user.type(screen.getByLabelText("Feedback outcomes"), "approved\nrejected");
    await user.selectOptions(screen.getByLabelText("Default outcome"), "rejected");
    await user.selectOptions(screen.getByLabelText("Persist state"), "off");
    const later = methodsOf(recorded.latest()).later;
    expect(later).toEqual({
      listen: "begin",
      do: { call: "code", ref: "nocolon:fn" },
      start: "retry",
      human_feedback: { message: "Approve?", emit: ["approved", "rejected"], default_outcome: "rejected" },
      persist: { enabled: false },
    });
  });

  it("offers every action kind of the definition schema", () => {
    renderMethod(base(), "begin");
    const options = [...(screen.getByLabelText("Action") as HTMLSelectElement).options].map((o) => o.value);
    expect(options.sort()).toEqual(["none", ...ACTION_CALLS].sort());
  });

  it("changes nothing when read-only", async () => {
    const { user, recorded } = renderMethod(base(), "begin", true);
    expect((screen.getByLabelText("Expression") as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText("Action") as HTMLSelectElement).disabled).toBe(true);
    await user.type(screen.getByLabelText("Expression"), "x");
    await user.click(screen.getByLabelText("Router"));
    expect(recorded.changes).toEqual([]);
  });
});
