// `/`: every flow (name, last version, when it was saved), a new flow from CrewAI's template, or an
// imported CrewAI YAML.
import { useEffect, useState } from "react";
import { errorMessage, type RouterOutputs, trpc } from "../api/client";
import { Dialog } from "./dialogs/Dialog";
import { ImportDialog } from "./dialogs/ImportDialog";
import { flowPath, navigate } from "./routing";

type FlowList = RouterOutputs["flows"]["list"];

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
  const [flows, setFlows] = useState<FlowList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"new" | "import" | null>(null);

  useEffect(() => {
    let live = true;
    trpc.flows.list
      .query()
      .then((list) => live && setFlows(list))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, []);

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
      {dialog === "new" && <NewFlowDialog onClose={() => setDialog(null)} />}
      {dialog === "import" && <ImportDialog onClose={() => setDialog(null)} />}
    </main>
  );
}
