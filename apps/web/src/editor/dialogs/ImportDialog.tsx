// Import of a CrewAI flow YAML (a file or pasted text) as a new flow, or as a new version of the flow
// of the same name. The server validates it; its warnings are shown on the opened flow.
import { useState } from "react";
import { errorMessage, trpc } from "../../api/client";
import { flowPath, navigate } from "../routing";
import { useFlowEditor } from "../store";
import { Dialog } from "./Dialog";

export function ImportDialog({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState("");
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const setNotice = useFlowEditor((s) => s.setNotice);
  const openFlow = useFlowEditor((s) => s.openFlow);
  const currentFlow = useFlowEditor((s) => s.flowId);

  const submit = async () => {
    if (!text.trim()) {
      setError("Choose a YAML file or paste its text first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await trpc.flows.importYaml.mutate({ yaml: text, replace });
      const items = result.warnings.map((w) => `${w.path ? `${w.path}: ` : ""}${w.message}`);
      setNotice({ title: `Imported ${result.flow.name} (v${result.flow.head.number})${items.length ? `, ${items.length} warning(s)` : ""}`, items });
      onClose();
      if (result.flow.id === currentFlow) await openFlow(result.flow.id);
      else navigate(flowPath(result.flow.id));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog label="Import CrewAI YAML" onClose={onClose} wide>
      <label className="cf-field">
        YAML file
        <input
          type="file"
          accept=".yaml,.yml,.json,text/yaml,application/json"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void file.text().then(setText);
          }}
        />
      </label>
      <label className="cf-field">
        YAML text
        <textarea rows={14} value={text} onChange={(event) => setText(event.target.value)} spellCheck={false} />
      </label>
      <label className="cf-check">
        <input type="checkbox" checked={replace} onChange={(event) => setReplace(event.target.checked)} />
        Replace the flow of the same name (as a new version)
      </label>
      {error && (
        <p role="alert" className="cf-error">
          {error}
        </p>
      )}
      <div className="cf-dialog-actions">
        <button type="button" onClick={() => void submit()} disabled={busy}>
          {busy ? "Importing…" : "Import flow"}
        </button>
      </div>
    </Dialog>
  );
}
