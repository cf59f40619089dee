// Where `../shared` lives (CrewAI's example files and our spec). Only this suite reads it; the
// README's test command must pass on a clone that has no `../shared` (spec/crewflow-decisions.md).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const SHARED = resolve(process.env.CREWFLOW_SHARED ?? join(REPO_ROOT, "../shared"));
export const EXAMPLES = join(SHARED, "crewai-examples");

if (!existsSync(EXAMPLES))
  throw new Error(`CrewAI examples not found at ${EXAMPLES}; set CREWFLOW_SHARED to the shared folder`);

export interface IndexEntry {
  file: string;
  source: string;
  expects_error: string | null;
  parametrized: boolean;
  features: string[];
}

export const INDEX: IndexEntry[] = JSON.parse(readFileSync(join(EXAMPLES, "extracted/_index.json"), "utf8"));

/** `ValueError match='each.in must …'` → the Python regex CrewAI's test matched against the error text. */
export function expectedPattern(expectsError: string): RegExp | null {
  const match = /match=(?:'([^']*)'|"([^"]*)")/.exec(expectsError);
  const source = match?.[1] ?? match?.[2];
  return source === undefined ? null : new RegExp(source);
}

/**
 * CrewAI raises these only when the flow is built or kicked off, and the file alone cannot decide
 * them (the error needs an import, an environment opt-in or run-time data). CrewAI's loader accepts
 * them, so validation must too; run-examples.test.ts checks the failure when they run.
 */
export const RUN_STAGE = new Set([
  "t-flow_from_definition__test_each_action_if_condition_must_be_boolean.yaml",
  "t-flow_from_definition__test_each_action_failure_fails_outer_method.yaml",
  "t-flow_from_definition__test_each_action_rejects_non_list_inputs.yaml",
  "t-flow_from_definition__test_script_action_requires_explicit_opt_in.yaml",
  "t-flow_from_definition__test_provider_ref_requiring_ctor_args_fails_loudly.yaml",
  "t-flow_from_definition__test_unresolvable_provider_ref_names_field_and_ref.yaml",
  "t-flow_from_definition__test_from_declaration_unresolvable_ref_raises.yaml",
]);
