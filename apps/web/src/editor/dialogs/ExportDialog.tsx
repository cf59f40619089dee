// Export as CrewAI YAML (flows.exportYaml): the text CrewAI can load, with what CrewAI will not run
// listed as compatibility warnings, and a download link.
import { useEffect, useMemo, useState } from "react";
import { errorMessage, type RouterOutputs, trpc } from "../../api/client";
import { useFlowEditor } from "../store";
import { Dialog } from "./Dialog";

type Exported = RouterOutputs["flows"]["exportYaml"];

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const flowId = useFlowEditor((s) => s.flowId);
  const version = useFlowEditor((s) => s.version);
  const dirty = useFlowEditor((s) => s.dirty);
  const [exported, setExported] = useState<Exported | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!flowId) return;
    let live = true;
    trpc.flows.exportYaml
      .query(version === null ? { flowId } : { flowId, version })
      .then((result) => live && setExported(result))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [flowId, version]);

  const href = useMemo(() => (exported ? URL.createObjectURL(new Blob([exported.text], { type: "text/yaml" })) : null), [exported]);
  useEffect(() => () => void (href && URL.revokeObjectURL(href)), [href]);

  return (
    <Dialog label="Export CrewAI YAML" onClose={onClose} wide>
      {dirty && <p className="cf-warning">Unsaved changes are not part of the export: it is the saved version v{version}.</p>}
      {error && (
        <p role="alert" className="cf-error">
          {error}
        </p>
      )}
      {!exported ? (
        !error && <p className="cf-muted">Exporting…</p>
      ) : (
        <>
          <section aria-label="Compatibility warnings">
            <h3>Compatibility with CrewAI</h3>
            {exported.errors.length + exported.warnings.length === 0 ? (
              <p>CrewAI can load this flow as it is.</p>
            ) : (
              <ul>
                {exported.errors.map((d, i) => (
                  <li key={`e${i}`} className="cf-problem-error">
                    Error: {d.path ? `${d.path}: ` : ""}
                    {d.message}
                  </li>
                ))}
                {exported.warnings.map((d, i) => (
                  <li key={`w${i}`} className="cf-problem-warning">
                    Warning: {d.path ? `${d.path}: ` : ""}
                    {d.message}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <label className="cf-field">
            Exported YAML
            <textarea readOnly rows={14} value={exported.text} spellCheck={false} />
          </label>
          <div className="cf-dialog-actions">
            {href && (
              <a className="cf-button" href={href} download={`${exported.name}.yaml`}>
                Download {exported.name}.yaml
              </a>
            )}
          </div>
        </>
      )}
    </Dialog>
  );
}
