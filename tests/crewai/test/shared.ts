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
