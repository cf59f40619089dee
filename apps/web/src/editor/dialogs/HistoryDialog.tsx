// Version history: the saved versions, newest first, a page at a time ("Load older versions"), the
// change from a chosen version to the newest one (flows.diffVersions), and restoring a version as a
// new edit (saving it makes a new version).
import { useEffect, useState } from "react";
import { errorMessage, type RouterOutputs, trpc } from "../../api/client";
import { usePages } from "../../api/pages";
import { useFlowEditor } from "../store";
import { Dialog } from "./Dialog";

type Versions = RouterOutputs["flows"]["versions"];
type Version = Versions["items"][number];

/** Versions per page (the API allows up to 200). */
export const VERSION_PAGE = 50;
type Diff = RouterOutputs["flows"]["diffVersions"];

function formatValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? "" : text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export function HistoryDialog({ onClose }: { onClose: () => void }) {
  const flowId = useFlowEditor((s) => s.flowId);
  const restoreText = useFlowEditor((s) => s.restoreText);
  const pages = usePages<Version, Versions>(flowId, (cursor) => trpc.flows.versions.query({ flowId: flowId!, limit: VERSION_PAGE, cursor }));
  const versions = pages.items;
  const [chosen, setChosen] = useState<number | null>(null);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [failure, setError] = useState<string | null>(null);
  const error = failure ?? pages.error;
  const head = pages.last?.flow.head.number ?? null;

  useEffect(() => {
    if (!flowId || chosen === null || head === null) return;
    let live = true;
    setDiff(null);
    trpc.flows.diffVersions
      .query({ flowId, from: chosen, to: head })
      .then((result) => live && setDiff(result))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [flowId, chosen, head]);

  const restore = async (number: number) => {
    if (!flowId) return;
    try {
      const loaded = await trpc.flows.get.query({ flowId, version: number });
      restoreText(loaded.text, `Restore v${number}`);
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Dialog label="Version history" onClose={onClose} wide>
      {error && <p role="alert">{error}</p>}
      {!versions ? (
        <p className="cf-muted">Loading versions…</p>
      ) : (
        <div className="cf-history">
          <ul className="cf-history-list" aria-label="Versions">
            {versions.map((version) => (
              <li key={version.id}>
                <button
                  type="button"
                  aria-pressed={chosen === version.number}
                  aria-label={`Version ${version.number}`}
                  onClick={() => setChosen(version.number)}
                >
                  v{version.number}
                  {version.number === head ? " (latest)" : ""}
                  <span className="cf-muted"> {new Date(version.createdAt).toLocaleString()}</span>
                </button>
              </li>
            ))}
            {pages.hasMore && (
              <li>
                <button type="button" onClick={pages.loadMore} disabled={pages.loadingMore}>
                  {pages.loadingMore ? "Loading…" : "Load older versions"}
                </button>
              </li>
            )}
          </ul>
          <section className="cf-history-diff" aria-label="Version diff">
            {chosen === null ? (
              <p className="cf-muted">Choose a version to see how the latest version differs from it.</p>
            ) : !diff ? (
              <p className="cf-muted">Comparing…</p>
            ) : (
              <>
                <h3>
                  Changes from v{diff.from.number} to v{diff.to.number}
                </h3>
                {!diff.changed || diff.patch.length === 0 ? (
                  <p>No changes.</p>
                ) : (
                  <ul className="cf-diff">
                    {diff.patch.map((op, i) => (
                      <li key={i} className={`cf-diff-${op.op}`}>
                        <code>{op.op}</code> <code>{op.path}</code>
                        {"value" in op ? <span> {formatValue(op.value)}</span> : null}
                      </li>
                    ))}
                  </ul>
                )}
                {chosen !== head && (
                  <button type="button" onClick={() => void restore(chosen)}>
                    Restore v{chosen}
                  </button>
                )}
              </>
            )}
          </section>
        </div>
      )}
    </Dialog>
  );
}
