// The app: the flow list at `/`, the editor at `/flows/:flowId` (and `/flows/:flowId/runs/:runId`,
// where the run panel opens that run).
import { EditorPage } from "./editor/EditorPage";
import { FlowListPage } from "./editor/FlowListPage";
import { navigate, parseRoute, usePath } from "./editor/routing";

export function App() {
  const route = parseRoute(usePath());
  if (route.page === "flows") return <FlowListPage />;
  if (route.page === "editor") return <EditorPage flowId={route.flowId} />;
  return (
    <main className="cf-flowlist">
      <h1>Not found</h1>
      <p>Nothing lives at {route.path}.</p>
      <button type="button" onClick={() => navigate("/")}>
        All flows
      </button>
    </main>
  );
}
