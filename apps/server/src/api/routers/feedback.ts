// feedback: what paused runs wait for, and the answer that resumes one.
import { DEFAULT_PAGE, feedbackInput } from "../schemas";
import { createTRPCRouter, procedure } from "../trpc";

export const feedbackRouter = createTRPCRouter({
  /** One page of paused runs, oldest first; `nextCursor` fetches the next page. */
  pending: procedure
    .input(feedbackInput.pending)
    .query(({ ctx, input }) => ctx.services.runs.pending({ flowId: input?.flowId, limit: input?.limit ?? DEFAULT_PAGE, cursor: input?.cursor })),
  submit: procedure.input(feedbackInput.submit).mutation(({ ctx, input }) => ctx.services.runs.submitFeedback(input)),
});
