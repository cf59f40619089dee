// Property: whatever JSON-like edit the editor makes, the minimal-edit writers produce text that
// parses back to exactly the editor's data (YAML and JSON), and so does updateDocument.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { YAML_OPTIONS } from "../src/load";
import { deepEqual, openDocument, updateDocument } from "../src/document";
import { detectJsonStyle, parseJson, spliceJson } from "../src/document/json";
import { detectYamlStyle, spliceYaml } from "../src/document/yaml";

const BASE_YAML = `# Base flow for random edits.
schema: crewai.flow/v1
name: base   # comment
shared: &shared
  model: gpt-4o
  temperature: 0.1

config: {max_method_calls: 10, stream: false}
state:
  type: dict
  default:
    items: [1, 2, "three"]
    nested:
      deep: 'quoted'   # trailing
methods:
  # the first
  first:
    start: true
    do: {call: expression, expr: "1"}

  second:
    listen: first
    emit:
    - a
    - b
    do:
      call: agent
      with:
        llm: *shared
        input: |
          multi
          line
  third:
    listen: {and: [first, second]}
    do:
      call: each
      in: state.items
      do:
        - name: one
          action: {call: expression, expr: item}
        - name: two
          action:
            call: expression
            expr: outputs.one
merged:
  <<: *shared
  extra: true
`;

/** Odd corners: CRLF, 4 spaces, unindented lists, nested lists, empty values, explicit keys, no final newline. */
const ODD_YAML = [
  "%YAML 1.1",
  "---",
  "name: odd",
  "methods:",
  "    a:",
  "        start: yes",
  "        emit:",
  "        - x   # first",
  "        -",
  "        - - nested",
  "          - list",
  "        do:",
  "            call: expression",
  "            expr: >-",
  "                folded",
  "                text",
  "    ? b",
  "    : listen: a",
  "      do: {ref: 'm:f'}",
  "empty:",
  "tilde: ~",
  "list_of_maps:",
  "- k: 1",
  "  j: [ 1, { z: 2 } ]",
  "- &anchored",
  "  k: 2",
  "- *anchored",
  "...",
].join("\r\n");

const BASE_JSON = `{
    "schema": "crewai.flow/v1",
    "name": "base",
    "config": { "max_method_calls": 10 },
    "methods": {
        "first": {
            "start": true,
            "do": { "call": "expression", "expr": "1" }
        },
        "second": {
            "listen": "first",
            "emit": ["a", "b"],
            "do": {
                "call": "expression",
                "expr": "2"
            }
        }
    },
    "empty": {},
    "list": []
}
`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const strings = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom(
    "yes", "No", "on", "y", "n", "~", "null", "1:30", "0o12", "012", "0x1F", "1e3", "2024-01-01", "a: b", "- x",
    "#c", "x #c", " lead", "trail ", "multi\nline", "multi\nline\n", "", "'q'", '"dq"', "tab\there", "{a}", "[b]",
    "*alias", "&anchor", "!tag", "<<", "%x", "@x", "|", ">", "?", ":", ",", "ünïcødé", "emoji 🚀", "${state.x}",
  ),
);
const keys = fc.oneof(fc.constantFrom("a", "b", "name", "do", "x-crewflow", "y", "yes", "1", "a b", "<<", "", "first"), fc.string({ minLength: 1, maxLength: 6 }));
const scalars: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  strings,
);
const values: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalars,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(keys, tie("value"), { maxKeys: 3 }),
  ),
})).value;

interface Op {
  kind: "set" | "delete" | "rename" | "insert" | "remove" | "replace";
  at: number;
  index: number;
  key: string;
  value: Json;
}
const ops = fc.array(
  fc.record({
    kind: fc.constantFrom<Op["kind"]>("set", "delete", "rename", "insert", "remove", "replace"),
    at: fc.nat(),
    index: fc.nat(),
    key: keys,
    value: values,
  }),
  { minLength: 1, maxLength: 4 },
);

function copy(value: unknown): Json {
  if (Array.isArray(value)) return value.map(copy);
  if (value && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) out[key] = copy(item);
    return out;
  }
  return value as Json;
}

function containers(value: Json, out: Array<Json[] | { [key: string]: Json }> = []): Array<Json[] | { [key: string]: Json }> {
  if (Array.isArray(value)) {
    out.push(value);
    value.forEach((item) => containers(item, out));
  } else if (value && typeof value === "object") {
    out.push(value);
    Object.values(value).forEach((item) => containers(item, out));
  }
  return out;
}

/** The editor's edits, applied to a copy of the data (renames keep the key's position). */
function applyOps(data: unknown, edits: Op[]): Json {
  const root = copy(data);
  for (const edit of edits) {
    const op = { ...edit, value: copy(edit.value) }; // never share (or mutate) the generated value
    const all = containers(root);
    const target = all[op.at % all.length]!;
    if (Array.isArray(target)) {
      const index = target.length === 0 ? 0 : op.index % target.length;
      if (op.kind === "insert" || op.kind === "set" || target.length === 0) target.splice(op.index % (target.length + 1), 0, op.value);
      else if (op.kind === "remove" || op.kind === "delete") target.splice(index, 1);
      else target[index] = op.value;
      continue;
    }
    const names = Object.keys(target);
    const existing = names.length ? names[op.index % names.length]! : undefined;
    if (op.kind === "delete" || op.kind === "remove") {
      if (existing !== undefined) delete target[existing];
    } else if (op.kind === "rename" && existing !== undefined && !(op.key in target)) {
      const entries = Object.entries(target).map(([key, item]) => [key === existing ? op.key : key, item] as const);
      for (const key of names) delete target[key];
      for (const [key, item] of entries) target[key] = item;
    } else if (op.kind === "replace" && existing !== undefined) {
      target[existing] = op.value;
    } else {
      target[op.key] = op.value;
    }
  }
  return root;
}

describe("random edits round-trip", () => {
  it.each([
    ["a commented flow", BASE_YAML],
    ["odd YAML", ODD_YAML],
  ])("YAML (%s): the minimal splice and updateDocument both parse back to the edited data", (_, base) => {
    const doc = openDocument(base);
    if (doc.format !== "yaml") throw new Error("expected YAML");
    const style = detectYamlStyle(doc.yaml, doc.text);
    fc.assert(
      fc.property(ops, (edits) => {
        const next = applyOps(doc.data, edits);
        const text = spliceYaml(doc.yaml, doc.text, doc.data, next, style);
        const reparsed = parseDocument(text, YAML_OPTIONS);
        expect(reparsed.errors).toEqual([]);
        expect(deepEqual(reparsed.toJS({ maxAliasCount: 1000 }), next)).toBe(true);
        const updated = updateDocument(doc, next);
        expect(deepEqual(updated.data, next)).toBe(true);
        // Going back gives the original data again.
        expect(deepEqual(updateDocument(updated, doc.data).data, doc.data)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  const singleLine = fc.oneof(
    strings.filter((value) => !/[\n\r]/.test(value)),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );

  /** Sets the scalar at `path` (keys and indices) in a copy of `data`. */
  function setAt(data: unknown, path: Array<string | number>, value: Json): Json {
    const root = copy(data);
    let node = root as { [key: string]: Json } | Json[];
    for (const part of path.slice(0, -1)) node = (node as Record<string | number, Json>)[part] as typeof node;
    (node as Record<string | number, Json>)[path.at(-1)!] = value;
    return root;
  }

  it.each([
    ["YAML", BASE_YAML, [["name"], ["state", "default", "items", 2], ["state", "default", "nested", "deep"], ["methods", "first", "do", "expr"],
      ["methods", "second", "emit", 0], ["methods", "third", "do", "do", 1, "action", "expr"], ["config", "max_method_calls"], ["merged", "extra"]]],
    ["JSON", BASE_JSON, [["name"], ["config", "max_method_calls"], ["methods", "first", "do", "expr"], ["methods", "second", "emit", 1],
      ["methods", "second", "do", "call"]]],
  ] as Array<[string, string, Array<Array<string | number>>]>)("%s: changing one scalar to a one-line scalar changes exactly one line", (_, base, paths) => {
    const doc = openDocument(base);
    fc.assert(
      fc.property(fc.constantFrom(...paths), singleLine, (path, value) => {
        const next = setAt(doc.data, path, value);
        const updated = updateDocument(doc, next);
        expect(deepEqual(updated.data, next)).toBe(true);
        const before = base.split("\n");
        const after = updated.text.split("\n");
        expect(after.length).toBe(before.length);
        expect(before.filter((line, index) => line !== after[index]).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it("JSON: the minimal splice and updateDocument both parse back to the edited data", () => {
    const doc = openDocument(BASE_JSON);
    if (doc.format !== "json" || !doc.json) throw new Error("expected JSON");
    const tree = doc.json;
    const style = detectJsonStyle(doc.text);
    fc.assert(
      fc.property(ops, (edits) => {
        const next = applyOps(doc.data, edits);
        const text = spliceJson(doc.text, tree, doc.data, next, style);
        const reparsed = parseJson(text);
        expect(reparsed.errors).toEqual([]);
        expect(deepEqual(reparsed.data, next)).toBe(true);
        // JSON stays JSON for CrewAI, which reads it as YAML.
        expect(deepEqual(parseDocument(text, YAML_OPTIONS).toJS(), next)).toBe(true);
        const updated = updateDocument(doc, next);
        expect(deepEqual(updated.data, next)).toBe(true);
        expect(deepEqual(updateDocument(updated, doc.data).data, doc.data)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
