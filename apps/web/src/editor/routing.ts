// Three URLs, no router library: `/` (flow list), `/flows/:flowId`, `/flows/:flowId/runs/:runId`.
// Navigation is `history.pushState` plus an event this hook listens to (and the browser's popstate).
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "flows" }
  | { page: "editor"; flowId: string; runId: string | null }
  | { page: "not-found"; path: string };

const NAVIGATE_EVENT = "crewflow:navigate";

export function parseRoute(path: string): Route {
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/") return { page: "flows" };
  const match = /^\/flows\/([^/]+)(?:\/runs\/([^/]+))?$/.exec(clean);
  if (match) return { page: "editor", flowId: decodeURIComponent(match[1]!), runId: match[2] ? decodeURIComponent(match[2]) : null };
  return { page: "not-found", path };
}

export function flowPath(flowId: string, runId?: string): string {
  return `/flows/${encodeURIComponent(flowId)}${runId ? `/runs/${encodeURIComponent(runId)}` : ""}`;
}

export function navigate(path: string): void {
  if (location.pathname === path) return;
  history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}
