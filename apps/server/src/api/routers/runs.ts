// runs: start, cancel, resume, fork, replay (each answers at once; the executor runs the job) and the
// reads over the store: list, get, steps, the state at a step, diffs and the fork tree.
import { runsInput } from "../schemas";
import { createTRPCRouter, procedure } from "../trpc";

export const runsRouter = createTRPCRouter({
  start: procedure.input(runsInput.start).mutation(({ ctx, input }) => ctx.services.runs.start(input)),
  cancel: procedure.input(runsInput.cancel).mutation(({ ctx, input }) => ctx.services.runs.cancel(input)),
  resume: procedure.input(runsInput.resume).mutation(({ ctx, input }) => ctx.services.runs.resume(input)),
  fork: procedure.input(runsInput.fork).mutation(({ ctx, input }) => ctx.services.runs.fork(input)),
  replay: procedure.input(runsInput.replay).mutation(({ ctx, input }) => ctx.services.runs.replay(input)),

  /** Newest first; `nextCursor` fetches the next page. */
  list: procedure.input(runsInput.list).query(({ ctx, input }) => ctx.services.runs.list({ ...input, limit: input?.limit ?? 50 })),
  get: procedure.input(runsInput.get).query(({ ctx, input }) => ctx.services.runs.get(input.runId)),
  steps: procedure.input(runsInput.steps).query(({ ctx, input }) => ctx.services.runs.steps(input.runId)),
  stateAt: procedure.input(runsInput.stateAt).query(({ ctx, input }) => ctx.services.runs.stateAt(input.runId, input.at ?? null)),
  diffSteps: procedure.input(runsInput.diffSteps).query(({ ctx, input }) => ctx.services.runs.diffSteps(input.runId, input.from, input.to)),
  diffRuns: procedure.input(runsInput.diffRuns).query(({ ctx, input }) => ctx.services.runs.diffRuns(input.left, input.right)),
  lineage: procedure.input(runsInput.lineage).query(({ ctx, input }) => ctx.services.runs.lineage(input.runId)),
});
