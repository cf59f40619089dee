import { z } from "zod";
import { laxBool } from "./common";
import { conditionSchema } from "./condition";
import { actionSchema } from "./actions";
import { humanFeedbackSchema, persistSchema } from "./settings";

/** One flow method: exactly one action plus its roles (unknown keys ignored, as in CrewAI). */
export const methodSchema = z.object({
  description: z.string().nullish(),
  do: actionSchema,
  start: z.union([z.boolean(), conditionSchema]).nullish(),
  listen: conditionSchema.nullish(),
  router: laxBool.optional(),
  emit: z.array(z.string()).nullish(),
  human_feedback: humanFeedbackSchema.nullish(),
  persist: persistSchema.nullish(),
});
export type MethodDefinition = z.output<typeof methodSchema>;

/** Falsy `start` values (false, null, "") mean "not a start". */
export function isStart(method: MethodDefinition): boolean {
  return Boolean(method.start);
}

/** `human_feedback.emit` turns a method into a router on the feedback outcome (CrewAI canonicalises it so). */
export function isRouter(method: MethodDefinition): boolean {
  return Boolean(method.router) || Boolean(method.human_feedback?.emit?.length);
}

/** The labels a router declares: its human-feedback outcomes if any, else `emit`. */
export function emitLabels(method: MethodDefinition): string[] {
  const feedback = method.human_feedback?.emit;
  if (feedback?.length) return [...feedback];
  return method.emit ? [...method.emit] : [];
}
