// events: a run's event log over SSE. A message carries the events the store committed together
// (a method's start, LLM calls and end; history in chunks), in seq order, and is `tracked` with the
// seq of its last event: a client that reconnects sends it back (`lastEventId`) and resumes right
// after it. History first, then live events until the run's job ends (finished, paused, failed or
// cancelled).
import { tracked } from "@trpc/server";
import { eventsInput } from "../schemas";
import { createTRPCRouter, procedure } from "../trpc";

export const eventsRouter = createTRPCRouter({
  run: procedure.input(eventsInput.run).subscription(async function* ({ ctx, input, signal }) {
    const after = input.lastEventId ? Number(input.lastEventId) : 0;
    for await (const events of ctx.services.runs.events(input.runId, after, signal)) yield tracked(String(events.at(-1)!.seq), { events });
  }),
  /**
   * What the run's current job does before the store commits it (method starts, streamed LLM tokens),
   * so a live view can show a method running and its tokens arriving. Ends with the job; not resumable
   * (`run` delivers every one of these, committed, once the method ends).
   */
  live: procedure.input(eventsInput.live).subscription(async function* ({ ctx, input, signal }) {
    await ctx.services.runs.get(input.runId); // NOT_FOUND for an unknown run
    for await (const events of ctx.services.runs.live(input.runId, signal)) yield { events };
  }),
});
