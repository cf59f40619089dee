// feedback: what paused runs wait for, and the answer that resumes one.
import { feedbackInput } from "../schemas";
import { createTRPCRouter, procedure } from "../trpc";

export const feedbackRouter = createTRPCRouter({
  pending: procedure.input(feedbackInput.pending).query(({ ctx, input }) => ctx.services.runs.pending({ flowId: input?.flowId })),
  submit: procedure.input(feedbackInput.submit).mutation(({ ctx, input }) => ctx.services.runs.submitFeedback(input)),
});
