// What the helper modules and the in-process tests need from the workspace, in one place.
export { Flow, HumanFeedbackPending, InMemoryPersistence } from "@crewflow/runtime";
export type { FlowEvent, FlowHandle, FlowPersistence, HumanFeedbackProvider, PendingFeedbackContext, State } from "@crewflow/runtime";
export { z } from "zod";
