// The runtime's run statuses as a value (the runtime exports only the type), checked both ways.
import type { RunStatus } from "@crewflow/runtime";

export const RUN_STATUSES = ["running", "completed", "failed", "paused", "interrupted", "cancelled"] as const satisfies readonly RunStatus[];

// Fails to compile when the runtime adds a status this list lacks.
type Missing = Exclude<RunStatus, (typeof RUN_STATUSES)[number]>;
const _exhaustive: Missing extends never ? true : never = true;
void _exhaustive;
