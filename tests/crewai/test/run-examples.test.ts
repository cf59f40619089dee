// CrewAI's example files *run* here, with the inputs CrewAI's own tests kicked them off with, and
// give the outputs and state those tests assert. Every file runs from the shell, as
// `pnpm -s crewflow run FILE --json --modules tests/crewai/modules --data TMP` (the command that
// script runs, see CREWFLOW), at most four at a time; the refs resolve to the TypeScript stand-ins
// of CrewAI's Python test helpers in ../modules. Where the upstream test needs
// something a command line cannot give (a patched method, a persistence backend instance, an
// event listener), the same file also runs in-process with `Flow` (last describe block).
// The invalid files CrewAI rejects only when the flow is built or run (RUN_STAGE) must fail here
// with the error substance CrewAI's test matched.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { type FlowDefinition, loadDefinitionText } from "@crewflow/definition";
import { type FlowEvent, Flow, HumanFeedbackPending, type HumanFeedbackProvider } from "../modules/_deps";
import { DefinitionStoreBackend } from "../modules/test_flow_from_definition";
import { EXAMPLES, INDEX, REPO_ROOT, RUN_STAGE, expectedPattern } from "./shared";
import { FILLERS, VARIANTS, substitute } from "./variants";

const MODULES = resolve(REPO_ROOT, "tests/crewai/modules");
const work = mkdtempSync(join(tmpdir(), "crewflow-run-examples-"));
/** One data directory for every run of this file (resumes find their runs there). */
const DATA = join(work, "data");
const CHECKPOINTS = join(work, "checkpoints");

/** What `crewflow run --json` prints. */
interface Report {
  status: "completed" | "failed" | "paused";
  runId: string;
  stateId: string | null;
  output: unknown;
  state: Record<string, unknown> | null;
  outputs: Record<string, unknown>;
  trace: { method: string; status: string; output: unknown }[];
  error: { type: string; message: string } | null;
}

interface Expectation {
  /** Default `completed`. */
  status?: Report["status"];
  /** The kickoff result (compared with toEqual). */
  output?: unknown;
  /** Keys the final state must hold (toMatchObject). */
  state?: Record<string, unknown>;
  /** Every recorded method output in completion order (CrewAI's `method_outputs`). */
  outputs?: unknown[];
  /** The same, for flows whose branches finish in no fixed order. */
  unorderedOutputs?: unknown[];
  /** Matched against `type: message` of the error. */
  error?: RegExp;
  check?: (report: Report) => void;
}

interface RunCase extends Expectation {
  /** A file of extracted/ (or a path for files outside it). */
  file: string;
  /** Distinguishes several runs of one file. */
  label?: string;
  /** The upstream test (file::name) the inputs and expectations come from. */
  source: string;
  inputs?: Record<string, unknown>;
  /** Placeholder values substituted into the document before it runs. */
  values?: Record<string, unknown>;
  /** After a pause: `--resume RUN_ID --feedback TEXT`, then these expectations. */
  resume?: { feedback: string } & Expectation;
}

const FFD = "test_flow_from_definition.py";
const FD = "test_flow_definition.py";
const CONV = "test_flow_conversation.py";
const CLI = "cli/test_run_declarative_flow.py";
/** The upstream test only loads the declaration; the expectation follows from the helpers' bodies. */
const DERIVED = " (upstream only loads it; expectation derived)";

const f = (name: string) => `t-flow_from_definition__${name}.yaml`;
const d = (name: string) => `t-flow_definition__${name}`;
const CHAIN_OUTPUTS = ["hello", "HELLO", "confirmed:True"];


const RUNS: RunCase[] = [
  // ---- the declarations of test_flow_from_definition.py ------------------------------------------
  {
    file: f("CHAIN_YAML"),
    source: `${FFD}::test_simple_chain_parity`,
    output: "confirmed:True",
    outputs: CHAIN_OUTPUTS,
    state: { begin_ran: true, confirmed: true },
  },
  {
    file: f("MERGE_YAML"),
    source: `${FFD}::test_and_or_merge_parity`,
    output: "joined",
    unorderedOutputs: ["go", "left", "right", "either", "joined"],
    state: { joined: true, either_ran: true },
  },
  {
    file: f("ROUTE_YAML"),
    label: "left",
    source: `${FFD}::test_router_label_parity_for_each_branch`,
    inputs: { direction: "left" },
    output: "took-left",
    outputs: ["go", "left", "took-left"],
  },
  {
    file: f("ROUTE_YAML"),
    label: "right",
    source: `${FFD}::test_router_label_parity_for_each_branch`,
    inputs: { direction: "right" },
    output: "took-right",
    outputs: ["go", "right", "took-right"],
  },
  {
    file: f("LOOP_YAML"),
    source: `${FFD}::test_cyclic_flow_parity`,
    output: "finished:3",
    outputs: [1, "retry", 2, "retry", 3, "done", "finished:3"],
    state: { count: 3 },
  },
  {
    file: f("PYDANTIC_STATE_YAML"),
    source: `${FFD}::test_pydantic_state_from_ref_parity`,
    output: "count=1",
    state: { count: 1, label: "count=1", id: expect.any(String) },
  },
  {
    file: f("PYDANTIC_STATE_OVERLAY_YAML"),
    source: `${FFD}::test_pydantic_state_default_overlay`,
    output: "count=6",
    state: { count: 6 },
  },
  {
    file: f("JSON_SCHEMA_STATE_YAML"),
    source: `${FFD}::test_json_schema_state`,
    output: "count=1",
    state: { count: 1, label: "count=1", id: expect.any(String) },
  },
  {
    file: f("JSON_SCHEMA_STATE_YAML"),
    label: "invalid input",
    source: `${FFD}::test_json_schema_state_validates_inputs`,
    inputs: { count: "not-a-number" },
    status: "failed",
    error: /ValueError: .*Invalid inputs/,
  },
  {
    file: f("JSON_SCHEMA_REQUIRED_INPUT_STATE_YAML"),
    source: `${FFD}::test_json_schema_state_required_fields_can_come_from_kickoff_inputs`,
    inputs: { lead_name: "Ada Lovelace" },
    output: "Ada Lovelace",
    state: { lead_name: "Ada Lovelace", id: expect.any(String) },
  },
  {
    file: f("PYDANTIC_REF_WITH_SCHEMA_FALLBACK_YAML"),
    source: `${FFD}::test_pydantic_state_falls_back_to_json_schema_when_ref_unimportable`,
    output: "count=1",
    state: { count: 1 },
  },
  {
    file: f("UNRESOLVABLE_STATE_YAML"),
    source: `${FFD}::test_pydantic_state_without_ref_or_schema_falls_back_to_dict`,
    output: "hello",
    state: { begin_ran: true, id: expect.any(String) },
  },
  {
    file: f("DICT_STATE_YAML"),
    source: `${FFD}::test_dict_state_is_a_copy_of_default_plus_id`,
    output: "hello",
    state: { count: 5, begin_ran: true, id: expect.any(String) },
  },
  {
    file: f("UNKNOWN_STATE_YAML"),
    source: `${FFD}::test_unknown_state_type_falls_back_to_dict`,
    output: "hello",
    state: { begin_ran: true },
  },
  { file: f("SUPPRESSED_CHAIN_YAML"), source: `${FFD}::test_config_suppress_flow_events_from_declaration`, output: "confirmed:True" },
  {
    file: f("CAPPED_LOOP_YAML"),
    source: `${FFD}::test_config_max_method_calls_from_declaration`,
    status: "failed",
    error: /RecursionError: .*has been called 2 times/,
  },
  { file: f("STREAMING_CHAIN_YAML"), source: `${FFD}::test_config_stream_from_declaration`, output: "confirmed:True" },
  {
    file: f("DEFERRED_CHAIN_YAML"),
    source: `${FFD}::test_config_defer_trace_finalization_from_declaration`,
    output: "confirmed:True",
  },
  {
    file: f("INPUT_PROVIDER_CHAIN_YAML"),
    source: `${FFD}::test_config_input_provider_from_declaration${DERIVED}`,
    output: "confirmed:True",
    outputs: CHAIN_OUTPUTS,
  },
  {
    file: f("test_config_checkpoint_from_declaration"),
    source: `${FFD}::test_config_checkpoint_from_declaration${DERIVED}`,
    values: { __tmp_path__: CHECKPOINTS },
    output: "confirmed:True",
  },
  // No provider: the default one pauses; the reviewer's answer comes with --resume (the upstream
  // tests patch `_request_human_feedback` instead; the in-process block does the same).
  {
    file: f("REVIEW_YAML"),
    label: "empty feedback",
    source: `${FFD}::test_human_feedback_from_declaration_default_outcome_routes`,
    status: "paused",
    resume: { feedback: "", output: "discarded", outputs: ["draft-content", "discarded"] },
  },
  {
    file: f("REVIEW_YAML"),
    label: "ship it",
    source: `${FFD}::test_human_feedback_from_declaration_collapses_and_routes`,
    status: "paused",
    resume: { feedback: "ship it", output: "published:ship it" },
  },
  {
    file: f("PENDING_REVIEW_YAML"),
    source: `${FFD}::test_human_feedback_pending_and_resume_from_declaration`,
    status: "paused",
    resume: { feedback: "looks good", output: "resumed:looks good" },
  },
  {
    file: f("test_flow_config_provider_fallback_from_declaration"),
    source: `${FFD}::test_flow_config_provider_fallback_from_declaration`,
    status: "paused",
    // Without `emit`, the method's recorded output is the HumanFeedbackResult (as in CrewAI).
    resume: {
      feedback: "from-config",
      output: "resumed:from-config",
      outputs: [expect.objectContaining({ output: "content", feedback: "from-config", outcome: null }), "resumed:from-config"],
    },
  },
  {
    file: f("_flow_level_persist_yaml"),
    source: `${FFD}::test_flow_level_persist_from_declaration_saves_once_per_method`,
    values: { __store__: "yaml-flow-level" },
    output: "two",
    state: { count: 2 },
  },
  {
    file: f("_method_level_persist_yaml"),
    source: `${FFD}::test_method_level_persist_from_declaration_saves_only_that_method`,
    values: { __store__: "yaml-method-level" },
    output: "two",
    state: { count: 2 },
  },
  {
    file: f("test_method_level_persist_disabled_wins_over_flow_level"),
    source: `${FFD}::test_method_level_persist_disabled_wins_over_flow_level`,
    output: "two",
    state: { count: 2 },
  },
  {
    file: f("test_method_persist_backend_overrides_flow_level_backend_from_declaration"),
    source: `${FFD}::test_method_persist_backend_overrides_flow_level_backend_from_declaration`,
    output: "two",
    state: { count: 2 },
  },
  // tool actions
  {
    file: f("test_from_declaration_runs_tool_action_with_static_inputs"),
    source: `${FFD}::test_from_declaration_runs_tool_action_with_static_inputs`,
    output: "found:ai agents",
  },
  { file: f("test_tool_action_round_trips_with_inputs"), source: `${FFD}::test_tool_action_round_trips_with_inputs`, output: "search:ai agents" },
  {
    file: f("test_tool_action_renders_cel_inputs_at_runtime"),
    source: `${FFD}::test_tool_action_renders_cel_inputs_at_runtime`,
    inputs: { topic: "ai" },
    output: "found:ai agents",
  },
  {
    file: f("test_tool_action_interpolates_cel_string_literals"),
    source: `${FFD}::test_tool_action_interpolates_cel_string_literals`,
    output: "p}x:wrapped a}b value",
  },
  {
    file: f("test_tool_action_interpolates_expression_with_surrounding_text"),
    source: `${FFD}::test_tool_action_interpolates_expression_with_surrounding_text`,
    inputs: { topic: "ai" },
    output: "p:ai extra",
  },
  {
    file: f("test_tool_action_interpolates_adjacent_expressions"),
    source: `${FFD}::test_tool_action_interpolates_adjacent_expressions`,
    output: "p:ab",
  },
  {
    file: f("test_tool_action_interpolates_multiple_expressions_with_literals"),
    source: `${FFD}::test_tool_action_interpolates_multiple_expressions_with_literals`,
    inputs: { a: "one", b: "two" },
    output: "p:here's one and another two!",
  },
  {
    file: f("test_tool_action_interpolates_non_string_values_as_json"),
    source: `${FFD}::test_tool_action_interpolates_non_string_values_as_json`,
    inputs: { n: 3, ok: true, d: { a: 1 } },
    output: 'p:n=3; ok=true; d={"a": 1}',
  },
  {
    file: f("test_tool_action_interpolates_null_as_empty_string"),
    source: `${FFD}::test_tool_action_interpolates_null_as_empty_string`,
    inputs: { note: null },
    output: "p:note:;",
  },
  {
    file: f("test_tool_action_interpolates_object_literal_fields"),
    source: `${FFD}::test_tool_action_interpolates_object_literal_fields`,
    output: "p:result: v end",
  },
  {
    file: f("test_tool_action_keeps_plain_dollar_signs_literal"),
    source: `${FFD}::test_tool_action_keeps_plain_dollar_signs_literal`,
    output: "p:$5 or $more, escaped ${x",
  },
  {
    file: f("test_tool_action_preserves_type_for_object_literal_expression"),
    source: `${FFD}::test_tool_action_preserves_type_for_object_literal_expression`,
    output: "p}x:ai agents",
  },
  {
    file: f("test_tool_action_renders_latest_output_by_method_name"),
    source: `${FFD}::test_tool_action_renders_latest_output_by_method_name`,
    output: "search:hello agents",
  },
  {
    file: f("test_tool_action_uses_state_and_outputs_in_full_yaml_example"),
    source: `${FFD}::test_tool_action_uses_state_and_outputs_in_full_yaml_example`,
    output: "found:ai agents news",
  },
  {
    file: f("test_tool_action_preserves_whole_expression_value_types"),
    source: `${FFD}::test_tool_action_preserves_whole_expression_value_types`,
    inputs: { limit: 2, domains: ["crewai.com", "example.com"] },
    output: "2:crewai.com,example.com",
  },
  {
    file: f("test_tool_action_interpolates_values_inside_list_inputs"),
    source: `${FFD}::test_tool_action_interpolates_values_inside_list_inputs`,
    inputs: { limit: 2, primary_domain: "crewai.com", domain_suffix: "example.com" },
    output: "2:crewai.com,docs.example.com",
  },
  {
    file: f("test_tool_action_renders_interpolated_inputs"),
    source: `${FFD}::test_tool_action_renders_interpolated_inputs`,
    inputs: { ticket: { id: 123, subject: null }, messages: [{ body: "Initial report" }], prefix: "ticket" },
    output: "ticket:Ticket ID: 123; Subject: ; Message: Initial report",
  },
  // code actions
  {
    file: f("test_code_action_renders_keyword_inputs"),
    source: `${FFD}::test_code_action_renders_keyword_inputs`,
    inputs: { name: "hello" },
    output: "hello!",
  },
  {
    file: f("test_code_action_interpolates_strings_and_lists"),
    source: `${FFD}::test_code_action_interpolates_strings_and_lists`,
    inputs: { ticket: { id: 123, subject: "Login issue" }, primary_domain: "crewai.com", domain_suffix: "example.com" },
    output: { prompt: "Ticket 123: Login issue", domains: ["crewai.com", "docs.example.com"] },
  },
  {
    file: f("test_code_action_supports_callable_instance_refs"),
    source: `${FFD}::test_code_action_supports_callable_instance_refs`,
    inputs: { value: "ok" },
    output: "callable:ok",
  },
  // each actions
  {
    file: f("test_each_action_executes_one_nested_code_action"),
    source: `${FFD}::test_each_action_executes_one_nested_code_action`,
    inputs: { rows: ["a", "b"] },
    output: ["normalized:a", "normalized:b"],
  },
  {
    file: f("test_each_action_interpolates_item_values_in_step_inputs"),
    source: `${FFD}::test_each_action_interpolates_item_values_in_step_inputs`,
    inputs: { prefix: "normalized", rows: [{ id: 1, value: "alpha" }, { id: 2, value: "beta" }] },
    output: ["normalized:Row 1: alpha", "normalized:Row 2: beta"],
  },
  {
    // CrewAI's step returns `current_flow_method_name:row` ("process_rows:a") after checking it runs
    // off the event loop. A `with:` code action gets only its mapping in Crewflow, and there is no
    // current-method context to read, so only the per-row result is checked.
    file: f("test_each_action_runs_sync_steps_off_event_loop_with_context"),
    source: `${FFD}::test_each_action_runs_sync_steps_off_event_loop_with_context`,
    inputs: { rows: ["a"] },
    check: (report) => expect(report.output).toEqual([expect.stringMatching(/:a$/)]),
  },
  {
    file: f("test_each_action_runs_async_tool_results_from_sync_steps"),
    source: `${FFD}::test_each_action_runs_async_tool_results_from_sync_steps`,
    inputs: { rows: ["a", "b"] },
    output: ["async:a", "async:b"],
  },
  {
    file: f("test_each_action_uses_iteration_outputs_between_steps"),
    source: `${FFD}::test_each_action_uses_iteration_outputs_between_steps`,
    inputs: { rows: ["a", "b"] },
    output: [
      { row: "a", normalized: "saved:a" },
      { row: "b", normalized: "saved:b" },
    ],
  },
  {
    file: f("test_each_action_resets_step_outputs_between_iterations"),
    source: `${FFD}::test_each_action_resets_step_outputs_between_iterations`,
    inputs: { rows: ["a", "b"] },
    output: ["a", "b"],
    outputs: [["a", "b"]],
  },
  {
    file: f("test_each_action_preserves_flow_outputs_and_prefers_step_outputs"),
    source: `${FFD}::test_each_action_preserves_flow_outputs_and_prefers_step_outputs`,
    inputs: { rows: ["a", "b"] },
    output: ["local:a", "local:b"],
    outputs: ["global", ["local:a", "local:b"]],
  },
  {
    file: f("test_each_action_runs_simple_if_clauses"),
    source: `${FFD}::test_each_action_runs_simple_if_clauses`,
    inputs: { rows: [{ kind: "keep", value: "a" }, { kind: "drop", value: "b" }] },
    output: ["kept:a", "skipped:b"],
  },
  {
    file: f("test_each_action_accepts_expression_markers_in_explicit_cel_fields"),
    source: `${FFD}::test_each_action_accepts_expression_markers_in_explicit_cel_fields`,
    inputs: { rows: [{ kind: "keep", value: "a" }] },
    output: ["a"],
  },
  {
    file: f("test_each_action_skipped_if_keeps_previous_output"),
    source: `${FFD}::test_each_action_skipped_if_keeps_previous_output`,
    inputs: { rows: [{ include: true, value: "a" }, { include: false, value: "b" }] },
    output: ["included:a", "b"],
  },
  {
    file: f("test_each_action_empty_list_returns_empty_and_listener_runs_once"),
    source: `${FFD}::test_each_action_empty_list_returns_empty_and_listener_runs_once`,
    inputs: { rows: [] },
    output: "after:1",
    outputs: [[], "after:1"],
    state: { after_count: 1 },
  },
  // expression actions
  {
    file: f("test_expression_action_round_trips"),
    source: `${FFD}::test_expression_action_round_trips`,
    inputs: { score: 90 },
    output: "qualified",
  },
  {
    file: f("test_explicit_cel_fields_accept_expression_markers"),
    source: `${FFD}::test_explicit_cel_fields_accept_expression_markers`,
    inputs: { score: 90 },
    output: "qualified",
  },
  {
    file: f("test_expression_action_can_route_like_if_else"),
    label: "left",
    source: `${FFD}::test_expression_action_can_route_like_if_else`,
    inputs: { direction: "left" },
    output: "took-left",
  },
  {
    file: f("test_expression_action_can_route_like_if_else"),
    label: "right",
    source: `${FFD}::test_expression_action_can_route_like_if_else`,
    inputs: { direction: "right" },
    output: "took-right",
  },

  // ---- test_flow_definition.py: declarations its tests only load ----------------------------------
  ...[
    "test_flow_definition_from_declaration_accepts_contents.yaml",
    "test_flow_definition_from_declaration_accepts_contents__2.json",
    "test_flow_definition_from_declaration_accepts_contents__3.yaml",
    "test_flow_definition_from_declaration_accepts_paths.yaml",
    "test_flow_definition_from_declaration_accepts_paths__2.yaml",
    "test_flow_definition_from_declaration_prefers_contents_over_path.yaml",
  ].map((name) => ({ file: d(name), source: `${FD}::${name.replace(/(__\d)?\.\w+$/, "")}${DERIVED}`, output: "started" })),
  ...["test_flow_definition_from_declaration_accepts_json_and_yaml_strings.json", "test_flow_definition_from_declaration_accepts_json_and_yaml_strings__2.yaml"].map(
    (name) => ({
      file: d(name),
      source: `${FD}::test_flow_definition_from_declaration_accepts_json_and_yaml_strings${DERIVED}`,
      output: "left",
      outputs: ["started", "left", "left"],
    }),
  ),
  { file: d("test_omitting_the_conversational_block_leaves_it_none.yaml"), source: `${FD}::test_omitting_the_conversational_block_leaves_it_none${DERIVED}`, output: "x" },
  {
    file: d("test_each_action_loads_from_declaration.yaml"),
    source: `${FD}::test_each_action_loads_from_declaration${DERIVED}`,
    inputs: { rows: ["a", "b"] },
    output: [
      { row: "a", normalized: "normalized:a" },
      { row: "b", normalized: "normalized:b" },
    ],
  },
  {
    file: d("test_flow_definition_ignores_legacy_diagnostics_loaded_from_contract.yaml"),
    source: `${FD}::test_flow_definition_ignores_legacy_diagnostics_loaded_from_contract${DERIVED}`,
    output: "started",
  },
  // A method with neither `start` nor `listen` never runs (spec §1.1): nothing runs, the result is None.
  {
    file: d("test_router_start_false_without_listen_is_allowed.yaml"),
    source: `${FD}::test_router_start_false_without_listen_is_allowed${DERIVED}`,
    output: null,
    outputs: [],
  },
  {
    file: d("test_flow_definition_allows_router_without_trigger.yaml"),
    source: `${FD}::test_flow_definition_allows_router_without_trigger${DERIVED}`,
    output: null,
    outputs: [],
  },
  // `listen: begni` names nothing: the listener never runs.
  {
    file: d("test_static_string_listener_is_allowed_by_contract.yaml"),
    source: `${FD}::test_static_string_listener_is_allowed_by_contract${DERIVED}`,
    output: "started",
    outputs: ["started"],
  },
  {
    file: d("test_start_false_not_classified_as_start_method.yaml"),
    source: `${FD}::test_start_false_not_classified_as_start_method${DERIVED}`,
    output: "handled",
    outputs: ["started", "handled"],
  },
  {
    file: "t-flow_visualization__test_build_flow_structure_from_flow_definition.yaml",
    source: `test_flow_visualization.py::test_build_flow_structure_from_flow_definition${DERIVED}`,
    output: "finished",
    outputs: ["started", "done", "finished"],
  },

  // ---- test_flow_conversation.py: the non-conversational declarations -----------------------------
  {
    file: "t-flow_conversation__test_non_conversational_declaration_is_not_marked.yaml",
    source: `${CONV}::test_non_conversational_declaration_is_not_marked${DERIVED}`,
    output: "x",
  },
  {
    file: "t-flow_conversation__test_non_conversational_declaration_keeps_its_state.yaml",
    source: `${CONV}::test_non_conversational_declaration_keeps_its_state`,
    output: "ai",
    state: { topic: "ai" },
  },
  {
    file: "t-flow_conversation__test_non_conversational_flow_synthesizes_nothing.yaml",
    source: `${CONV}::test_non_conversational_flow_synthesizes_nothing${DERIVED}`,
    output: "x",
    outputs: ["x"],
  },

  // ---- the CLI's tests (crewai run --definition FILE --inputs JSON) -------------------------------
  {
    file: "cli-t-run_declarative_flow__FLOW_YAML.yaml",
    source: `${CLI}::test_run_declarative_flow_reads_definition_file`,
    inputs: { topic: "AI" },
    output: "AI",
  },
  {
    file: "cli-t-run_declarative_flow__REQUIRED_FLOW_YAML.yaml",
    source: `${CLI}::test_inputs_flag_satisfies_required_field`,
    inputs: { prospect_email: "a@b.com" },
    output: "a@b.com",
  },
  {
    file: "cli-t-run_declarative_flow__REQUIRED_FLOW_YAML.yaml",
    label: "with id",
    source: `${CLI}::test_reserved_id_input_is_forwarded_not_dropped`,
    inputs: { id: "run-123", prospect_email: "a@b.com" },
    output: "a@b.com",
    state: { id: "run-123" },
  },
  // CrewAI's CLI checks required inputs before kickoff ("Missing required input 'audience'");
  // here the run itself fails on the missing field.
  {
    file: "cli-t-run_declarative_flow__DEFAULTS_FLOW_YAML.yaml",
    source: `${CLI}::test_defaults_satisfy_required_and_are_not_prompted`,
    status: "failed",
    error: /audience/,
    check: (report) => expect(report.error?.message).not.toMatch(/'topic'|topic:/),
  },
  {
    file: "cli-t-run_declarative_flow__DEFAULTS_FLOW_YAML.yaml",
    label: "audience given",
    source: `${CLI}::test_defaults_satisfy_required_and_are_not_prompted${DERIVED}`,
    inputs: { audience: "builders" },
    output: "builders",
    state: { topic: "AI", audience: "builders" },
  },
  {
    file: "cli-t-run_declarative_flow__TYPED_FLOW_YAML.yaml",
    source: `${CLI}::test_validates_input_types_before_kickoff`,
    inputs: { count: "nope" },
    status: "failed",
    error: /count/,
  },
  {
    file: "cli-t-flow_commands__FLOW_YAML.yaml",
    source: "cli/test_flow_commands.py::test_flow_kickoff_runs_configured_declarative_definition",
    output: "AI",
  },
  {
    file: join(EXAMPLES, "cli-templates-declarative_flow__flow.yaml"),
    label: "rendered",
    source: "cli template `crewai create flow` (rendered with flow_name=ResearchFlow)",
    values: { "{{flow_name}}": "ResearchFlow" },
    output: "AI agents",
  },
];

/** Valid files that are not run, and why. */
const NOT_RUN_REASON = (features: string[]): string | null => {
  if (features.includes("conversational")) return "conversational (out of scope: load and validate only)";
  if (features.some((x) => x === "call:crew" || x === "call:agent" || x === "each-step:agent")) return "needs an LLM (crew/agent action)";
  if (features.some((x) => x === "call:script" || x === "each-step:script")) return "python `call: script`";
  return null;
};

// ---- running the CLI ------------------------------------------------------------------------------

/** Runs at most `size` tasks at a time, in order; `first` puts a task at the head of the queue. */
function limiter(size: number): <T>(task: () => Promise<T>, first?: boolean) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return (task, first = false) =>
    new Promise((resolveTask, rejectTask) => {
      const start = () => {
        active++;
        task()
          .then(resolveTask, rejectTask)
          .finally(() => {
            active--;
            queue.shift()?.();
          });
      };
      if (active < size) start();
      else if (first) queue.unshift(start);
      else queue.push(start);
    });
}

/** At most four `crewflow` processes at a time. */
const limit = limiter(4);

/**
 * The command `pnpm -s crewflow` runs (the root package.json's `crewflow` script), started without
 * pnpm in front: pnpm's own start-up would add about 0.6 s of CPU to each of the ~110 runs. One
 * test below runs a file through `pnpm -s crewflow` itself to show both give the same report.
 */
const CREWFLOW = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { crewflow: string } }).scripts.crewflow.split(" ");

/** The environment of every run: no script opt-in, whatever the caller's shell has. */
const ENV = { ...process.env };
delete ENV.CREWAI_ALLOW_FLOW_SCRIPT_EXECUTION;
delete ENV.INIT_CWD;

interface Spawned {
  code: number;
  report: Report;
}

function spawnJson(command: string, args: string[], label: string): Promise<Spawned> {
  return new Promise<Spawned>((done, fail) => {
    execFile(command, args, { cwd: REPO_ROOT, env: ENV, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      try {
        done({ code, report: JSON.parse(stdout) as Report });
      } catch {
        fail(new Error(`crewflow run ${label} exited ${code} without a JSON report:\n${stdout}\n${stderr}`));
      }
    });
  });
}

function runArgs(path: string, extra: string[]): string[] {
  return ["run", path, "--json", "--modules", MODULES, "--data", DATA, ...extra];
}

/** `crewflow run PATH --json --modules tests/crewai/modules --data DATA …extra`; `first` jumps the queue (resumes). */
function crewflowRun(path: string, extra: string[], first = false): Promise<Spawned> {
  const [command, ...prefix] = CREWFLOW as [string, ...string[]];
  return limit(() => spawnJson(command, [...prefix, ...runArgs(path, extra)], basename(path)), first);
}

let written = 0;
/** The file a case runs: the original, or a copy with its placeholders filled in. */
function fileFor(file: string, values: Record<string, unknown> | undefined): string {
  const original = file.startsWith("/") ? file : join(EXAMPLES, "extracted", file);
  const text = readFileSync(original, "utf8");
  if (!values && !text.includes("__")) return original;
  let body: string;
  if (values && Object.keys(values).some((k) => k.startsWith("{{")))
    body = Object.entries(values).reduce((t, [k, v]) => t.replaceAll(k, String(v)), text);
  else body = stringify(substitute(parse(text), { ...FILLERS, ...values }));
  const dir = join(work, `case-${written++}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, basename(original).replace(/\.json$/, ".yaml"));
  writeFileSync(path, body);
  return path;
}

interface Outcome {
  first: Spawned;
  resumed: Spawned | null;
}

async function runCase(testCase: RunCase): Promise<Outcome> {
  const path = fileFor(testCase.file, testCase.values);
  const first = await crewflowRun(path, testCase.inputs ? ["--inputs", JSON.stringify(testCase.inputs)] : []);
  if (!testCase.resume || first.report.status !== "paused") return { first, resumed: null };
  const resumed = await crewflowRun(path, ["--resume", first.report.runId, "--feedback", testCase.resume.feedback], true);
  return { first, resumed };
}

function methodOutputs(report: Report): unknown[] {
  return report.trace.filter((t) => t.status === "completed").map((t) => t.output);
}

function sortedReprs(values: unknown[]): string[] {
  return values.map((v) => JSON.stringify(v)).sort();
}

function verify(expectation: Expectation, { code, report }: Spawned): void {
  const status = expectation.status ?? "completed";
  expect(report.status, `error: ${JSON.stringify(report.error)}`).toBe(status);
  expect(code).toBe(status === "failed" ? 1 : 0);
  if ("output" in expectation) expect(report.output).toEqual(expectation.output);
  if (expectation.state) expect(report.state).toMatchObject(expectation.state);
  if (expectation.outputs) expect(methodOutputs(report)).toEqual(expectation.outputs);
  if (expectation.unorderedOutputs) expect(sortedReprs(methodOutputs(report))).toEqual(sortedReprs(expectation.unorderedOutputs));
  if (expectation.error) expect(`${report.error?.type}: ${report.error?.message}`).toMatch(expectation.error);
  if (status !== "failed") expect(report.error).toBeNull();
  expectation.check?.(report);
}

/** The invalid files CrewAI rejects at build or run time, one run per parametrized input. */
const FAILURES: { name: string; file: string; values?: Record<string, unknown>; inputs?: Record<string, unknown>; error: RegExp }[] = [];
const RUN_STAGE_INPUTS: Record<string, Record<string, unknown>> = {
  [f("test_each_action_if_condition_must_be_boolean")]: { rows: [{ value: "truthy" }] },
  [f("test_each_action_failure_fails_outer_method")]: { rows: ["ok", "bad"] },
};
for (const entry of INDEX.filter((e) => RUN_STAGE.has(e.file))) {
  const error = expectedPattern(entry.expects_error!)!;
  const variants = VARIANTS[entry.file];
  if (variants)
    for (const variant of variants)
      FAILURES.push({
        name: `${entry.file} [${variant.label}]`,
        file: entry.file,
        ...(variant.values ? { values: variant.values } : {}),
        ...(variant.inputs ? { inputs: variant.inputs } : {}),
        error,
      });
  else FAILURES.push({ name: entry.file, file: entry.file, ...(RUN_STAGE_INPUTS[entry.file] ? { inputs: RUN_STAGE_INPUTS[entry.file] } : {}), error });
}

const caseName = (c: RunCase) => `${basename(c.file)}${c.label ? ` [${c.label}]` : ""}`;
const outcomes = new Map<string, Promise<Outcome>>();
const failureRuns = new Map<string, Promise<Spawned>>();

describe("from the shell: crewflow run --json --modules tests/crewai/modules FILE", () => {
  // Every run starts here, four at a time; each test then waits for its own.
  beforeAll(() => {
    for (const c of RUNS) {
      const pending = runCase(c);
      pending.catch(() => undefined);
      outcomes.set(caseName(c), pending);
    }
    for (const c of FAILURES) {
      const pending = crewflowRun(fileFor(c.file, c.values), c.inputs ? ["--inputs", JSON.stringify(c.inputs)] : []);
      pending.catch(() => undefined);
      failureRuns.set(c.name, pending);
    }
  });

  describe("the valid files give the outputs CrewAI's tests assert", () => {
    it("every valid file that needs no LLM, no python script and no chat mode is in the table", () => {
      const runnable = INDEX.filter((e) => !e.expects_error && NOT_RUN_REASON(e.features) === null).map((e) => e.file);
      const covered = new Set(RUNS.map((c) => c.file));
      expect(runnable.filter((file) => !covered.has(file))).toEqual([]);
      expect([...covered].filter((file) => !file.startsWith("/") && !runnable.includes(file))).toEqual([]);
    });

    it("`pnpm -s crewflow run` gives the same report as the command it wraps", async () => {
      const path = fileFor(f("CHAIN_YAML"), undefined);
      const [viaPnpm, direct] = await Promise.all([
        limit(() => spawnJson("pnpm", ["-s", "crewflow", ...runArgs(path, [])], "CHAIN_YAML via pnpm"), true),
        outcomes.get(caseName(RUNS[0]!))!,
      ]);
      const stable = ({ report }: Spawned) => ({ ...report, runId: null, stateId: null, state: { ...report.state, id: null } });
      expect(viaPnpm.code).toBe(direct.first.code);
      expect(stable(viaPnpm)).toEqual(stable(direct.first));
    });

    for (const testCase of RUNS) {
      it(`${caseName(testCase)} — ${testCase.source}`, async () => {
        const outcome = await outcomes.get(caseName(testCase))!;
        const verifyAll = () => {
          verify(testCase, outcome.first);
          if (testCase.resume) {
            expect(outcome.resumed, "the paused run was resumed").not.toBeNull();
            verify(testCase.resume, outcome.resumed!);
          }
        };
        verifyAll();
      });
    }
  });

  describe("the invalid files CrewAI rejects only when the flow is built or run fail when run", () => {
    it("one run per RUN_STAGE file and parametrized input", () => {
      expect(new Set(FAILURES.map((c) => c.file))).toEqual(RUN_STAGE);
      expect(FAILURES).toHaveLength(RUN_STAGE.size + 2);
    });

    for (const failure of FAILURES)
      it(`${failure.name} → ${failure.error.source}`, async () => {
        const { code, report } = await failureRuns.get(failure.name)!;
        expect(report.status).toBe("failed");
        expect(code).toBe(1);
        expect(report.error?.message).toMatch(failure.error);
        // CrewAI raises the opt-in error by itself, not wrapped in the unresolvable-actions summary.
        if (failure.file.includes("script_action_requires_explicit_opt_in"))
          expect(report.error).toMatchObject({ type: "FlowScriptExecutionDisabledError", message: expect.not.stringMatching(/methods with unresolvable actions/) });
      });
  });
});

// ---- in-process: what the upstream tests check through Python-only hooks ------------------------

function definitionOf(file: string, values?: Record<string, unknown>): FlowDefinition {
  const path = fileFor(file, values);
  const loaded = loadDefinitionText(readFileSync(path, "utf8"), { sourcePath: path });
  if (!loaded.definition) throw new Error(`${file}: ${loaded.errors.map((e) => e.message).join("; ")}`);
  return loaded.definition;
}

/** Python's `DefinitionStoreBackend` registered by class name, as CrewAI's backend registry does. */
const persistenceTypes = { DefinitionStoreBackend: (config: Record<string, unknown>) => new DefinitionStoreBackend(String(config.store ?? "default")) };
const modulePaths = [MODULES];

function answering(feedback: string, calls: string[] = []): HumanFeedbackProvider {
  return {
    requestFeedback(context) {
      calls.push(context.method_name);
      return feedback;
    },
  };
}

describe("in-process runs (the upstream test patches a method, passes a backend instance or listens to events)", () => {
  it("REVIEW_YAML: empty feedback routes to the default outcome — test_human_feedback_from_declaration_default_outcome_routes", async () => {
    const calls: string[] = [];
    const flow = await Flow.create(definitionOf(f("REVIEW_YAML")), { modulePaths, feedback: { provider: answering("", calls) } });
    expect(await flow.kickoff()).toBe("discarded");
    expect(calls).toHaveLength(1);
    expect(flow.lastFeedback).toMatchObject({ outcome: "rejected", output: "draft-content" });
  });

  it("REVIEW_YAML: feedback collapsed to an outcome routes there — test_human_feedback_from_declaration_collapses_and_routes", async () => {
    const flow = await Flow.create(definitionOf(f("REVIEW_YAML")), {
      modulePaths,
      feedback: { provider: answering("ship it"), collapse: async () => "approved" },
    });
    expect(await flow.kickoff()).toBe("published:ship it");
    expect(flow.feedbackHistory.map((r) => r.outcome)).toEqual(["approved"]);
  });

  it("PENDING_REVIEW_YAML: pauses, then resumes in a new flow — test_human_feedback_pending_and_resume_from_declaration", async () => {
    const definition = definitionOf(f("PENDING_REVIEW_YAML"));
    const flow = await Flow.create(definition, { modulePaths, persistenceTypes });
    const pending = await flow.kickoff();
    expect(pending).toBeInstanceOf(HumanFeedbackPending);
    const flowId = (pending as HumanFeedbackPending).context.flow_id;
    expect(DefinitionStoreBackend.pending.has(flowId)).toBe(true);

    const resumed = await Flow.fromPending(flowId, definition, { modulePaths, persistenceTypes, persistence: new DefinitionStoreBackend("hitl-pending") });
    expect(await resumed.resume("looks good")).toBe("resumed:looks good");
    expect(resumed.lastFeedback?.feedback).toBe("looks good");
    expect(DefinitionStoreBackend.pending.has(flowId)).toBe(false);
  });

  it("flow-wide provider answers when the method names none — test_flow_config_provider_fallback_from_declaration", async () => {
    const calls: string[] = [];
    const flow = await Flow.create(definitionOf(f("test_flow_config_provider_fallback_from_declaration")), {
      modulePaths,
      feedback: { provider: answering("from-config", calls) },
    });
    expect(await flow.kickoff()).toBe("resumed:from-config");
    expect(calls).toEqual(["generate"]);
  });

  it("_flow_level_persist_yaml saves after each method — test_flow_level_persist_from_declaration_saves_once_per_method", async () => {
    const flow = await Flow.create(definitionOf(f("_flow_level_persist_yaml"), { __store__: "yaml-flow-level" }), { modulePaths, persistenceTypes });
    expect(await flow.kickoff()).toBe("two");
    expect(DefinitionStoreBackend.savedMethods("yaml-flow-level")).toEqual(["first", "second"]);
    const [, finalSave] = DefinitionStoreBackend.saves.get("yaml-flow-level")!.at(-1)!;
    expect(finalSave).toMatchObject({ count: 2, id: flow.state.id });
  });

  it("_flow_level_persist_yaml restores by id — test_persist_restore_by_id_from_declaration", async () => {
    const definition = definitionOf(f("_flow_level_persist_yaml"), { __store__: "yaml-restore" });
    const first = await Flow.create(definition, { modulePaths, persistenceTypes });
    await first.kickoff();
    expect(first.state.count).toBe(2);
    const second = await Flow.create(definition, { modulePaths, persistenceTypes });
    await second.kickoff({ inputs: { id: first.state.id } });
    expect(second.state.count).toBe(4);
  });

  it("_method_level_persist_yaml saves only that method — test_method_level_persist_from_declaration_saves_only_that_method", async () => {
    const flow = await Flow.create(definitionOf(f("_method_level_persist_yaml"), { __store__: "yaml-method-level" }), { modulePaths, persistenceTypes });
    await flow.kickoff();
    expect(DefinitionStoreBackend.savedMethods("yaml-method-level")).toEqual(["first"]);
    expect(DefinitionStoreBackend.saves.get("yaml-method-level")![0]![1]).toMatchObject({ count: 1 });
  });

  it("method-level `enabled: false` wins — test_method_level_persist_disabled_wins_over_flow_level", async () => {
    const flow = await Flow.create(definitionOf(f("test_method_level_persist_disabled_wins_over_flow_level")), { modulePaths, persistenceTypes });
    await flow.kickoff();
    expect(DefinitionStoreBackend.savedMethods("yaml-opt-out")).toEqual(["first"]);
  });

  it("method backend beats the flow-level one — test_method_persist_backend_overrides_flow_level_backend_from_declaration", async () => {
    const flow = await Flow.create(definitionOf(f("test_method_persist_backend_overrides_flow_level_backend_from_declaration")), {
      modulePaths,
      persistenceTypes,
    });
    await flow.kickoff();
    expect(DefinitionStoreBackend.savedMethods("yaml-mixed-flow")).toEqual(["first"]);
    expect(DefinitionStoreBackend.savedMethods("yaml-mixed-method")).toEqual(["second"]);
  });

  it("SUPPRESSED_CHAIN_YAML mutes method events — test_config_suppress_flow_events_from_declaration", async () => {
    const seen: FlowEvent[] = [];
    const flow = await Flow.create(definitionOf(f("SUPPRESSED_CHAIN_YAML")), { modulePaths, onEvent: (e) => seen.push(e) });
    expect(await flow.kickoff()).toBe("confirmed:True");
    expect(seen.filter((e) => e.type.startsWith("method_execution"))).toEqual([]);
  });

  it("DEFERRED_CHAIN_YAML emits no flow_finished — test_config_defer_trace_finalization_from_declaration", async () => {
    const baseline = await Flow.create(definitionOf(f("CHAIN_YAML")), { modulePaths });
    await baseline.kickoff();
    expect(baseline.events.filter((e) => e.type === "flow_finished")).toHaveLength(1);
    const deferred = await Flow.create(definitionOf(f("DEFERRED_CHAIN_YAML")), { modulePaths });
    expect(await deferred.kickoff()).toBe("confirmed:True");
    expect(deferred.events.filter((e) => e.type === "flow_finished")).toEqual([]);
  });

  it.each([
    ["UNRESOLVABLE_STATE_YAML", `${FFD}::test_pydantic_state_without_ref_or_schema_falls_back_to_dict`],
    ["UNKNOWN_STATE_YAML", `${FFD}::test_unknown_state_type_falls_back_to_dict`],
  ])("%s warns that it falls back to dict state — %s", async (name) => {
    const flow = await Flow.create(definitionOf(f(name)), { modulePaths });
    expect(flow.warnings.join("\n")).toContain("falling back to dict state");
    expect(await flow.kickoff()).toBe("hello");
  });

  it("DICT_STATE_YAML: each flow gets its own copy of the default — test_dict_state_is_a_copy_of_default_plus_id", async () => {
    const definition = definitionOf(f("DICT_STATE_YAML"));
    const flow = await Flow.create(definition, { modulePaths });
    expect(flow.state).toMatchObject({ count: 5, id: expect.any(String) });
    await flow.kickoff();
    const second = await Flow.create(definition, { modulePaths });
    expect(second.state.count).toBe(5);
    expect(second.state).not.toHaveProperty("begin_ran");
    expect(second.state.id).not.toBe(flow.state.id);
    expect(definition.state?.default).toEqual({ count: 5 });
  });
});
