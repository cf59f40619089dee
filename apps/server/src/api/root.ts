// The API's root router; the web app imports its type (`import type { AppRouter }`), never its code.
import { eventsRouter } from "./routers/events";
import { feedbackRouter } from "./routers/feedback";
import { flowsRouter } from "./routers/flows";
import { runsRouter } from "./routers/runs";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  flows: flowsRouter,
  runs: runsRouter,
  feedback: feedbackRouter,
  events: eventsRouter,
});

export type AppRouter = typeof appRouter;
