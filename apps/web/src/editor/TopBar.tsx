// The top bar: where the flow is (name, saved version, unsaved state) and what to do with it.
import { useReactFlow } from "@xyflow/react";
import { RunButton } from "../runs";
import { FIT_VIEW_OPTIONS } from "./canvas/Canvas";
import { navigate } from "./routing";
import { useFlowEditor } from "./store";

export type DialogName = "history" | "import" | "export" | "search";

export function TopBar({ onOpen }: { onOpen: (dialog: DialogName) => void }) {
  const flowName = useFlowEditor((s) => s.flowName);
  const version = useFlowEditor((s) => s.version);
  const dirty = useFlowEditor((s) => s.dirty);
  const readOnly = useFlowEditor((s) => s.readOnly);
  const saving = useFlowEditor((s) => s.saving);
  const canUndo = useFlowEditor((s) => s.past.length > 0 && !s.readOnly);
  const canRedo = useFlowEditor((s) => s.future.length > 0 && !s.readOnly);
  const undoLabel = useFlowEditor((s) => s.past[s.past.length - 1]?.label);
  const redoLabel = useFlowEditor((s) => s.future[0]?.label);
  const { undo, redo, save, autoLayout } = useFlowEditor.getState();
  const flow = useReactFlow();

  return (
    <header className="cf-topbar">
      <a
        className="cf-brand"
        href="/"
        onClick={(event) => {
          event.preventDefault();
          if (dirty && !window.confirm("Leave this flow? Its unsaved changes will be lost.")) return;
          navigate("/");
        }}
      >
        Crewflow
      </a>
      <span aria-hidden="true">▸</span>
      <input
        className="cf-flow-name"
        aria-label="Flow name"
        value={flowName}
        readOnly
        title="A flow keeps its name across versions; import or create a new flow for another name"
      />
      {version !== null && <span className="cf-version">v{version}</span>}
      {readOnly && <span className="cf-badge">read-only</span>}
      {dirty && (
        <span className="cf-unsaved" aria-label="Unsaved changes" title="Unsaved changes">
          ● unsaved
        </span>
      )}
      <div className="cf-toolbar" role="toolbar" aria-label="Editor actions">
        <button type="button" onClick={undo} disabled={!canUndo} title={undoLabel ? `Undo ${undoLabel} (Ctrl+Z)` : "Undo (Ctrl+Z)"}>
          Undo
        </button>
        <button type="button" onClick={redo} disabled={!canRedo} title={redoLabel ? `Redo ${redoLabel} (Ctrl+Shift+Z)` : "Redo (Ctrl+Shift+Z)"}>
          Redo
        </button>
        <button type="button" onClick={autoLayout} disabled={readOnly}>
          Auto layout
        </button>
        <button type="button" onClick={() => void flow.fitView({ ...FIT_VIEW_OPTIONS, duration: 200 })}>
          Fit view
        </button>
        <button type="button" onClick={() => onOpen("search")} title="Find a method (Ctrl+K)">
          Search
        </button>
        <span className="cf-toolbar-gap" />
        <button type="button" className="cf-primary" onClick={() => void save()} disabled={readOnly || saving} title="Save a new version (Ctrl+S)">
          {saving ? "Saving…" : "Save"}
        </button>
        <button type="button" onClick={() => onOpen("history")}>
          History
        </button>
        <button type="button" onClick={() => onOpen("import")}>
          Import
        </button>
        <button type="button" onClick={() => onOpen("export")}>
          Export
        </button>
        <RunButton />
      </div>
    </header>
  );
}
