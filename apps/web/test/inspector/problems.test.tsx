import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { type FlowDefinition, validateDefinition } from "@crewflow/definition";
import { type Problem, ProblemsList, problemsOf } from "../../src/inspector";

afterEach(cleanup);

const flow = (methods: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ schema: "crewai.flow/v1", name: "Demo", ...extra, methods }) as unknown as FlowDefinition;

describe("problemsOf", () => {
  it("finds nothing wrong with a sound flow", () => {
    const problems = problemsOf(
      flow({
        begin: { start: true, do: { call: "expression", expr: "state.topic" } },
        route: { listen: "begin", router: true, emit: ["done"], do: { call: "expression", expr: "'done'" } },
        finish: { listen: "done", do: { call: "expression", expr: "outputs.begin" } },
      }),
    );
    expect(problems).toEqual([]);
  });

  it("reports a broken CEL expression at its field, under its method", () => {
    const problems = problemsOf(flow({ begin: { start: true, do: { call: "expression", expr: "state.(" } } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: "error", path: "methods.begin.do.expr", method: "begin" });
    expect(problems[0]!.message).toContain("invalid CEL expression");
  });

  it("reports CEL roots an each step may not read and template errors inside an agent input", () => {
    const problems = problemsOf(
      flow({
        loop: {
          start: true,
          do: { call: "each", in: "item.list", do: [{ name: "s", if: "item > 1 && bogus", action: { call: "expression", expr: "item" } }] },
        },
        ask: { listen: "loop", do: { call: "agent", with: { role: "r", goal: "g", backstory: "b", input: "Hello ${state.name" } } },
      }),
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath["methods.loop.do.in"]?.message).toContain("unknown CEL root");
    expect(byPath["methods.loop.do.do[0].if"]?.message).toContain("'bogus'");
    expect(byPath["methods.ask.do.with.input"]?.method).toBe("ask");
    expect(byPath["methods.ask.do.with.input"]?.message).toContain("unterminated");
  });

  it("reports crew mistakes: a task naming an unknown agent, a missing role, a context naming a later task", () => {
    const problems = problemsOf(
      flow({
        crew: {
          start: true,
          do: {
            call: "crew",
            with: {
              agents: { writer: { goal: "g", backstory: "b" } },
              tasks: [
                { description: "d", expected_output: "o", agent: "editor", context: ["later"] },
                { name: "later", description: "d", expected_output: "o", agent: "writer" },
              ],
            },
          },
        },
      }),
    );
    expect(problems.map((p) => [p.path, p.method])).toEqual(
      expect.arrayContaining([
        ["methods.crew.do.with.agents.writer.role", "crew"],
        ["methods.crew.do.with.tasks[0].agent", "crew"],
        ["methods.crew.do.with.tasks[0].context", "crew"],
      ]),
    );
    expect(problems.every((p) => p.severity === "error")).toBe(true);
  });

  it("reports schema errors (missing action, unknown action kind) and keeps the semantic warnings of the rest", () => {
    const problems = problemsOf(
      flow({
        begin: { start: true },
        middle: { listen: "begni", do: { call: "teleport" } },
      }),
    );
    const begin = problems.find((p) => p.path === "methods.begin.do");
    expect(begin).toMatchObject({ severity: "error", method: "begin", message: "Field required" });
    expect(problems.find((p) => p.path.startsWith("methods.middle.do"))?.message).toContain("does not match any of the expected tags");
    // Even though the file does not load, the typo in the listen condition is still pointed out.
    const typo = problems.find((p) => p.path === "methods.middle.listen");
    expect(typo).toMatchObject({ severity: "warning", method: "middle" });
    expect(typo?.message).toContain("nothing declared produces 'begni'");
  });

  it("reports flow-level problems without a method, and bad method names", () => {
    const problems = problemsOf({ name: 3, state: { type: "weird" }, methods: { "bad-name": { start: true, do: { call: "script", code: "" } } } } as unknown as FlowDefinition);
    expect(problems.find((p) => p.path === "name")).toMatchObject({ severity: "error" });
    expect(problems.find((p) => p.path === "name")?.method).toBeUndefined();
    expect(problems.find((p) => p.path.startsWith("state"))?.message).toContain("'dict', 'json_schema'");
    expect(problems.find((p) => p.message.includes("Flow method names must match"))?.method).toBe("bad-name");
  });

  it("warns about routers whose labels nobody listens to and methods that never run", () => {
    const problems = problemsOf(
      flow({
        begin: { start: true, router: true, emit: ["yes", "no"], do: { call: "expression", expr: "'yes'" } },
        on_yes: { listen: "yes", do: { call: "expression", expr: "1" } },
        orphan: { do: { call: "expression", expr: "1" } },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: "warning", path: "methods.begin.emit", method: "begin" }),
        expect.objectContaining({ severity: "warning", path: "methods.orphan", method: "orphan" }),
      ]),
    );
    expect(problems.find((p) => p.path === "methods.begin.emit")?.message).toContain("'no'");
  });
});

describe("problemsOf agrees with the loader", () => {
  const key = (d: { severity: string; path: string; message: string }) => `${d.severity} ${d.path} ${d.message}`;
  const loader = (d: FlowDefinition) => {
    const result = validateDefinition(d);
    return [...result.errors, ...result.warnings].map(key).sort();
  };
  const many = (count: number, broken: boolean) => {
    const methods: Record<string, unknown> = { m0: { start: true, do: { call: "expression", expr: "state.x" } } };
    for (let i = 1; i < count; i++)
      methods[`m${i}`] = { listen: `m${i - 1}`, do: { call: "expression", expr: broken && i % 10 === 0 ? `bad.${i}` : `outputs.m${i - 1}` } };
    methods.dangling = { listen: "nowhere", router: true, emit: ["left"], do: { call: "expression", expr: "'left'" } };
    return flow(methods);
  };

  it("on a valid flow, checked in one pass (big) and method by method (small)", () => {
    for (const size of [5, 60]) {
      const definition = many(size, false);
      expect(problemsOf(definition).map(key).sort()).toEqual(loader(definition));
    }
  });

  it("on a broken flow, has every loader error plus the semantic warnings the loader skips", () => {
    const definition = many(60, true);
    const ours = problemsOf(definition).map(key);
    expect(ours).toEqual(expect.arrayContaining(loader(definition)));
    expect(ours.filter((k) => k.startsWith("error")).length).toBe(5);
    expect(ours.some((k) => k.includes("nothing declared produces 'nowhere'"))).toBe(true);
  });

  it("follows edits of a flow it has already checked (no stale results)", () => {
    const first = many(60, false);
    expect(problemsOf(first).filter((p) => p.severity === "error")).toEqual([]);
    const methods = (first as unknown as { methods: Record<string, unknown> }).methods;
    const edited = { ...first, methods: { ...methods, m7: { listen: "m6", do: { call: "expression", expr: "oops(" } } } } as FlowDefinition;
    expect(problemsOf(edited).filter((p) => p.severity === "error").map((p) => p.path)).toEqual(["methods.m7.do.expr"]);
    // A renamed method keeps its body object but not its problems' paths.
    const { m7, ...rest } = (edited as unknown as { methods: Record<string, unknown> }).methods;
    const renamed = { ...edited, methods: { ...rest, m7b: m7 } } as FlowDefinition;
    expect(problemsOf(renamed).filter((p) => p.severity === "error").map((p) => p.path)).toEqual(["methods.m7b.do.expr"]);
    expect(problemsOf(renamed).find((p) => p.path === "methods.m8.listen")?.message).toContain("nothing declared produces 'm7'");
    expect(problemsOf(first).filter((p) => p.severity === "error")).toEqual([]);
  });
});

describe("ProblemsList", () => {
  it("lists errors before warnings as buttons and hands the clicked problem back", async () => {
    const problems: Problem[] = [
      { severity: "warning", message: "never runs", path: "methods.orphan", method: "orphan" },
      { severity: "error", message: "Field required", path: "methods.begin.do", method: "begin" },
    ];
    const selected: Problem[] = [];
    render(<ProblemsList problems={problems} onSelect={(p) => selected.push(p)} />);
    const region = screen.getByRole("region", { name: "Problems" });
    const buttons = region.querySelectorAll("button");
    expect([...buttons].map((b) => b.textContent)).toEqual([
      "Error begin: Field required (methods.begin.do)",
      "Warning orphan: never runs (methods.orphan)",
    ]);
    expect(region.textContent).toContain("1 error, 1 warning");
    await userEvent.click(screen.getByRole("button", { name: /orphan: never runs/ }));
    expect(selected).toEqual([problems[0]]);
  });

  it("says so when there is nothing to fix", () => {
    render(<ProblemsList problems={[]} onSelect={() => undefined} />);
    expect(screen.getByRole("region", { name: "Problems" }).textContent).toContain("No problems.");
  });
});
