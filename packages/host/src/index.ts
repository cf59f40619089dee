// @crewflow/host: the one run host. It records, executes, commits, resumes, forks, replays and cancels
// runs over any store of the runtime's RunStore port, and writes each run's terminal status. The
// server, the CLI and the scale-out worker drive runs through it. See README.md in this folder.
export { HostError, RunHeldError, forkCheckpoint, newRunId, runFlow } from "./host";
export type { HostOptions, HostResult, HostStatus, RunRequest } from "./host";
export { COMMIT_POINTS, storeJournal } from "./journal";
export type { Journal } from "./journal";
export { PatchError, applyPatch, assignmentsToPatch, parseAssignment, pathSegments, pointer } from "./patch";
export { DiffError, diffRuns, diffStates, diffSteps } from "./diff";
export type { AlignedStep, Delta, DiffOptions, JsonPatchOp, RunDiff, StateDiff, StepRef } from "./diff";
export { ReplayUnavailable, replayRun } from "./replay";
export type { ReplayModelFactory, ReplayOptions, ReplayReport, RequestDifference, StepSummary } from "./replay";
// The run's lease is the runtime's (the storage port shares it with every store); re-exported for hosts.
export { DEFAULT_LEASE_TTL_MS, describeHolder, holderIsDead, leaseHolder } from "@crewflow/runtime";
