// Rules V1–V15 of the spec (§8.3): each bad document is rejected with the exact path in the diagnostic.
import { describe, expect, it } from "vitest";
import { loadDefinitionText, validateDefinition } from "../src";

type Doc = Record<string, unknown>;

function flow(methods: Doc, extra: Doc = {}): Doc {
  return { schema: "crewai.flow/v1", name: "F", ...extra, methods };
}
const start = (action: Doc, more: Doc = {}) => ({ start: true, do: action, ...more });
const expr = (e: string) => ({ call: "expression", expr: e });

/** The errors of a document as `path: message` lines. */
function errorsOf(doc: unknown): string[] {
  return validateDefinition(doc).errors.map((e) => `${e.path}: ${e.message}`);
}

function expectError(doc: unknown, path: string, message: string | RegExp): void {
  const errors = validateDefinition(doc).errors;
  const hit = errors.find((e) => e.path === path && (typeof message === "string" ? e.message.includes(message) : message.test(e.message)));
  expect(hit, `wanted ${path}: ${String(message)}; got\n${errorsOf(doc).join("\n")}`).toBeDefined();
}

describe("a valid document", () => {
  it("has no errors and keeps its methods in file order", () => {
    const result = validateDefinition(flow({ b: start(expr("state.x")), a: { listen: "b", do: { ref: "./s.mjs:f" } } }));
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.definition!.methods!)).toEqual(["b", "a"]);
    expect(result.definition!.methods!.a!.do).toEqual({ call: "code", ref: "./s.mjs:f" });
  });
});

describe("V1 method names", () => {
  it("rejects a name that is not an identifier", () => {
    expectError(flow({ "bad-name": start(expr("1")) }), "methods.bad-name", "Flow method names must match ^[A-Za-z_][A-Za-z0-9_]*$");
  });
});

describe("V2 self-listen", () => {
  it("rejects a listener on its own name", () => {
    expectError(flow({ a: start(expr("1")), p: { listen: "p", do: expr("1") } }), "methods.p.listen", "listen condition 'p' references the handler name 'p'");
  });
  it("rejects its own name anywhere in an or/and tree, showing the tree as Python does", () => {
    expectError(
      flow({ a: start(expr("1")), p: { listen: { or: ["a", { and: ["x", "p"] }] }, do: expr("1") } }),
      "methods.p.listen",
      "listen condition {'or': ['a', {'and': ['x', 'p']}]} references the handler name 'p'",
    );
  });
  it("explains the shared namespace in conversational flows", () => {
    expectError(
      flow({ create_video: { listen: "create_video", do: expr("1") } }, { conversational: { enabled: true } }),
      "methods.create_video.listen",
      "In conversational flows, @listen labels are router route names",
    );
  });
});

describe("V3 schema", () => {
  it("rejects an unknown schema id", () => {
    expectError({ ...flow({}), schema: "crewai.flow/v2" }, "schema", "Input should be 'crewai.flow/v1'");
  });
});

describe("V4 required fields", () => {
  it("requires a name", () => {
    expectError({ schema: "crewai.flow/v1", methods: {} }, "name", "Field required");
  });
  it("requires a do on every method", () => {
    expectError(flow({ a: { start: true } }), "methods.a.do", "Field required");
  });
  it("rejects a list of actions", () => {
    expectError(flow({ a: { start: true, do: [expr("1")] } }), "methods.a.do", "one action object, not a list");
  });
});

describe("V5 extra keys", () => {
  it("forbids unknown keys in actions (no if: at method level)", () => {
    expectError(flow({ a: start({ call: "expression", expr: "1", if: "true" }) }), "methods.a.do.if", "Extra inputs are not permitted");
  });
  it("forbids unknown keys in each steps", () => {
    expectError(
      flow({ a: start({ call: "each", in: "state.rows", do: [{ name: "s", then: [], action: expr("item") }] }) }),
      "methods.a.do.do[0].then",
      "Extra inputs are not permitted",
    );
  });
  it("forbids unknown keys in state variants (ref on dict state)", () => {
    expectError(flow({}, { state: { type: "dict", ref: "m:S" } }), "state.ref", "Extra inputs are not permitted");
  });
  it("ignores unknown keys at top level, in methods and in config", () => {
    const result = validateDefinition({ ...flow({ a: { ...start(expr("1")), colour: "red" } }), diagnostics: [], config: { nope: 1 } });
    expect(result.errors).toEqual([]);
  });
});

describe("V6 crew source", () => {
  it("requires exactly one of from_declaration or with", () => {
    expectError(flow({ a: start({ call: "crew" }) }), "methods.a.do", "crew action requires exactly one of from_declaration or with");
  });
  it("rejects a python ref on a crew action", () => {
    expectError(flow({ a: start({ call: "crew", ref: "m:C", from_declaration: "crew.json" }) }), "methods.a.do.ref", "Extra inputs are not permitted");
  });
});

describe("V7 inline crew shape", () => {
  const task = { description: "d", expected_output: "e", agent: "r" };
  const agent = { role: "R", goal: "G", backstory: "B" };
  const crew = (w: Doc) => flow({ a: start({ call: "crew", with: w }) });
  it("needs agents", () => {
    expectError(crew({ agents: {}, tasks: [task] }), "methods.a.do.with.agents", "crew action requires inline agent definitions");
  });
  it("needs tasks", () => {
    expectError(crew({ agents: { r: agent }, tasks: [] }), "methods.a.do.with.tasks", "crew action requires a non-empty tasks list");
  });
  it("needs mapping inputs", () => {
    expectError(crew({ agents: { r: agent }, tasks: [task], inputs: ["x"] }), "methods.a.do.with.inputs", "crew.inputs must be a mapping");
    expectError(flow({ a: start({ call: "crew", from_declaration: "c.json", inputs: "x" }) }), "methods.a.do.inputs", "crew.inputs must be a mapping");
  });
  it("checks the list form of agents", () => {
    expectError(crew({ agents: ["x"], tasks: [task] }), "methods.a.do.with.agents", "agents[0] must be an inline agent mapping");
    expectError(crew({ agents: [{ name: "" }], tasks: [task] }), "methods.a.do.with.agents", "agents[0].name must be a non-empty string");
    expectError(crew({ agents: [{ a: {}, b: {} }], tasks: [task] }), "methods.a.do.with.agents", "agents[0] must include a name field or be a one-key mapping");
  });
  it("accepts the list form and normalises it to a mapping", () => {
    const result = validateDefinition(crew({ agents: [{ name: "r", ...agent }], tasks: [task] }));
    expect(result.errors).toEqual([]);
    const action = result.definition!.methods!.a!.do;
    expect(action.call === "crew" && action.with?.agents).toEqual({ r: agent });
  });
});

describe("V8 agent action", () => {
  const agentAction = (w: Doc) => flow({ a: start({ call: "agent", with: { role: "R", goal: "G", backstory: "B", ...w } }) });
  it("needs a string input", () => {
    expectError(agentAction({ input: 42 }), "methods.a.do.with.input", "agent.input must be a string");
  });
  it("needs mapping settings", () => {
    expectError(agentAction({ input: "x", settings: "fast" }), "methods.a.do.with.settings", "agent.settings must be a mapping");
  });
});

describe("V9 each", () => {
  const each = (steps: unknown) => flow({ a: start({ call: "each", in: "state.rows", do: steps }) });
  it("needs at least one step", () => {
    expectError(each([]), "methods.a.do.do", "each.do must contain at least one step");
  });
  it("needs identifier step names", () => {
    expectError(each([{ name: "1bad", action: expr("item") }]), "methods.a.do.do[0].name", "each.do step names must match");
  });
  it("needs unique step names", () => {
    const step = { name: "same", action: expr("item") };
    expectError(each([step, step]), "methods.a.do.do[1].name", "each.do step names must be unique: 'same'");
  });
  it("forbids a nested each", () => {
    expectError(each([{ name: "s", action: { call: "each", in: "item", do: [] } }]), "methods.a.do.do[0].action.call", "Input tag \"each\" found using 'call'");
  });
  it("needs an explicit call inside steps", () => {
    expectError(each([{ name: "s", action: { ref: "m:f" } }]), "methods.a.do.do[0].action.call", "Unable to extract tag using discriminator 'call'");
  });
});

describe("V10 CEL compiles", () => {
  it("reports the expression, its path and the parser's details", () => {
    expectError(flow({ route: start(expr("state.x ==")) }), "methods.route.do.expr", /^invalid CEL expression at methods\.route\.do\.expr: 'state\.x =='\. Check the CEL syntax\. Parser details: /);
  });
  it("checks templates inside with, inputs and input", () => {
    expectError(flow({ t: start({ call: "tool", ref: "m:T", with: { q: "a ${state.} b" } }) }), "methods.t.do.with.q", "invalid CEL expression at methods.t.do.with.q");
    expectError(
      flow({ g: start({ call: "agent", with: { role: "R", goal: "G", backstory: "B", input: "x ${1 +} y" } }) }),
      "methods.g.do.with.input",
      "invalid CEL expression at methods.g.do.with.input",
    );
  });
});

describe("V11 CEL roots", () => {
  it("allows only state and outputs at flow level", () => {
    expectError(flow({ a: start(expr("inputs.topic")) }), "methods.a.do.expr", "unknown CEL root at methods.a.do.expr: 'inputs'; allowed roots: outputs, state.");
  });
  it("allows item inside each steps, not outside", () => {
    const ok = flow({ a: start({ call: "each", in: "state.rows", do: [{ name: "s", if: "item.ok", action: expr("item.v") }] }) });
    expect(errorsOf(ok)).toEqual([]);
    expectError(flow({ a: start({ call: "each", in: "item", do: [{ name: "s", action: expr("item") }] }) }), "methods.a.do.in", "unknown CEL root at methods.a.do.in: 'item'");
  });
  it("does not count macro variables as roots", () => {
    expect(errorsOf(flow({ a: start(expr("state.tags.exists(t, t == 'a')")) }))).toEqual([]);
  });
  it("numbers the expression within a template", () => {
    expectError(flow({ t: start({ call: "code", ref: "m:f", with: { q: "${state.a} and ${foo.b}" } }) }), "methods.t.do.with.q", "unknown CEL root at methods.t.do.with.q (expression 2): 'foo'");
  });
});

describe("V12 empty expressions", () => {
  it("rejects an empty expr", () => {
    expectError(flow({ a: start(expr("  ")) }), "methods.a.do.expr", "empty CEL expression at methods.a.do.expr. Provide a CEL expression such as state.topic or outputs.step_name.");
  });
  it("rejects an empty ${} in a template", () => {
    expectError(flow({ t: start({ call: "tool", ref: "m:T", with: { items: ["ok", "x ${} y"] } }) }), "methods.t.do.with.items[1]", "empty CEL expression in 'x ${} y' at methods.t.do.with.items[1]");
  });
});

describe("V13 unterminated templates", () => {
  it("rejects an unclosed ${", () => {
    expectError(flow({ t: start({ call: "tool", ref: "m:T", with: { q: "cost ${state.a" } }) }), "methods.t.do.with.q", "unterminated ${...} expression in 'cost ${state.a' at methods.t.do.with.q");
  });
});

describe("V14 state", () => {
  it("needs a mapping default", () => {
    expectError(flow({}, { state: { type: "dict", default: 42 } }), "state.default", "Input should be a valid dictionary");
  });
  it("needs a known type", () => {
    expectError(flow({}, { state: { type: "yaml" } }), "state.type", "Input tag must be one of 'dict', 'json_schema', 'pydantic', 'unknown'");
  });
  it("needs json_schema for a json_schema state", () => {
    expectError(flow({}, { state: { type: "json_schema" } }), "state.json_schema", "Field required");
  });
});

describe("V15 python references", () => {
  it("needs a dotted path", () => {
    expectError(
      flow({ g: start({ call: "agent", with: { role: "R", goal: "G", backstory: "B", input: "x", response_format: { python: "Model" } } }) }),
      "methods.g.do.with.response_format.python",
      "Python reference 'Model' must be a dotted import path like 'module.attribute'",
    );
  });
});

describe("loading text (§8.1)", () => {
  it("reports empty text, non-mappings and YAML syntax errors with line and column", () => {
    expect(loadDefinitionText("  \n").errors[0]!.message).toBe("Flow declaration contents are empty");
    expect(loadDefinitionText(" \n", { sourcePath: "/tmp/flow.yaml" }).errors[0]!.message).toBe("Flow declaration file is empty: /tmp/flow.yaml");
    for (const text of ["[]", "false", "0", "null", "~"]) expect(loadDefinitionText(text).errors[0]!.message).toBe("Flow declaration must contain a mapping");
    const broken = loadDefinitionText("name: F\nmethods:\n  a: {start: true\n", { sourcePath: "flow.yaml" });
    expect(broken.errors[0]!.message).toMatch(/^YAML syntax error at flow\.yaml:\d+:\d+: /);
  });
  it("refuses mappings and sequences used as keys, naming where, as PyYAML does", () => {
    const map = loadDefinitionText("name: F\nmethods:\n  {listen: draft}: x\n", { sourcePath: "flow.yaml" });
    expect(map.errors.map((e) => e.message)).toEqual(["YAML key at flow.yaml:3:3 is a mapping; keys must be plain values such as names"]);
    const seq = loadDefinitionText("name: F\n? [a, b]\n: 1\n");
    expect(seq.errors.map((e) => e.message)).toEqual(["YAML key at line 2, column 3 is a sequence; keys must be plain values such as names"]);
  });
  it("reads JSON as YAML", () => {
    const result = loadDefinitionText(JSON.stringify(flow({ a: start(expr("1")) })));
    expect(result.errors).toEqual([]);
  });
  it("reads YAML 1.1 booleans as CrewAI (PyYAML) does", () => {
    const result = loadDefinitionText("name: F\nmethods:\n  a:\n    start: yes\n    do: {call: expression, expr: '1'}\n");
    expect(result.definition!.methods!.a!.start).toBe(true);
  });
  it("keeps y and n as strings, as PyYAML does", () => {
    const result = loadDefinitionText("name: F\nx-crewflow: {nodes: {a: {x: 1, y: 2}}}\nmethods:\n  a: {start: true, emit: [y, n], do: {call: expression, expr: '1'}}\n");
    expect(result.definition!["x-crewflow"]).toEqual({ nodes: { a: { x: 1, y: 2 } } });
    expect(result.definition!.methods!.a!.emit).toEqual(["y", "n"]);
  });
});

describe("static build checks", () => {
  it("rejects refs that are not module:qualname", () => {
    expectError(flow({ a: start({ ref: "nocolon" }) }), "methods.a.do.ref", "invalid do ref 'nocolon'; expected 'module:qualname'");
    expectError(flow({ a: start({ ref: "m:make.<locals>.f" }) }), "methods.a.do.ref", "expected 'module:qualname'");
  });
  it("rejects inline crew agents without role, goal or backstory", () => {
    const doc = flow({ a: start({ call: "crew", with: { agents: { r: { role: "R", backstory: "B" } }, tasks: [{ description: "d", expected_output: "e", agent: "r" }] } }) });
    expectError(doc, "methods.a.do.with.agents.r.goal", "missing required field 'goal'");
  });
  it("rejects a crew declaration outside the flow file's directory", () => {
    const text = "name: F\nmethods:\n  a:\n    start: true\n    do: {call: crew, from_declaration: ../outside/crew.jsonc}\n";
    const result = loadDefinitionText(text, { sourcePath: "/p/flow.yaml" });
    expect(result.errors.map((e) => e.message)).toContain("crew declaration path must be within the flow definition directory");
  });
});
