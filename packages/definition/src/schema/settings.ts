import { z } from "zod";
import { jsonObject, laxBool, laxInt } from "./common";

/** Flow-level runtime settings (unknown keys ignored). Defaults live in `resolveConfig`. */
export const configSchema = z.object({
  tracing: laxBool.nullish(),
  stream: laxBool.optional(),
  memory: jsonObject.nullish(),
  input_provider: z.string().nullish(),
  suppress_flow_events: laxBool.optional(),
  max_method_calls: laxInt.optional(),
  defer_trace_finalization: laxBool.optional(),
  checkpoint: z.union([laxBool, jsonObject]).nullish(),
});
export type ConfigDefinition = z.output<typeof configSchema>;

export interface ResolvedConfig {
  tracing: boolean | null;
  stream: boolean;
  memory: Record<string, unknown> | null;
  input_provider: string | null;
  suppress_flow_events: boolean;
  max_method_calls: number;
  defer_trace_finalization: boolean;
  checkpoint: boolean | Record<string, unknown> | null;
}

/** Config with CrewAI's defaults filled in (the file keeps only what the author wrote). */
export function resolveConfig(config: ConfigDefinition | null | undefined): ResolvedConfig {
  return {
    tracing: config?.tracing ?? null,
    stream: config?.stream ?? false,
    memory: config?.memory ?? null,
    input_provider: config?.input_provider ?? null,
    suppress_flow_events: config?.suppress_flow_events ?? false,
    max_method_calls: config?.max_method_calls ?? 100,
    defer_trace_finalization: config?.defer_trace_finalization ?? false,
    checkpoint: config?.checkpoint ?? null,
  };
}

/** Flow- or method-level persistence (unknown keys ignored). */
export const persistSchema = z.object({
  enabled: laxBool.optional(),
  verbose: laxBool.optional(),
  persistence: z.unknown().optional(),
});
export type PersistDefinition = z.output<typeof persistSchema>;

/** A human review step applied after a method's action (unknown keys ignored). */
export const humanFeedbackSchema = z.object({
  message: z.string(),
  emit: z.array(z.string()).nullish(),
  /** CrewAI's declaration default is "gpt-4o-mini" (see `HUMAN_FEEDBACK_DEFAULT_LLM`). */
  llm: z.unknown().optional(),
  default_outcome: z.string().nullish(),
  metadata: jsonObject.nullish(),
  provider: z.unknown().optional(),
  learn: laxBool.optional(),
  learn_source: z.string().optional(),
  learn_strict: laxBool.optional(),
});
export type HumanFeedbackDefinition = z.output<typeof humanFeedbackSchema>;
export const HUMAN_FEEDBACK_DEFAULT_LLM = "gpt-4o-mini";

/** CrewAI's experimental conversational mode: validated, not run (unknown keys ignored). */
export const conversationalSchema = z.object({
  enabled: laxBool.optional(),
  system_prompt: z.string().nullish(),
  llm: z.unknown().optional(),
  router: z
    .object({
      prompt: z.string().nullish(),
      response_format: z.unknown().optional(),
      llm: z.unknown().optional(),
      routes: z.unknown().optional(),
      route_descriptions: z.record(z.string(), z.string()).nullish(),
      default_intent: z.string().nullish(),
      fallback_intent: z.string().nullish(),
      intent_field: z.string().nullish(),
    })
    .nullish(),
  answer_from_history_prompt: z.string().nullish(),
  default_intents: z.unknown().optional(),
  intent_llm: z.unknown().optional(),
  answer_from_history_llm: z.unknown().optional(),
  visible_agent_outputs: z.union([z.array(z.string()), z.literal("all")]).nullish(),
  defer_trace_finalization: laxBool.optional(),
  builtin_routes: z.array(z.string()).nullish(),
  internal_routes: z.array(z.string()).nullish(),
});
export type ConversationalDefinition = z.output<typeof conversationalSchema>;
