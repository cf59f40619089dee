import type { Problem } from "./types";

export interface ProblemsListProps {
  problems: readonly Problem[];
  /** Called when a problem is chosen (the editor selects its method). */
  onSelect: (problem: Problem) => void;
}

/** Errors first, then warnings; each one a button that leads to where it is. */
export function ProblemsList({ problems, onSelect }: ProblemsListProps) {
  const ordered = [...problems].sort((a, b) => rank(a) - rank(b));
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  return (
    <section className="cf-problems" aria-label="Problems">
      <h3>
        Problems <span className="cf-problems-count">{summary(errors, warnings)}</span>
      </h3>
      {ordered.length === 0 ? (
        <p className="cf-muted">No problems.</p>
      ) : (
        <ul>
          {ordered.map((problem, index) => (
            <li key={`${problem.path}-${index}`}>
              <button type="button" className={`cf-problem cf-problem-${problem.severity}`} onClick={() => onSelect(problem)}>
                <span className="cf-problem-severity">{problem.severity === "error" ? "Error" : "Warning"}</span>{" "}
                {problem.method !== undefined && <strong>{problem.method}: </strong>}
                {problem.message}
                {problem.path && <span className="cf-problem-path"> ({problem.path})</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function rank(problem: Problem): number {
  return problem.severity === "error" ? 0 : 1;
}

function summary(errors: number, warnings: number): string {
  const parts = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.join(", ");
}
