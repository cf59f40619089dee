// Conformance cases E (definition loading and validation): conformance-cases.md §E. Loading is
// @crewflow/definition's job; building (refs, scripts) is the runtime's.
import { isRouter, loadDefinitionText, validateDefinition } from "@crewflow/definition";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { Flow, FlowScriptExecutionDisabledError } from "../../src";
import { create, load, loadErrors, order } from "./helpers";

const HEAD = "schema: crewai.flow/v1\nname: Check\n";
/** A document whose only method is `begin` with the given `do` (YAML flow mapping). */
const withDo = (action: string) => `${HEAD}methods:\n  begin: {start: true, do: ${action}}\n`;

describe("E. definition loading and validation", () => {
  describe("case 59: loader input errors", () => {
    it("case 59a: no contents", () => {
      // The TS loader takes the text itself, so "neither contents nor path" cannot be expressed; the
      // nearest input, no text at all, fails with CrewAI's message for empty contents.
      expect(loadDefinitionText("").errors.map((e) => e.message)).toEqual(["Flow declaration contents are empty"]);
    });

    it("case 59b: an empty file", () => {
      expect(loadDefinitionText(" \n", { sourcePath: "/tmp/flows/empty.yaml" }).errors.map((e) => e.message)).toEqual([
        "Flow declaration file is empty: /tmp/flows/empty.yaml",
      ]);
    });

    it("case 59c: contents that are not a mapping", () => {
      for (const text of ["[]", "false", "0", "null", "~"])
        expect(loadDefinitionText(text).errors.map((e) => e.message)).toEqual(["Flow declaration must contain a mapping"]);
    });

    it("case 59d: contents win over a non-existent path", () => {
      const result = loadDefinitionText(withDo("{call: expression, expr: \"'x'\"}"), { sourcePath: "/definitely/not/here/flow.yaml" });
      expect(result.errors).toEqual([]);
      expect(result.definition?.name).toBe("Check");
      expect(result.definition).not.toHaveProperty("source_path");
    });

    it("case 59e: JSON and the equivalent YAML give the same definition", () => {
      const json = JSON.stringify({
        schema: "crewai.flow/v1",
        name: "Same",
        state: { type: "dict", default: { topic: "ai" } },
        methods: { a: { start: true, do: { call: "expression", expr: "'a'" } }, b: { listen: { or: ["a", "x"] }, do: { ref: "m:f" } } },
      });
      const yaml = `schema: crewai.flow/v1
name: Same
state: {type: dict, default: {topic: ai}}
methods:
  a: {start: true, do: {call: expression, expr: "'a'"}}
  b:
    listen: {or: [a, x]}
    do: {ref: "m:f"}
`;
      expect(load(json)).toEqual(load(yaml));
    });
  });

  describe("case 60: schema-level validation errors", () => {
    const expression = "{call: expression, expr: \"'ok'\"}";
    const rejected: [string, string, RegExp][] = [
      ["60a", `${HEAD}methods:\n  begin: {start: true}\n`, /methods\.begin\.do/],
      ["60b", `schema: crewai.flow/v2\nname: Check\nmethods:\n  begin: {start: true, do: ${expression}}\n`, /^schema/],
      ["60c", `${HEAD}state: {type: dict, default: 42}\nmethods:\n  begin: {start: true, do: ${expression}}\n`, /state\.default/],
      ["60d", `${HEAD}methods:\n  process-rows: {start: true, do: ${expression}}\n`, /Flow method names must match/],
      ["60e", `${HEAD}state: {type: dict, ref: "x:Y"}\nmethods:\n  begin: {start: true, do: ${expression}}\n`, /state\.ref.*Extra inputs are not permitted/],
      ["60f", withDo(`{call: expression, if: "true", expr: "'ok'"}`), /methods\.begin\.do\.if.*Extra inputs are not permitted/],
    ];
    for (const [label, text, pattern] of rejected)
      it(`case ${label}: schema-level validation errors (fails with an error naming the field)`, () => {
        expect(loadErrors(text).join("\n")).toMatch(pattern);
      });

    it("case 60: schema-level validation errors (control: an unknown top-level key and `start: false` load fine)", async () => {
      const definition = load(`${HEAD}diagnostics: [old]\nmethods:\n  begin: {start: true, do: ${expression}}\n  off: {start: false, do: ${expression}}\n`);
      expect(definition).not.toHaveProperty("diagnostics");
      const flow = await Flow.create(definition);
      await flow.kickoff();
      expect(order(flow)).toEqual(["begin"]);
    });
  });

  describe("case 61: crew and agent action shape errors", () => {
    const task = "{description: D, expected_output: E, agent: researcher}";
    const agent = "{role: R, goal: G, backstory: B}";
    it("case 61a: a crew action with a python ref", () => {
      expect(loadErrors(withDo("{call: crew, ref: 'project.crew:build'}")).join("\n")).toMatch(/ref/);
    });
    it("case 61b: non-mapping inline crew inputs", () => {
      const text = withDo(`{call: crew, with: {agents: {researcher: ${agent}}, tasks: [${task}], inputs: "topic"}}`);
      expect(loadErrors(text).join("\n")).toContain("crew.inputs must be a mapping");
    });
    it("case 61c: a non-string agent input", () => {
      expect(loadErrors(withDo(`{call: agent, with: {role: R, goal: G, backstory: B, input: 123}}`)).join("\n")).toContain(
        "agent.input must be a string",
      );
    });
    it("case 61d: both or neither crew source", () => {
      const both = withDo(`{call: crew, from_declaration: crews/x, with: {agents: {researcher: ${agent}}, tasks: [${task}]}}`);
      expect(loadErrors(both).join("\n")).toContain("crew action requires exactly one of from_declaration or with");
      expect(loadErrors(withDo("{call: crew}")).join("\n")).toContain("crew action requires exactly one of from_declaration or with");
    });
    it("case 61e: empty agents or tasks", () => {
      expect(loadErrors(withDo(`{call: crew, with: {agents: [], tasks: [${task}]}}`)).join("\n")).toContain(
        "crew action requires inline agent definitions",
      );
      expect(loadErrors(withDo(`{call: crew, with: {agents: {researcher: ${agent}}, tasks: []}}`)).join("\n")).toContain(
        "crew action requires a non-empty tasks list",
      );
    });
    it("case 61f: a named agent list is normalised to a mapping", () => {
      const definition = load(withDo(`{call: crew, with: {agents: [{name: researcher, role: R, goal: G, backstory: B}], tasks: [${task}]}}`));
      const action = definition.methods!.begin!.do as { with: { agents: Record<string, unknown> } };
      expect(action.with.agents).toEqual({ researcher: { role: "R", goal: "G", backstory: "B" } });
    });
  });

  it("case 62: each-step shape errors", () => {
    const each = (steps: string) => withDo(`{call: each, in: state.rows, do: ${steps}}`);
    const step = (name: string) => `{name: ${name}, action: {call: expression, expr: "item"}}`;
    const bad: [string, RegExp][] = [
      [each("[]"), /each\.do must contain at least one step/],
      [each(`[{action: {call: expression, expr: "item"}}]`), /do\[0\]\.name: Field required/],
      [each("[{name: s}]"), /do\[0\]\.action: Field required/],
      [each(`[${step("1bad")}]`), /each\.do step names must match/],
      [each(`[{name: s, action: {call: expression, expr: "item"}, then: x}]`), /do\[0\]\.then: Extra inputs are not permitted/],
      [each(`[${step("same")}, ${step("same")}]`), /each\.do step names must be unique: 'same'/],
      [each(`[{name: s, action: {call: each, in: state.rows, do: [${step("inner")}]}}]`), /do\[0\]\.action\.call/],
    ];
    for (const [text, pattern] of bad) expect(loadErrors(text).join("\n")).toMatch(pattern);
    expect(load(each(`[${step("ok")}]`)).name).toBe("Check");
  });

  it("case 63: CEL validation at load", () => {
    const table: [string, string][] = [
      [`{call: expression, expr: "state."}`, "invalid CEL expression"],
      [`{call: expression, expr: "score >= 80"}`, "unknown CEL root"],
      [`{call: expression, expr: "inputs.topic"}`, "unknown CEL root"],
      [`{ref: "m:f", with: {q: "cost \${state.a"}}`, "unterminated"],
      [`{ref: "m:f", with: {q: "x \${} y"}}`, "empty CEL expression"],
      [`{ref: "m:f", with: {q: "a \${foo.bar} b"}}`, "unknown CEL root"],
      [`{call: agent, with: {role: R, goal: G, backstory: B, input: "\${state.}"}}`, "invalid CEL expression"],
    ];
    for (const [action, message] of table) expect(loadErrors(withDo(action)).join("\n")).toContain(message);
    // Controls: macro variables are not roots; `item` is a root inside `each` steps only.
    expect(load(withDo(`{call: expression, expr: "state.tags.exists(t, t == 'a')"}`)).name).toBe("Check");
    expect(load(withDo(`{call: each, in: state.rows, do: [{name: s, action: {call: expression, expr: "item.x"}}]}`)).name).toBe("Check");
    expect(loadErrors(withDo(`{call: expression, expr: "item.x"}`)).join("\n")).toContain("unknown CEL root");
  });

  describe("case 64: ref and build errors at construction", () => {
    it("case 64a: an unresolvable code ref loads but fails the build", async () => {
      const definition = load(withDo(`{ref: "definitely_not_a_module_xyz:nope"}`));
      await expect(Flow.create(definition)).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: expect.stringMatching(/unresolvable actions.*begin/) }),
      );
    });

    it("case 64b: malformed refs name the expected form", async () => {
      const refs = [`{call: code, ref: "no-colon-here"}`, `{call: code, ref: "mod:make.<locals>.F.begin"}`, `{call: tool, ref: "mod.StaticSearchTool"}`];
      for (const action of refs) {
        // Crewflow reports these already when the file is validated (CrewAI: when the flow is built).
        expect(loadErrors(withDo(action)).join("\n")).toContain("expected 'module:qualname'");
        // A definition that skipped validation still fails the build with CrewAI's message.
        const valid = load(withDo(`{ref: "m:f"}`));
        const raw = { ...valid, methods: { begin: { ...valid.methods!.begin!, do: parseYaml(action) as never } } };
        await expect(Flow.create(raw)).rejects.toThrow(/expected 'module:qualname'/);
      }
    });

    it("case 64c: a script action without the opt-in", async () => {
      const definition = load(withDo(`{call: script, code: "return 'x'"}`));
      const error = await Flow.create(definition, { allowScripts: false }).then(
        () => null,
        (err: unknown) => err as Error,
      );
      expect(error).toBeInstanceOf(FlowScriptExecutionDisabledError);
      expect(error?.message).toContain("CREWAI_ALLOW_FLOW_SCRIPT_EXECUTION=1");
      expect(error?.message).not.toContain("methods with unresolvable actions");
    });
  });

  it("case 65: diagnostics that only log", () => {
    const result = loadDefinitionText(`
schema: crewai.flow/v1
name: Diag
methods:
  a: {start: true, emit: [x], do: {call: expression, expr: "'a'"}}
  b: {listen: a, do: {call: expression, expr: "'b'"},
      human_feedback: {message: m, emit: ["yes", "no"], default_outcome: maybe}}
`);
    // The case writes `emit: [yes, no]` unquoted: YAML 1.1 (PyYAML and Crewflow alike) reads those as
    // booleans, which `list[str]` rejects in both, so the outcomes are quoted here.
    expect(result.errors).toEqual([]);
    const logged = result.warnings.map((w) => `${w.code} ${w.path}`);
    expect(logged).toContain("emit_without_router methods.a.emit");
    expect(logged).toContain("human_feedback_default_not_in_emit methods.b.human_feedback.default_outcome");
    expect(isRouter(result.definition!.methods!.b!)).toBe(true);
    expect(result.definition!.methods!.b!.emit ?? null).toBeNull();
  });

  it("case 66: unknown listen labels are accepted", async () => {
    const result = validateDefinition({
      schema: "crewai.flow/v1",
      name: "Typo",
      methods: {
        begin: { start: true, do: { ref: "conformance:noop" } },
        handle: { listen: "begni", do: { ref: "conformance:noop" } },
        lonely: { router: true, emit: ["x"], do: { ref: "conformance:noop" } },
      },
    });
    expect(result.errors).toEqual([]);
    // CrewAI logs nothing; Crewflow's extra editor hints (unknown_label, unreachable_method) are not CrewAI log records.
    const crewaiLogged = new Set(["emit_without_router", "human_feedback_llm_required", "human_feedback_default_requires_emit", "human_feedback_default_not_in_emit"]);
    expect(result.warnings.filter((w) => crewaiLogged.has(w.code ?? ""))).toEqual([]);
    const flow = await create(result.definition!, { noop: () => "ok" });
    await flow.kickoff();
    expect(order(flow)).toEqual(["begin"]);
  });
});
