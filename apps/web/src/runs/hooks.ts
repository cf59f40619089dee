// What the canvas asks per node and edge; each selects one small value so a node re-renders only when
// its own status (or stream) changes.
import { isEdgeTraversed } from "./derive";
import { useRuns } from "./store";
import type { NodeRunStatus } from "./types";

export function useNodeRunStatus(method: string): NodeRunStatus | undefined {
  return useRuns((s) => (s.runId ? s.fold.statuses.get(method) : undefined));
}

/** LLM tokens streamed into the method while it runs (empty once it is not running). */
export function useNodeStream(method: string): string {
  return useRuns((s) => (s.runId && s.cursor === null && s.fold.statuses.get(method) === "running" ? (s.streams[method] ?? "") : ""));
}

/** Seconds the method's model call has been waiting (0 when it is not running or not waiting). */
export function useNodeWaiting(method: string): number {
  return useRuns((s) => (s.runId && s.cursor === null && s.fold.statuses.get(method) === "running" ? (s.waits[method] ?? 0) : 0));
}

export function useEdgeTraversed(source: string, target: string, label?: string): boolean {
  return useRuns((s) => (s.runId ? isEdgeTraversed(s.fold, source, target, label) : false));
}

/** True while a run step is selected: the right panel then shows <RunInspector />. */
export function useRunInspectorActive(): boolean {
  return useRuns((s) => s.runId !== null && s.cursor !== null);
}
