// The engine options of a server run, built the same way where a run is checked (the API thread) and
// where it executes (a run thread): refs and crew paths resolve from the workspace, scripts follow the
// policy, crews use the simulated model unless OPENAI_* is set.
import { dirname, join } from "node:path";
import { type ReplayChatModel, createCrewRunner } from "@crewflow/crews";
import type { FlowDefinition } from "@crewflow/definition";
import type { CrewRunner, FlowOptions } from "@crewflow/runtime";
import type { RefPolicy } from "./policy";

/** A virtual flow file in the workspace: relative refs and crew paths resolve from the workspace. */
export function workspaceSourcePath(policy: RefPolicy): string {
  return join(policy.workspace, "flow.yaml");
}

export function serverCrewRunner(policy: RefPolicy, definition: FlowDefinition, model?: ReplayChatModel): CrewRunner {
  return createCrewRunner({
    definition,
    sourceDir: dirname(workspaceSourcePath(policy)),
    modulePaths: [policy.workspace],
    ...(model ? { model } : {}),
  });
}

export function serverFlowOptions(policy: RefPolicy, definition: FlowDefinition): FlowOptions {
  return {
    sourcePath: workspaceSourcePath(policy),
    modulePaths: [policy.workspace],
    allowScripts: policy.allowScripts,
    crews: serverCrewRunner(policy, definition),
  };
}
