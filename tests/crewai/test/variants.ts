// The parametrized CrewAI tests filled placeholders (`__listen__`, …) with several values; each
// variant is a separate document with its own verdict. Values read from CrewAI's test sources
// (test_flow_definition.py, test_flow_from_definition.py, cli/tests/test_run_declarative_flow.py).

export interface Variant {
  label: string;
  /** Placeholder → value substituted into the parsed document. */
  values?: Record<string, unknown>;
  /** Replaces the file text entirely (the CLI test wrote raw text). */
  text?: string;
  /** Substring or regex the error must match (overrides the index's `match`). */
  error?: RegExp;
  /** Kickoff inputs for run-stage variants. */
  inputs?: Record<string, unknown>;
}

const expr = (e: string) => ({ call: "expression", expr: e });

export const VARIANTS: Record<string, Variant[]> = {
  "t-flow_definition__test_flow_definition_rejects_method_self_listen.yaml": [
    { label: "listen=publish router=false", values: { __listen__: "publish", __router_enabled__: false } },
    { label: "listen=publish router=true", values: { __listen__: "publish", __router_enabled__: true } },
    { label: "listen=or router=false", values: { __listen__: { or: ["publish", "revise"] }, __router_enabled__: false } },
    { label: "listen=or router=true", values: { __listen__: { or: ["publish", "revise"] }, __router_enabled__: true } },
  ],
  "t-flow_from_definition__test_tool_action_rejects_invalid_interpolated_inputs.yaml": [
    { label: "unterminated", values: { __search_query__: "cost ${state.a" }, error: /unterminated/ },
    { label: "empty", values: { __search_query__: "x ${} y" }, error: /empty CEL expression/ },
    { label: "unknown root", values: { __search_query__: "a ${foo.bar} b" }, error: /unknown CEL root/ },
  ],
  "t-flow_from_definition__test_each_action_validates_step_shape.yaml": [
    { label: "empty list", values: { __action_do__: [] } },
    { label: "step without name/action keys", values: { __action_do__: [{ value: expr("item") }] } },
    { label: "bad step name", values: { __action_do__: [{ name: "1bad", action: expr("item") }] } },
    { label: "missing action", values: { __action_do__: [{ name: "missing_action" }] } },
    { label: "missing name", values: { __action_do__: [{ action: expr("item") }] } },
    { label: "extra key then", values: { __action_do__: [{ name: "value", if: "true", then: [], action: expr("item") }] } },
    {
      label: "duplicate names",
      values: {
        __action_do__: [
          { name: "same", action: expr("item") },
          { name: "same", action: expr("item") },
        ],
      },
    },
  ],
  "t-flow_from_definition__test_each_action_rejects_non_list_inputs.yaml": [
    { label: "number", values: { __expr__: "1" }, inputs: {} },
    { label: "string", values: { __expr__: '"rows"' }, inputs: {} },
    { label: "map", values: { __expr__: "state.rows" }, inputs: { rows: { a: 1 } } },
  ],
  "cli-t-run_declarative_flow__test_load_declarative_flow_reports_invalid_declarations.yaml": [
    { label: "a list", text: "[]\n", error: /Flow declaration must contain a mapping/ },
    { label: "no name", error: /Field required/ },
  ],
};

/** Placeholders in valid files stand for a path or a store name the test filled in. */
export const FILLERS: Record<string, unknown> = { __store__: "flow-store", __tmp_path__: "./.checkpoints" };

export function substitute(value: unknown, values: Record<string, unknown>): unknown {
  if (typeof value === "string" && value in values) return values[value];
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)]));
  return value;
}
