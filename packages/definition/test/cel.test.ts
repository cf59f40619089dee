import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EACH_STEP_ROOTS,
  ExpressionError,
  FLOW_ROOTS,
  evaluateCel,
  parseTemplate,
  pythonJsonDumps,
  pythonRepr,
  renderTemplate,
  stripExpressionMarkers,
  validateExpression,
  validateTemplate,
  type JsonValue,
} from "../src/cel/index.js";

const ROOTS_HINT = "Reference flow data through one of those roots, for example state.field or outputs.step_name.";

const ctx = {
  state: {
    n: 3,
    ok: true,
    d: { a: 1 },
    note: null,
    f: 1.5,
    topic: "AI",
    items: [1, 2, 3],
    name: "café",
    people: [
      { name: "Ann", age: 30 },
      { name: "Bob", age: 17 },
    ],
  },
  outputs: { fetch: { count: 2, titles: ["x", "y"] } },
};

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`non-Error thrown: ${String(e)}`, { cause: e });
  }
  throw new Error("expected an exception");
}

describe("constants", () => {
  it("lists the allowed roots", () => {
    expect(FLOW_ROOTS).toEqual(["outputs", "state"]);
    expect(EACH_STEP_ROOTS).toEqual(["item", "outputs", "state"]);
  });
});

describe("stripExpressionMarkers", () => {
  it("trims and strips one ${ } wrapper", () => {
    expect(stripExpressionMarkers("  state.x  ")).toBe("state.x");
    expect(stripExpressionMarkers(" ${ state.x } ")).toBe("state.x");
    expect(stripExpressionMarkers("${}")).toBe("");
    expect(stripExpressionMarkers("${${x}}")).toBe("${x}");
    // Like CrewAI: only a prefix/suffix check, so two expressions are not a wrapper.
    expect(stripExpressionMarkers("${a} + ${b}")).toBe("a} + ${b");
  });
});

describe("pythonRepr", () => {
  it("quotes like Python's repr of a str", () => {
    expect(pythonRepr("abc")).toBe("'abc'");
    expect(pythonRepr("it's")).toBe(`"it's"`);
    expect(pythonRepr(`say "hi"`)).toBe(`'say "hi"'`);
    expect(pythonRepr(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pythonRepr("a\\b\nc\td\r")).toBe("'a\\\\b\\nc\\td\\r'");
    expect(pythonRepr("\x00\x7f")).toBe("'\\x00\\x7f'");
    expect(pythonRepr("\u2028 é 😀 \u00a0")).toBe("'\\u2028 é 😀 \\xa0'");
  });
});

describe("pythonJsonDumps", () => {
  it("uses Python's separators and keeps non-ASCII", () => {
    expect(pythonJsonDumps({ a: 1, b: [1, 2.5, "x", null, true, false], c: {} })).toBe(
      '{"a": 1, "b": [1, 2.5, "x", null, true, false], "c": {}}',
    );
    expect(pythonJsonDumps([])).toBe("[]");
    expect(pythonJsonDumps("café ☕ \"q\" \\ \n \u0001")).toBe('"café ☕ \\"q\\" \\\\ \\n \\u0001"');
    expect(pythonJsonDumps(0.1)).toBe("0.1");
    expect(pythonJsonDumps(1e-7)).toBe("1e-07");
    expect(pythonJsonDumps(1.5e300)).toBe("1.5e+300");
    expect(pythonJsonDumps(Number.NaN)).toBe("NaN");
    expect(pythonJsonDumps(-Infinity)).toBe("-Infinity");
    expect(pythonJsonDumps(12n)).toBe("12");
    expect(pythonJsonDumps(new Map<unknown, unknown>([[1, "a"], [true, null]]))).toBe('{"1": "a", "true": null}');
  });

  it("rejects values Python cannot serialize", () => {
    expect(() => pythonJsonDumps(() => 1)).toThrow(TypeError);
    expect(() => pythonJsonDumps(new Date(0))).toThrow(TypeError);
  });

  it("round-trips JSON data", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const normal: unknown = JSON.parse(JSON.stringify(value));
        expect(JSON.parse(pythonJsonDumps(normal))).toEqual(normal);
      }),
      { numRuns: 200 },
    );
  });
});

describe("validateExpression", () => {
  const path = "methods.route.do.expr";

  it("accepts valid expressions, raw or ${}-wrapped", () => {
    expect(validateExpression("state.topic", FLOW_ROOTS, path)).toBeNull();
    expect(validateExpression("  ${ outputs.fetch.count > 1 }  ", FLOW_ROOTS, path)).toBeNull();
    expect(validateExpression("item.name == state.topic", EACH_STEP_ROOTS, path)).toBeNull();
  });

  it("reports an empty expression", () => {
    const message = `empty CEL expression at ${path}. Provide a CEL expression such as state.topic or outputs.step_name.`;
    expect(validateExpression("", FLOW_ROOTS, path)).toBe(message);
    expect(validateExpression("  ${   }  ", FLOW_ROOTS, path)).toBe(message);
  });

  it("reports a syntax error with the expression repr and parser details", () => {
    const message = validateExpression("${ state.x == }", FLOW_ROOTS, path);
    expect(message).toMatch(
      /^invalid CEL expression at methods\.route\.do\.expr: 'state\.x =='\. Check the CEL syntax\. Parser details: \S/,
    );
    expect(validateExpression("state.x == 'a", FLOW_ROOTS, path)).toMatch(
      /^invalid CEL expression at methods\.route\.do\.expr: "state\.x == 'a"\. Check the CEL syntax\./,
    );
  });

  it("reports unknown roots, sorted and repr-quoted", () => {
    expect(validateExpression("foo.bar + baz.qux > state.x", FLOW_ROOTS, path)).toBe(
      `unknown CEL root at ${path}: 'baz', 'foo'; allowed roots: outputs, state. ${ROOTS_HINT}`,
    );
    expect(validateExpression("item.name", FLOW_ROOTS, path)).toBe(
      `unknown CEL root at ${path}: 'item'; allowed roots: outputs, state. ${ROOTS_HINT}`,
    );
    expect(validateExpression("x", EACH_STEP_ROOTS, path)).toBe(
      `unknown CEL root at ${path}: 'x'; allowed roots: item, outputs, state. ${ROOTS_HINT}`,
    );
  });

  it("does not count function names as roots", () => {
    expect(validateExpression("size(state.items) > int(state.n) && has(state.x)", FLOW_ROOTS, path)).toBeNull();
    expect(validateExpression("state.topic.startsWith('A') && string(state.n) != ''", FLOW_ROOTS, path)).toBeNull();
    expect(validateExpression("size(x)", FLOW_ROOTS, path)).toContain(": 'x';");
  });

  it("does not count macro variables as roots, only inside the macro", () => {
    for (const ok of [
      "state.items.all(x, x > 0)",
      "state.items.exists(i, i == state.n)",
      "state.items.exists_one(i, i == 2)",
      "state.items.filter(x, x > 1)",
      "state.items.map(x, x * 2)",
      "state.items.map(x, x > 1, x * 2)",
      "state.people.map(p, state.items.filter(i, i < p.age))",
      "[1, 2].all(state, state > 0)",
    ]) {
      expect(validateExpression(ok, FLOW_ROOTS, path), ok).toBeNull();
    }
    expect(validateExpression("state.items.map(x, y)", FLOW_ROOTS, path)).toContain(": 'y';");
    expect(validateExpression("state.items.all(x, x > 0) && x > 1", FLOW_ROOTS, path)).toContain(": 'x';");
    // The loop variable is not bound in the range being iterated.
    expect(validateExpression("x.all(x, x > 0)", FLOW_ROOTS, path)).toContain(": 'x';");
  });

  it("collects roots inside lists, maps and conditionals", () => {
    expect(validateExpression("[a, {'k': b, c: 1}, d ? e : f]", FLOW_ROOTS, path)).toContain(
      ": 'a', 'b', 'c', 'd', 'e', 'f';",
    );
  });
});

describe("parseTemplate", () => {
  it("splits literal text and trimmed expressions", () => {
    expect(parseTemplate("Ticket: ${ state.ticket_id } now")).toEqual([
      { kind: "text", text: "Ticket: " },
      { kind: "expr", source: "state.ticket_id" },
      { kind: "text", text: " now" },
    ]);
    expect(parseTemplate("${'a'}${'b'}")).toEqual([
      { kind: "expr", source: "'a'" },
      { kind: "expr", source: "'b'" },
    ]);
    expect(parseTemplate("plain")).toEqual([{ kind: "text", text: "plain" }]);
    expect(parseTemplate("")).toEqual([{ kind: "text", text: "" }]);
  });

  it("keeps a $ that is not followed by {", () => {
    expect(parseTemplate("$5 or $more")).toEqual([{ kind: "text", text: "$5 or $more" }]);
  });

  it("does not end an expression on braces inside string literals or map literals", () => {
    const sources = (value: string): string[] =>
      parseTemplate(value).flatMap((s) => (s.kind === "expr" ? [s.source] : []));
    expect(sources("${ {'a': '}'}['a'] }!")).toEqual(["{'a': '}'}['a']"]);
    expect(sources(`\${"}"} \${'''}'''} \${"""}"""} \${r'\\}'} \${b'}'} \${R"}"} \${br'}'}`)).toEqual([
      `"}"`,
      "'''}'''",
      '"""}"""',
      "r'\\}'",
      "b'}'",
      'R"}"',
      "br'}'",
    ]);
    expect(sources("${'it\\'s }'}")).toEqual(["'it\\'s }'"]);
    expect(sources("${'''a\n}'''}")).toEqual(["'''a\n}'''"]);
    expect(sources("${ {'a': {'b': 1}}.a.b }")).toEqual(["{'a': {'b': 1}}.a.b"]);
    expect(sources("${'${'}x")).toEqual(["'${'"]);
    // An identifier ending in r/b is not a string prefix.
    expect(sources("${attr'}'}")).toEqual(["attr'}'"]);
  });

  it("rejects an unterminated or empty ${…}", () => {
    const unterminated = thrown(() => parseTemplate("Hello ${state.x"));
    expect(unterminated).toBeInstanceOf(ExpressionError);
    expect(unterminated.message).toBe("unterminated ${...} expression in 'Hello ${state.x'");
    expect(thrown(() => parseTemplate("${ {'a': 1} "))).toBeInstanceOf(ExpressionError);
    expect(thrown(() => parseTemplate("a ${  } b")).message).toBe("empty CEL expression in 'a ${  } b'");
    expect(thrown(() => parseTemplate("${}")).message).toBe("empty CEL expression in '${}'");
    expect(thrown(() => parseTemplate("${'}")).message).toMatch(
      /^unterminated or invalid \$\{\.\.\.\} expression in "\$\{'\}": unterminated string literal/,
    );
  });
});

describe("validateTemplate", () => {
  const base = "methods.m.do.with";

  it("accepts valid nested templates and non-string data", () => {
    expect(
      validateTemplate(
        { query: "News about ${state.topic}", n: 3, flag: true, none: null, list: ["${outputs.fetch}", 1], plain: "$5" },
        FLOW_ROOTS,
        base,
      ),
    ).toEqual([]);
  });

  it("names the expression when a string holds several", () => {
    expect(validateTemplate({ query: "${state.topic} and ${foo.bar}" }, FLOW_ROOTS, base)).toEqual([
      `unknown CEL root at methods.m.do.with.query (expression 2): 'foo'; allowed roots: outputs, state. ${ROOTS_HINT}`,
    ]);
  });

  it("uses the plain path for a single expression and [i] for list items", () => {
    expect(validateTemplate({ items: ["ok", "${bad.x}"] }, FLOW_ROOTS, base)).toEqual([
      `unknown CEL root at methods.m.do.with.items[1]: 'bad'; allowed roots: outputs, state. ${ROOTS_HINT}`,
    ]);
    expect(validateTemplate({ a: { b: [{ c: "x ${item.y}" }] } }, FLOW_ROOTS, base)).toEqual([
      `unknown CEL root at methods.m.do.with.a.b[0].c: 'item'; allowed roots: outputs, state. ${ROOTS_HINT}`,
    ]);
    expect(validateTemplate({ a: "x ${item.y}" }, EACH_STEP_ROOTS, base)).toEqual([]);
  });

  it("reports template syntax errors with the path", () => {
    expect(validateTemplate({ q: "${state.x" }, FLOW_ROOTS, base)).toEqual([
      "unterminated ${...} expression in '${state.x' at methods.m.do.with.q",
    ]);
    expect(validateTemplate({ q: "x ${} y" }, FLOW_ROOTS, base)).toEqual([
      "empty CEL expression in 'x ${} y' at methods.m.do.with.q",
    ]);
    const [invalid] = validateTemplate({ q: "a ${state.x ==} b" }, FLOW_ROOTS, base);
    expect(invalid).toMatch(/^invalid CEL expression at methods\.m\.do\.with\.q: 'state\.x =='\. Check the CEL syntax\./);
  });

  it("collects every error and never treats keys as templates", () => {
    const errors = validateTemplate(
      { "${key}": "fine", a: "${x}", b: ["${y} ${state.n} ${z}"] },
      FLOW_ROOTS,
      base,
    );
    expect(errors).toEqual([
      `unknown CEL root at methods.m.do.with.a: 'x'; allowed roots: outputs, state. ${ROOTS_HINT}`,
      `unknown CEL root at methods.m.do.with.b[0] (expression 1): 'y'; allowed roots: outputs, state. ${ROOTS_HINT}`,
      `unknown CEL root at methods.m.do.with.b[0] (expression 3): 'z'; allowed roots: outputs, state. ${ROOTS_HINT}`,
    ]);
  });
});

describe("renderTemplate", () => {
  it("returns strings without ${ and non-string scalars unchanged", () => {
    expect(renderTemplate("plain text", ctx)).toBe("plain text");
    expect(renderTemplate("$5 or $more", ctx)).toBe("$5 or $more");
    expect(renderTemplate(42, ctx)).toBe(42);
    expect(renderTemplate(true, ctx)).toBe(true);
    expect(renderTemplate(null, ctx)).toBeNull();
  });

  it("keeps the type of a lone expression (blank text around it allowed)", () => {
    expect(renderTemplate("${state.n}", ctx)).toBe(3);
    expect(renderTemplate("  ${state.ok}\n", ctx)).toBe(true);
    expect(renderTemplate("${state.items}", ctx)).toEqual([1, 2, 3]);
    expect(renderTemplate("${state.d}", ctx)).toEqual({ a: 1 });
    expect(renderTemplate("${state.note}", ctx)).toBeNull();
    expect(renderTemplate("${state.topic}", ctx)).toBe("AI");
  });

  it("renders mixed text with JSON for non-strings", () => {
    expect(renderTemplate("n=${state.n}; ok=${state.ok}; d=${state.d}", ctx)).toBe('n=3; ok=true; d={"a": 1}');
    expect(renderTemplate("${'a'}${'b'}", ctx)).toBe("ab");
    expect(renderTemplate("${'${'}x", ctx)).toBe("${x");
    expect(renderTemplate("note:${state.note};", ctx)).toBe("note:;");
    expect(renderTemplate("News about ${state.topic}", ctx)).toBe("News about AI");
    expect(renderTemplate("v=${state.f} ${double(3)} ${1e16} ${0.00001}", ctx)).toBe("v=1.5 3.0 1e+16 1e-05");
    expect(renderTemplate("v=${[1, 'a', null, true, 2.0]} ${{'name': state.name}}", ctx)).toBe(
      'v=[1, "a", null, true, 2.0] {"name": "café"}',
    );
    expect(renderTemplate("b=${b'abc'} t=${timestamp('2024-01-01T00:00:00Z')}", ctx)).toBe(
      "b=YWJj t=2024-01-01T00:00:00Z",
    );
  });

  it("renders mappings and lists recursively, keys as is", () => {
    expect(
      renderTemplate({ "${k}": ["${state.n}", { b: "x${state.n}" }], k: 1, s: "$" }, ctx),
    ).toEqual({ "${k}": [3, { b: "x3" }], k: 1, s: "$" });
  });

  it("throws ExpressionError for bad templates and failed evaluations", () => {
    expect(() => renderTemplate("${state.x", ctx)).toThrow(ExpressionError);
    const error = thrown(() => renderTemplate({ a: ["x ${1/0}"] }, ctx));
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error.message).toMatch(/^failed to evaluate CEL expression '1\/0': .*divide by zero/);
  });

  it("leaves text without ${ untouched (property)", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("${")),
        (s) => renderTemplate(s, ctx) === s,
      ),
      { numRuns: 300 },
    );
  });

  it("inserts string values verbatim (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, value) => {
        const template = `${before.replaceAll("$", "")}[\${state.v}]`;
        expect(renderTemplate(template, { state: { v: value } })).toBe(`${before.replaceAll("$", "")}[${value}]`);
      }),
      { numRuns: 200 },
    );
  });
});

describe("evaluateCel", () => {
  const ev = (expr: string, context: Record<string, unknown> = ctx): JsonValue => evaluateCel(expr, context);
  const failure = (expr: string, context: Record<string, unknown> = ctx): string => {
    const error = thrown(() => evaluateCel(expr, context));
    expect(error).toBeInstanceOf(ExpressionError);
    return error.message;
  };

  it("treats JSON integers as CEL int and other numbers as double", () => {
    expect(ev("state.n + 1")).toBe(4);
    expect(ev("type(state.n) == int && type(state.f) == double")).toBe(true);
    expect(ev("state.f * 2.0")).toBe(3);
    expect(ev("state.n > 2.5")).toBe(true);
  });

  it("truncates integer division and errors on division by zero", () => {
    expect(ev("7 / 2")).toBe(3);
    expect(ev("-7 / 2")).toBe(-3);
    expect(ev("7 % 3")).toBe(1);
    expect(failure("1/0")).toMatch(/^failed to evaluate CEL expression '1\/0': .*divide by zero/);
    expect(failure("9223372036854775807 + 1")).toMatch(/overflow/);
  });

  it("absorbs errors in logical operators commutatively", () => {
    expect(ev("false && 1/0 == 1")).toBe(false);
    expect(ev("1/0 == 1 && false")).toBe(false);
    expect(ev("true || 1/0 == 1")).toBe(true);
    expect(ev("1/0 == 1 || true")).toBe(true);
    expect(() => ev("1/0 == 1 || false")).toThrow(ExpressionError);
  });

  it("supports string functions, size and in", () => {
    expect(ev("state.topic.contains('I') && state.topic.startsWith('A') && state.topic.endsWith('I')")).toBe(true);
    expect(ev("state.name.matches('^caf.$')")).toBe(true);
    expect(ev("size(state.items) + size('abc') + state.topic.size() + size(state.d)")).toBe(9);
    expect(ev("2 in state.items && 'a' in state.d && !('z' in state.d)")).toBe(true);
    expect(ev("state.n > 2 ? 'big' : 'small'")).toBe("big");
  });

  it("supports has() and reports missing keys", () => {
    expect(ev("has(state.topic)")).toBe(true);
    expect(ev("has(state.missing)")).toBe(false);
    // A key holding null is present (cel-python semantics).
    expect(ev("has(state.note) && 'note' in state && state.note == null")).toBe(true);
    expect(failure("state.missing")).toMatch(/^failed to evaluate CEL expression 'state\.missing': /);
    expect(ev("has(state.missing) ? state.missing : 'default'")).toBe("default");
  });

  it("supports the comprehension macros", () => {
    expect(ev("state.items.all(x, x > 0)")).toBe(true);
    expect(ev("state.items.exists(x, x == 2)")).toBe(true);
    expect(ev("state.items.exists_one(x, x > 1)")).toBe(false);
    expect(ev("state.items.filter(x, x > 1)")).toEqual([2, 3]);
    expect(ev("state.items.map(x, x * 2)")).toEqual([2, 4, 6]);
    expect(ev("state.people.filter(p, p.age >= 18).map(p, p.name)")).toEqual(["Ann"]);
    expect(ev("state.d.all(k, k == 'a')")).toBe(true);
  });

  it("supports conversions", () => {
    expect(ev("int('12') + int(3.9)")).toBe(15);
    expect(ev("uint(3)")).toBe(3);
    expect(ev("double(3)")).toBe(3);
    expect(ev("string(3) + string(1.5) + string(true)")).toBe("31.5true");
    expect(ev("bool('true')")).toBe(true);
    expect(() => ev("uint(-1)")).toThrow(ExpressionError);
  });

  it("converts results to plain JSON", () => {
    expect(ev("{'a': [1, 2.5, 'x', null, true], 'b': {'c': 1u}}")).toEqual({
      a: [1, 2.5, "x", null, true],
      b: { c: 1 },
    });
    expect(ev("{1: 'a', true: 'b'}")).toEqual({ "1": "a", true: "b" });
    expect(ev("b'abc'")).toBe("YWJj");
    expect(ev("timestamp('2024-01-01T00:00:01.5Z')")).toBe("2024-01-01T00:00:01.500Z");
    expect(ev("duration('90s')")).toBe("90s");
    expect(ev("type(1)")).toBe("int");
    expect(ev("outputs.fetch")).toEqual({ count: 2, titles: ["x", "y"] });
    expect(ev("state")).toEqual(ctx.state);
  });

  it("binds locals and accepts a ${ } wrapper", () => {
    expect(ev("${ item.name }", { item: { name: "x" } })).toBe("x");
    expect(ev("  state.n  ")).toBe(3);
  });

  it("reports empty, invalid and unresolved expressions", () => {
    expect(failure(" ${ } ")).toBe("empty CEL expression");
    expect(failure("state.x ==")).toMatch(/^failed to evaluate CEL expression 'state\.x ==': \S/);
    expect(failure("nope.x")).toMatch(/^failed to evaluate CEL expression 'nope\.x': /);
    expect(failure("state.topic + 1")).toMatch(/no matching overload/);
  });

});

// A sample of the official CEL conformance tests that @bufbuild/cel ships in @bufbuild/cel-spec
// (a dependency of @bufbuild/cel, resolved through it), run through evaluateCel: this checks
// both the library's semantics and our JSON conversion of results.
describe("CEL conformance sample", () => {
  type Conformance = { name: string; suites?: Conformance[]; tests?: { original: Record<string, unknown> }[] };
  const requireFromCel = createRequire(createRequire(import.meta.url).resolve("@bufbuild/cel"));
  const { tests } = requireFromCel("@bufbuild/cel-spec/testdata/conformance.js") as { tests: Conformance };
  const SUITES = [
    "basic",
    "comparisons",
    "conversions",
    "dynamic",
    "fp_math",
    "integer_math",
    "lists",
    "logic",
    "macros",
    "plumbing",
    "string",
    "timestamps",
  ];
  const UNSUPPORTED = ["bindings", "typeEnv", "container", "disableMacros", "checkOnly", "disableCheck"];

  function expected(test: Record<string, unknown>): { value: JsonValue } | "error" | undefined {
    if (test["evalError"] !== undefined) return "error";
    const v = test["value"] as Record<string, unknown> | undefined;
    if (v === undefined) return undefined;
    if ("int64Value" in v) return { value: Number(v["int64Value"]) };
    if ("uint64Value" in v) return { value: Number(v["uint64Value"]) };
    if ("doubleValue" in v) return { value: Number(v["doubleValue"]) };
    if ("stringValue" in v) return { value: v["stringValue"] as string };
    if ("boolValue" in v) return { value: v["boolValue"] as boolean };
    if ("nullValue" in v) return { value: null };
    return undefined;
  }

  function* cases(suite: Conformance, path: string): Generator<[string, Record<string, unknown>]> {
    for (const child of suite.suites ?? []) yield* cases(child, `${path}/${child.name}`);
    for (const test of suite.tests ?? []) yield [`${path}/${String(test.original["name"])}`, test.original];
  }

  it.each(SUITES)("%s", (name) => {
    const suite = tests.suites?.find((s) => s.name === name);
    expect(suite).toBeDefined();
    const failures: string[] = [];
    let run = 0;
    for (const [id, test] of cases(suite!, name)) {
      if (UNSUPPORTED.some((key) => test[key] !== undefined)) continue;
      const want = expected(test);
      if (want === undefined) continue;
      run++;
      let got: { value: JsonValue } | "error";
      try {
        got = { value: evaluateCel(String(test["expr"]), {}) };
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        got = "error";
      }
      const same =
        want === "error" || got === "error"
          ? want === got
          : Object.is(got.value, want.value) || got.value === want.value;
      if (!same) failures.push(`${id}: ${String(test["expr"])} → ${JSON.stringify(got)}`);
    }
    expect(run).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
