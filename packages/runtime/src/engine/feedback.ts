// The human-feedback step that runs after a method's action (spec §6.2) and its completion on resume
// (§6.5). Crewflow's default provider pauses the run (CrewAI's is a console prompt): a server or CLI
// has no terminal to ask, so the run waits for `resume(feedback)` instead.
import type { HumanFeedbackDefinition } from "@crewflow/definition";
import { HUMAN_FEEDBACK_DEFAULT_LLM } from "@crewflow/definition";
import type { FlowHandle, HumanFeedbackResult } from "../actions/types";
import { toJson } from "../json";
import type { PendingFeedbackContext } from "../persistence";
import { type RefContext, RefError, instantiate, isClass, resolveRef } from "../refs";
import { HumanFeedbackPending, namedError } from "./errors";

export interface HumanFeedbackProvider {
  /** Return the reviewer's text, or throw `HumanFeedbackPending` to pause the run. */
  requestFeedback(context: PendingFeedbackContext, flow: FlowHandle): unknown;
}

/** Maps free-text feedback onto one of the outcomes (CrewAI asks an LLM; §6.2 step 4). */
export type OutcomeCollapser = (feedback: string, outcomes: string[], llm: unknown) => Promise<string>;

export interface FeedbackOptions {
  /** The flow-wide provider (CrewAI's `flow_config.hitl_provider`). */
  provider?: HumanFeedbackProvider;
  collapse?: OutcomeCollapser;
  refs?: RefContext;
  flowName?: string;
}

/** Without an LLM: an exact (case-insensitive) outcome, else the longest outcome the text contains, else the first. */
export const collapseByText: OutcomeCollapser = async (feedback, outcomes) => {
  const text = feedback.trim().toLowerCase();
  const exact = outcomes.find((o) => o.toLowerCase() === text);
  if (exact) return exact;
  let best: string | null = null;
  for (const outcome of outcomes) if (text.includes(outcome.toLowerCase()) && (best === null || outcome.length > best.length)) best = outcome;
  return best ?? outcomes[0]!;
};

/** The pausing provider: what runs when a flow names no provider. */
export const pausingProvider: HumanFeedbackProvider = {
  requestFeedback(context) {
    throw new HumanFeedbackPending(context);
  },
};

async function resolveProvider(ref: string, refs: RefContext): Promise<HumanFeedbackProvider> {
  let target: unknown;
  try {
    target = await resolveRef(ref, "human_feedback.provider", refs);
  } catch (err) {
    if (err instanceof RefError && err.message.startsWith("invalid")) throw err;
    throw namedError("ValueError", `unresolvable human_feedback.provider ref '${ref}'`);
  }
  const provider = isClass(target) ? instantiate(target, "human_feedback.provider", ref) : target;
  const request = (provider as { requestFeedback?: unknown; request_feedback?: unknown } | null) ?? {};
  if (typeof request.requestFeedback === "function") return provider as HumanFeedbackProvider;
  if (typeof request.request_feedback === "function")
    return { requestFeedback: (c, f) => (request.request_feedback as (c: unknown, f: unknown) => unknown).call(provider, c, f) };
  throw namedError(
    "ValueError",
    `human_feedback.provider '${ref}' does not implement the HumanFeedbackProvider protocol (missing request_feedback).`,
  );
}

/** Python's str(): what CrewAI does to a provider's answer (None → "None"). */
function pyStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  return typeof value === "string" ? value : String(value);
}

export async function runFeedbackStep(
  flow: FlowHandle,
  method: string,
  config: HumanFeedbackDefinition,
  output: unknown,
  flowId: string,
  options: FeedbackOptions,
  _sourcePath?: string,
): Promise<{ result: HumanFeedbackResult; outcome: string | null }> {
  const context: PendingFeedbackContext = {
    flow_id: flowId || "unknown",
    flow_class: options.flowName ?? "Flow",
    method_name: method,
    method_output: toJson(output),
    message: config.message,
    emit: config.emit?.length ? [...config.emit] : null,
    default_outcome: config.default_outcome ?? null,
    metadata: (toJson(config.metadata ?? {}) as Record<string, never>) ?? {},
    llm: toJson("llm" in config ? config.llm : HUMAN_FEEDBACK_DEFAULT_LLM),
    requested_at: new Date().toISOString(),
    execution_uuid: null,
  };
  const provider =
    typeof config.provider === "string" ? await resolveProvider(config.provider, options.refs ?? {}) : (options.provider ?? pausingProvider);
  const feedback = pyStr(await provider.requestFeedback(context, flow));
  return finalizeFeedback(context, feedback, options, output);
}

/** Outcome and result for a feedback text (spec §6.2 steps 4–5). */
export async function finalizeFeedback(
  context: PendingFeedbackContext,
  feedback: string,
  options: FeedbackOptions,
  output: unknown = context.method_output,
): Promise<{ result: HumanFeedbackResult; outcome: string | null }> {
  const emit = context.emit ?? [];
  let outcome: string | null = null;
  if (!feedback.trim()) outcome = context.default_outcome || (emit[0] ?? null);
  else if (emit.length > 0) outcome = context.llm === null ? emit[0]! : await (options.collapse ?? collapseByText)(feedback, emit, context.llm);
  const result: HumanFeedbackResult = {
    output,
    feedback,
    outcome,
    timestamp: new Date().toISOString(),
    method_name: context.method_name,
    metadata: context.metadata ?? {},
  };
  return { result, outcome };
}
