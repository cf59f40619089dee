// The server calls the run side makes, through the app's tRPC client. Tests point it at a server of
// their own (`setRunsClient`), everything else uses the shared client.
import { type RouterInputs, type RouterOutputs, trpc } from "../api/client";

export type RunsClient = typeof trpc;
export type RunView = RouterOutputs["runs"]["get"];
export type StepState = RouterOutputs["runs"]["stateAt"];
export type StepDiff = RouterOutputs["runs"]["diffSteps"];
export type RunDiff = RouterOutputs["runs"]["diffRuns"];
export type Lineage = RouterOutputs["runs"]["lineage"];
export type LineageNode = Lineage["root"];
export type PatchOperation = NonNullable<RouterInputs["runs"]["fork"]["patch"]>[number];

let current: RunsClient = trpc;

export const runsClient = (): RunsClient => current;

/** Replaces the client (tests against a server on another origin). */
export function setRunsClient(client: RunsClient): void {
  current = client;
}
