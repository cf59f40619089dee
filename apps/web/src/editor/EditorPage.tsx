// The editor window: top bar, palette (left), canvas (middle), inspector (right), run panel (bottom).
import { ReactFlowProvider } from "@xyflow/react";
import { useCallback, useEffect, useState } from "react";
import { RunPanel } from "../runs";
import { Canvas } from "./canvas/Canvas";
import { ExportDialog } from "./dialogs/ExportDialog";
import { HistoryDialog } from "./dialogs/HistoryDialog";
import { ImportDialog } from "./dialogs/ImportDialog";
import { SearchDialog } from "./dialogs/SearchDialog";
import { InspectorPanel } from "./InspectorPanel";
import { Palette } from "./Palette";
import { useEditorShortcuts } from "./shortcuts";
import { useFlowEditor } from "./store";
import { type DialogName, TopBar } from "./TopBar";

function Alerts() {
  const saveError = useFlowEditor((s) => s.saveError);
  const editError = useFlowEditor((s) => s.editError);
  const loadError = useFlowEditor((s) => s.loadError);
  const notice = useFlowEditor((s) => s.notice);
  const { clearErrors, setNotice } = useFlowEditor.getState();
  return (
    <div className="cf-alerts">
      {loadError && (
        <div role="alert" className="cf-alert cf-error">
          Could not open the flow: {loadError}
        </div>
      )}
      {saveError && (
        <div role="alert" className="cf-alert cf-error">
          {saveError.message}
          {saveError.conflict && <span> Your changes are kept here; reload the flow in another tab to compare, then save again from the latest version.</span>}
          <button type="button" onClick={clearErrors} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {editError && (
        <div role="alert" className="cf-alert cf-error">
          {editError}
          <button type="button" onClick={clearErrors} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {notice && (
        <div role="status" className="cf-alert cf-notice">
          <strong>{notice.title}</strong>
          {notice.items.length > 0 && (
            <ul aria-label="Import warnings">
              {notice.items.map((item, i) => (
                <li key={i}>{item}</li>
              ))}
            </ul>
          )}
          <button type="button" onClick={() => setNotice(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
    </div>
  );
}

function EditorWindow() {
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const close = useCallback(() => setDialog(null), []);
  const openSearch = useCallback(() => setDialog("search"), []);
  useEditorShortcuts(openSearch);
  const dirty = useFlowEditor((s) => s.dirty);

  // Leaving with unsaved changes asks first.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);

  return (
    <div className="cf-app">
      <TopBar onOpen={setDialog} />
      <Alerts />
      <Palette />
      <Canvas />
      <InspectorPanel />
      <section className="cf-runpanel-slot">
        <RunPanel />
      </section>
      {dialog === "history" && <HistoryDialog onClose={close} />}
      {dialog === "import" && <ImportDialog onClose={close} />}
      {dialog === "export" && <ExportDialog onClose={close} />}
      {dialog === "search" && <SearchDialog onClose={close} />}
    </div>
  );
}

export function EditorPage({ flowId }: { flowId: string }) {
  const openFlow = useFlowEditor((s) => s.openFlow);
  useEffect(() => {
    void openFlow(flowId);
  }, [flowId, openFlow]);
  return (
    <ReactFlowProvider>
      <EditorWindow />
    </ReactFlowProvider>
  );
}
