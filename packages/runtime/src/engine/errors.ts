import type { HumanFeedbackResult } from "../actions/types";
import type { PendingFeedbackContext } from "../persistence";

/** Python's exception names are kept as `name` so messages and `--json` errors read like CrewAI's. */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Raised by a feedback provider to pause the flow (spec §6.4). `kickoff` returns it instead of
 * throwing; the context is persisted so another process can resume.
 */
export class HumanFeedbackPending extends Error {
  override name = "HumanFeedbackPending";
  constructor(
    public context: PendingFeedbackContext,
    message?: string,
  ) {
    super(message ?? `Human feedback pending for flow '${context.flow_id}' at method '${context.method_name}'`);
  }
}

/** Thrown inside branches that were abandoned (failure elsewhere, a racing sibling won, cancel). */
export class Cancelled extends Error {
  override name = "Cancelled";
}

export function isHumanFeedbackResult(value: unknown): value is HumanFeedbackResult {
  return typeof value === "object" && value !== null && "feedback" in value && "method_name" in value && "outcome" in value;
}
