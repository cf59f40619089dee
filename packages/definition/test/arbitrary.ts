// fast-check arbitraries for flow documents: random but valid `crewai.flow/v1` data, and the
// FlowDefinition `validateDefinition` makes of it (an arbitrary that produced an invalid document
// would be a bug here, so it throws instead of filtering).
import fc from "fast-check";
import { type FlowDefinition, validateDefinition } from "../src";

/** Identifiers, plus names that trip up code using plain objects as maps. */
export const methodName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,4}$/) },
  { weight: 1, arbitrary: fc.constantFrom("constructor", "toString", "hasOwnProperty", "and", "or", "done", "start", "listen") },
);

/** Words CEL reserves: `outputs.in` does not parse. */
const CEL_RESERVED = new Set(["as", "break", "const", "continue", "else", "false", "for", "function", "if", "import", "in", "let", "loop", "namespace", "null", "package", "return", "true", "var", "void", "while"]);

/** Router labels and stray labels: any text, including what looks like node ids or handles. */
export const label: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z_]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom("needs review", "a:b", "emit:x", "event:x", "method:x", "0", "False", "Followup\n") },
);

const template = fc.constantFrom("${state.topic}", "n=${state.n}", "plain", "${outputs}");
const withMapping = fc.option(fc.dictionary(fc.constantFrom("q", "n", "topic"), fc.oneof(template, fc.integer()), { maxKeys: 2 }), {
  nil: undefined,
});

function action(names: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  // A method named like a CEL reserved word (`in`, `if`…) is legal, but only reachable as `outputs["in"]`.
  const outputsRef = names.map((n) => (CEL_RESERVED.has(n) ? `outputs["${n}"]` : `outputs.${n}`));
  const expr = fc.constantFrom("state.x", "'lit'", "state.n + 1", "size(state.items) > 0", ...outputsRef);
  const ref = fc.constantFrom("./steps.mjs:f", "m:f", "pkg:Class.method");
  const step = (name: string) =>
    fc.record(
      {
        name: fc.constant(name),
        if: fc.constantFrom("item != ''", "state.enabled"),
        action: fc.oneof(
          expr.map((e) => ({ call: "expression", expr: e })),
          fc.constant({ call: "expression", expr: "item" }),
          ref.map((r) => ({ call: "code", ref: r, with: { v: "${item}" } })),
        ),
      },
      { requiredKeys: ["name", "action"] },
    );
  const optionalWith = <T extends Record<string, unknown>>(base: T) =>
    withMapping.map((w) => (w === undefined ? base : { ...base, with: w }));
  return fc.oneof(
    ref.chain((r) => optionalWith({ call: "code", ref: r })),
    ref.map((r) => ({ ref: r })), // the default discriminator: becomes call: code
    fc.constantFrom("tools:SearchTool", "./tools.mjs:search").chain((r) => optionalWith({ call: "tool", ref: r })),
    expr.map((e) => ({ call: "expression", expr: e })),
    fc.record(
      { call: fc.constant("script"), code: fc.constantFrom("return 1", "x = 2"), language: fc.constantFrom("python", "javascript") },
      { requiredKeys: ["call", "code"] },
    ),
    fc.constant({ call: "agent", with: { role: "R", goal: "G", backstory: "B", input: "Summarise ${state.topic}" } }),
    fc.constantFrom(
      { call: "crew", from_declaration: "crews/research.yaml", inputs: { topic: "${state.topic}" } },
      {
        call: "crew",
        with: {
          agents: { writer: { role: "W", goal: "G", backstory: "B" } },
          tasks: [{ description: "Write", expected_output: "Text", agent: "writer" }],
        },
      },
    ),
    fc.tuple(step("first"), fc.option(step("second"), { nil: undefined })).map(([a, b]) => ({
      call: "each",
      in: "state.items",
      do: b ? [a, b] : [a],
    })),
  );
}

/**
 * A condition over `leaves`: mostly strings and and/or trees (nested, single-branch, with repeats),
 * rarely what CrewAI loads but crashes on (a mapping without and/or, a non-list value, a number).
 */
export function condition(leaves: readonly string[], depth = 3): fc.Arbitrary<unknown> {
  const leaf = fc.constantFrom(...leaves);
  if (depth === 0) return leaf;
  const child = fc.oneof({ weight: 20, arbitrary: condition(leaves, depth - 1) }, { weight: 1, arbitrary: fc.constantFrom(3, null, ["x"]) });
  const list = fc.array(child, { minLength: 0, maxLength: 3 });
  return fc.oneof(
    { weight: 8, arbitrary: leaf },
    { weight: 3, arbitrary: list.map((c) => ({ and: c })) },
    { weight: 3, arbitrary: list.map((c) => ({ or: c })) },
    { weight: 1, arbitrary: fc.tuple(list, list).map(([a, o]) => ({ or: o, and: a })) },
    { weight: 1, arbitrary: fc.constantFrom({}, { or: "x" }, { any: ["x"] }) },
  );
}

/** A top-level condition: a string or a mapping (what the method schema accepts). */
function topCondition(leaves: readonly string[]): fc.Arbitrary<unknown> {
  return condition(leaves).filter((c) => typeof c === "string" || (c !== null && typeof c === "object" && !Array.isArray(c)));
}

function method(
  name: string,
  names: readonly string[],
  labels: readonly string[],
  unknown: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  const events = [...names, ...labels, ...unknown];
  const rest = events.filter((e) => e !== name); // V2: no self-listen
  const others = rest.length > 0 ? rest : [`${name}_typo`];
  const emit = fc.subarray([...labels]);
  return fc.record(
    {
      description: fc.constantFrom("Does a thing", null),
      do: action(names),
      start: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(true, false, null, "") }, { weight: 1, arbitrary: topCondition(events) }),
      listen: fc.oneof({ weight: 6, arbitrary: topCondition(others) }, { weight: 1, arbitrary: fc.constant(null) }),
      router: fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      emit: fc.oneof(emit, fc.constant(null)),
      human_feedback: fc.record(
        {
          message: fc.constant("Approve?"),
          emit: emit,
          llm: fc.constantFrom("gpt-4o-mini", null),
          default_outcome: fc.constantFrom(...(labels.length ? labels : ["x"])),
        },
        { requiredKeys: ["message"] },
      ),
      persist: fc.constant({ enabled: true }),
    },
    { requiredKeys: ["do"] },
  );
}

/** Raw document data (what YAML would parse to). */
export const flowDocument: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    names: fc.uniqueArray(methodName, { minLength: 1, maxLength: 7 }),
    labels: fc.uniqueArray(label, { maxLength: 5 }),
    unknown: fc.uniqueArray(label, { minLength: 1, maxLength: 3 }),
  })
  .chain(({ names, labels, unknown }) =>
    fc.record(
      {
        schema: fc.constant("crewai.flow/v1"),
        name: fc.constantFrom("F", "ResearchFlow"),
        description: fc.constant("A generated flow"),
        state: fc.constantFrom(
          { type: "dict", default: { topic: "t", n: 1 } },
          { type: "json_schema", json_schema: { type: "object", properties: { topic: { type: "string" } } } },
        ),
        config: fc.constantFrom({ max_method_calls: 10 }, { stream: false, tracing: null }),
        persist: fc.constant({ enabled: false }),
        "x-crewflow": fc.constant({ layout: { nodes: {} }, notes: [] }),
        methods: fc
          .tuple(...names.map((name) => method(name, names, labels, unknown)))
          .map((bodies) => Object.fromEntries(names.map((name, i) => [name, bodies[i]]))),
      },
      { requiredKeys: ["name", "methods"] },
    ),
  );

/** A valid FlowDefinition as the loader returns it. */
export const flowDefinition: fc.Arbitrary<FlowDefinition> = flowDocument.map((data) => {
  const result = validateDefinition(data);
  if (!result.definition) throw new Error(`arbitrary produced an invalid document: ${JSON.stringify(result.errors)}\n${JSON.stringify(data)}`);
  return result.definition;
});
