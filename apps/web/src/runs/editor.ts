// What the run side reads from and asks of the editor (W1's store), in one place.
import type { FlowDefinition } from "@crewflow/definition";
import { useFlowEditor } from "../editor/store";

export interface EditorView {
  flowId: string | null;
  version: number | null;
  definition: FlowDefinition;
  dirty: boolean;
}

export function editorView(): EditorView {
  const { flowId, version, definition, dirty } = useFlowEditor.getState();
  return { flowId, version, definition, dirty };
}

export const useEditorDefinition = (): FlowDefinition => useFlowEditor((s) => s.definition);
export const useEditorFlowId = (): string | null => useFlowEditor((s) => s.flowId);

/**
 * Shows a run's version on the canvas (read-only when it is not the latest). Answers a notice instead
 * when that would throw away unsaved edits.
 */
export async function showVersion(flowId: string, version: number): Promise<string | null> {
  const { flowId: open, version: shown, dirty } = useFlowEditor.getState();
  // Already on that version (perhaps with the user's edits on top: keep them).
  if (open === flowId && shown === version) return null;
  if (dirty) return `The canvas has unsaved edits, so it still shows them rather than v${version}, the version this run used.`;
  await useFlowEditor.getState().openFlow(flowId, version);
  return null;
}

/** Saves pending edits so a run uses what the canvas shows; answers the version to run. */
export async function savedVersion(): Promise<{ flowId: string; version: number | null }> {
  const state = useFlowEditor.getState();
  if (!state.flowId) throw new Error("Save the flow before running it.");
  if (state.dirty) await state.save();
  const after = useFlowEditor.getState();
  if (after.dirty || after.saveError) throw new Error(after.saveError?.message ?? "The flow could not be saved, so it cannot run.");
  return { flowId: after.flowId ?? state.flowId, version: after.version };
}
