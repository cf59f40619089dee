// Small display helpers shared by the run views.
import type { RunEvent } from "./types";

/** A run's short id: the end of its id (run ids are UUIDv7, whose start is a timestamp shared by neighbours). */
export const shortId = (runId: string): string => runId.replace(/-/g, "").slice(-8);

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const formatTokens = (n: number): string => `${n.toLocaleString("en-US")} tokens`;

export const formatCost = (usd: number | null): string => (usd === null ? "$— (no prices)" : `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(3)}`);

const TERMINAL = new Set<RunEvent["type"]>(["flow_started", "flow_finished", "flow_failed", "flow_paused"]);

/**
 * The status to show: the server's, except while the log is being followed live, when the log's last
 * flow-level event says where the run is.
 */
export function displayStatus(serverStatus: string | undefined, events: readonly RunEvent[], live: boolean): string {
  if (!live) return serverStatus ?? "loading";
  for (let i = events.length - 1; i >= 0; i--) {
    const type = events[i]!.type;
    if (!TERMINAL.has(type)) continue;
    if (type === "flow_finished") return "completed";
    if (type === "flow_failed") return "failed";
    // A resumed run: its new job has not committed yet.
    if (type === "flow_paused") return serverStatus === "running" || serverStatus === "queued" ? "running" : "paused";
    return "running";
  }
  return serverStatus === "queued" ? "queued" : "running";
}
