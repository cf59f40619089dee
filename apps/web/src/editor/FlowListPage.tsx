// `/`: the flows by name (name, last version, when it was saved), a page at a time with "Load more",
// a new flow from CrewAI's template, or an imported CrewAI YAML.
import { useState } from "react";
import { errorMessage, type RouterOutputs, trpc } from "../api/client";
import { usePages } from "../api/pages";
import { Dialog } from "./dialogs/Dialog";
import { ImportDialog } from "./dialogs/ImportDialog";
import { flowPath, navigate } from "./routing";

type FlowItem = RouterOutputs["flows"]["list"]["items"][number];

/** Flows per page (the API allows up to 200). */
export const FLOW_PAGE = 100;

function NewFlowDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await trpc.flows.create.mutate({ name: name.trim() });
      navigate(flowPath(result.flow.id));
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Dialog label="New flow" onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <label className="cf-field">
          New flow name
          <input value={name} onChange={(event) => setName(event.target.value)} required />
        </label>
        {error && (
          <p role="alert" className="cf-error">
            {error}
          </p>
        )}
        <div className="cf-dialog-actions">
          <button type="submit" disabled={busy || !name.trim()}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function FlowListPage() {
  const { items: flows, hasMore, loadingMore, loadMore, error } = usePages<FlowItem, RouterOutputs["flows"]["list"]>("flows", (cursor) =>
    trpc.flows.list.query({ limit: FLOW_PAGE, cursor }),
  );
  const [dialog, setDialog] = useState<"new" | "import" | null>(null);

  return (
    <main className="cf-flowlist">
      <header className="cf-flowlist-head">
        <h1>Flows</h1>
        <button type="button" className="cf-primary" onClick={() => setDialog("new")}>
          New flow
        </button>
        <button type="button" onClick={() => setDialog("import")}>
          Import CrewAI YAML
        </button>
      </header>
      {error && <p role="alert">Could not list the flows: {error}</p>}
      {!flows ? (
        !error && <p className="cf-muted">Loading…</p>
      ) : flows.length === 0 ? (
        <p>No flows yet. Create one or import a CrewAI flow YAML.</p>
      ) : (
        <table aria-label="Flows">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Last version</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {flows.map((flow) => (
              <tr key={flow.id}>
                <td>
                  <a
                    href={flowPath(flow.id)}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(flowPath(flow.id));
                    }}
                  >
                    {flow.name}
                  </a>
                </td>
                <td>v{flow.head.number}</td>
                <td>
                  <time dateTime={flow.head.createdAt}>{new Date(flow.head.createdAt).toLocaleString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasMore && (
        <p>
          <button type="button" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? "Loading…" : "Load more flows"}
          </button>
        </p>
      )}
      {dialog === "new" && <NewFlowDialog onClose={() => setDialog(null)} />}
      {dialog === "import" && <ImportDialog onClose={() => setDialog(null)} />}
    </main>
  );
}
