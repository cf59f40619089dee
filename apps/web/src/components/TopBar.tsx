import { SAMPLE_FLOW_NAME } from "../flow";

const ACTIONS = ["Save", "History", "Import", "Export"] as const;

export function TopBar() {
  return (
    <header className="cf-topbar" role="banner" aria-label="Top bar">
      <h1 className="cf-topbar__app">Crewflow</h1>
      <span className="cf-topbar__flow" aria-label="Flow name">
        ▸ {SAMPLE_FLOW_NAME}
      </span>
      <nav className="cf-topbar__actions" aria-label="Flow actions">
        {ACTIONS.map((a) => (
          <button key={a} type="button" disabled title={`${a} (not available yet)`}>
            {a}
          </button>
        ))}
        <button type="button" className="cf-run" disabled title="Run (not available yet)" aria-label="Run flow">
          ▶ Run
        </button>
      </nav>
    </header>
  );
}
