// The bottom run panel: status and totals, the actions (cancel, replay, re-run, runs, compare), the
// timeline, the steps list and the step slider, feedback for a paused run, the lineage and a
// comparison with another run.
import { useEffect, useMemo, useState } from "react";
import { llmCallsOf, totalsOf } from "./derive";
import { useEditorFlowId } from "./editor";
import { displayStatus, formatCost, formatDuration, formatTokens, shortId } from "./format";
import { Lineage } from "./Lineage";
import { FeedbackForm } from "./NodeFeedback";
import {
  cancelRun,
  closeComparison,
  closeRun,
  compareWith,
  loadHistory,
  loadLineage,
  openRun,
  replayRun,
  rerun,
  runIdFromUrl,
  selectStep,
  setPanelOpen,
  toggleHistory,
  useRuns,
} from "./store";
import { Timeline } from "./Timeline";
import "./runs.css";

/** Opens the run the URL names (on load, and on back/forward). */
function useRunFromUrl(): void {
  useEffect(() => {
    if (typeof location === "undefined") return;
    const fromUrl = () => {
      const runId = runIdFromUrl(location.pathname);
      if (runId && useRuns.getState().runId !== runId) void openRun(runId, { push: false });
    };
    fromUrl();
    window.addEventListener("popstate", fromUrl);
    return () => window.removeEventListener("popstate", fromUrl);
  }, []);
}

/** A run belongs to its flow: opening another flow in the editor closes it. */
function useCloseOnOtherFlow(): void {
  const flowId = useEditorFlowId();
  const runFlowId = useRuns((s) => s.run?.flowId ?? null);
  useEffect(() => {
    if (flowId && runFlowId && flowId !== runFlowId) closeRun();
  }, [flowId, runFlowId]);
}

export function RunPanel() {
  useRunFromUrl();
  useCloseOnOtherFlow();
  const open = useRuns((s) => s.panelOpen);
  const runId = useRuns((s) => s.runId);
  const historyOpen = useRuns((s) => s.historyOpen);
  const error = useRuns((s) => s.error);
  const flowId = useEditorFlowId();
  return (
    <section aria-label="Run panel" className={`run-panel${open ? "" : " collapsed"}`}>
      <header className="run-panel-bar">
        <button type="button" aria-expanded={open} aria-label={open ? "Hide run panel" : "Show run panel"} onClick={() => setPanelOpen(!open)}>
          {open ? "▾" : "▸"}
        </button>
        {runId ? <RunSummary /> : <span className="run-none">No run open</span>}
        <span className="run-panel-spacer" />
        {runId ? <RunActions /> : null}
        <button type="button" aria-pressed={historyOpen} disabled={!flowId && !runId} onClick={toggleHistory}>
          Runs
        </button>
      </header>
      {error ? (
        <p role="alert" className="run-error">
          {error}
        </p>
      ) : null}
      {open ? (
        <div className="run-panel-body">
          {historyOpen ? <RunHistory /> : null}
          {runId ? <RunBody /> : null}
        </div>
      ) : null}
    </section>
  );
}

function RunSummary() {
  const run = useRuns((s) => s.run);
  const runId = useRuns((s) => s.runId)!;
  const events = useRuns((s) => s.events);
  const live = useRuns((s) => s.live);
  const status = displayStatus(run?.status, events, live);
  const totals = useMemo(() => totalsOf(llmCallsOf(events)), [events]);
  const tokens = Math.max(totals.tokens, run?.tokens.total ?? 0);
  return (
    <span className="run-summary">
      <strong>Run {shortId(runId)}</strong>{" "}
      <span className={`run-status run-status-${status}`} data-status={status}>
        {status}
      </span>
      {" · "}
      {formatDuration(run?.durationMs)}
      {" · "}
      <span aria-label="Token total">{formatTokens(tokens)}</span>
      {" · "}
      <span aria-label="Cost total">{formatCost(totals.costUsd)}</span>
      {run ? ` · v${run.version}` : ""}
      {run?.parentRunId ? ` · forked from ${shortId(run.parentRunId)}${run.parentSeq ? ` @ seq ${run.parentSeq}` : ""}` : ""}
      {run?.replayOf ? ` · replay of ${shortId(run.replayOf)}` : ""}
      {run?.replay ? ` · ${run.replay.identical ? "identical to the original" : "differs from the original"}` : ""}
    </span>
  );
}

function RunActions() {
  const run = useRuns((s) => s.run);
  const events = useRuns((s) => s.events);
  const live = useRuns((s) => s.live);
  const busy = useRuns((s) => s.busy);
  const status = displayStatus(run?.status, events, live);
  const active = status === "running" || status === "queued" || status === "paused";
  return (
    <>
      <button type="button" disabled={!active || busy} onClick={() => void cancelRun()}>
        Cancel run
      </button>
      <button type="button" disabled={active || busy || !run} onClick={() => void replayRun()}>
        Replay
      </button>
      <button type="button" disabled={busy || !run} onClick={() => void rerun()}>
        Re-run
      </button>
    </>
  );
}

function RunBody() {
  const run = useRuns((s) => s.run);
  const steps = useRuns((s) => s.steps);
  const cursor = useRuns((s) => s.cursor);
  const live = useRuns((s) => s.live);
  const status = useRuns((s) => displayStatus(s.run?.status, s.events, s.live));
  const runId = useRuns((s) => s.runId);
  // The lineage changes when a fork of this run starts and when runs end: reload it then.
  const loaded = run !== null;
  useEffect(() => {
    if (loaded) void loadLineage();
  }, [runId, live, loaded]);
  const shown = cursor ?? steps.length;
  return (
    <div className="run-body">
      <div className="run-main">
        <Timeline />
        <div className="run-scrub">
          <button type="button" aria-label="Previous step" disabled={shown <= 1} onClick={() => selectStep(shown - 1)}>
            ◀
          </button>
          <input
            type="range"
            role="slider"
            aria-label="Step"
            min={steps.length > 0 ? 1 : 0}
            max={steps.length}
            value={shown}
            disabled={steps.length === 0}
            aria-valuetext={steps[shown - 1] ? `Step ${shown} ${steps[shown - 1]!.method}` : "no steps yet"}
            onChange={(e) => selectStep(Number(e.target.value))}
          />
          <button type="button" aria-label="Next step" disabled={shown >= steps.length} onClick={() => selectStep(shown + 1)}>
            ▶
          </button>
          <span>
            {steps.length > 0 ? `step ${shown} of ${steps.length}` : "no steps yet"}
            {cursor !== null ? (
              <button type="button" className="link" onClick={() => selectStep(null)}>
                Follow run
              </button>
            ) : null}
          </span>
        </div>
        <ol className="run-steps" aria-label="Steps">
          {steps.map((step) => (
            <li key={step.seq}>
              <button
                type="button"
                aria-current={cursor === step.number ? "step" : undefined}
                className={`run-step run-step-${step.status}`}
                onClick={() => selectStep(step.number)}
              >
                {`Step ${step.number} ${step.method}`}
              </button>
              <span className="run-step-meta">
                {step.status}
                {step.label ? ` → "${step.label}"` : ""}
                {step.durationMs !== null ? ` · ${formatDuration(step.durationMs)}` : ""}
              </span>
            </li>
          ))}
        </ol>
        {status === "paused" && run?.pending ? (
          <div className="run-feedback">
            <p>
              <strong>{run.pending.method}</strong> asks: {run.pending.message}
            </p>
            <FeedbackForm />
          </div>
        ) : null}
        {run?.error ? (
          <p className="run-failure">
            {run.error.type}: {run.error.message}
          </p>
        ) : null}
      </div>
      <aside className="run-side">
        <Lineage />
        <Compare />
      </aside>
    </div>
  );
}

function RunHistory() {
  const history = useRuns((s) => s.history) ?? [];
  const current = useRuns((s) => s.runId);
  return (
    <section aria-label="Runs" className="run-history">
      {history.length === 0 ? <p>No runs yet.</p> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Tokens</th>
            <th scope="col">Version</th>
          </tr>
        </thead>
        <tbody>
          {history.map((run) => (
            <tr key={run.runId} aria-current={run.runId === current ? "true" : undefined}>
              <td>
                <button type="button" onClick={() => void openRun(run.runId)}>{`Open run ${shortId(run.runId)}`}</button>
              </td>
              <td>{run.status}</td>
              <td>{run.startedAt ? new Date(run.startedAt).toLocaleString() : "—"}</td>
              <td>{formatDuration(run.durationMs)}</td>
              <td>{run.tokens.total.toLocaleString("en-US")}</td>
              <td>v{run.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Compare() {
  const [picking, setPicking] = useState(false);
  const history = useRuns((s) => s.history);
  const runId = useRuns((s) => s.runId);
  const comparison = useRuns((s) => s.comparison);
  const others = (history ?? []).filter((r) => r.runId !== runId);
  return (
    <div className="run-compare">
      <button
        type="button"
        aria-expanded={picking}
        onClick={() => {
          if (!picking && !history) void loadHistory();
          setPicking(!picking);
          if (picking) closeComparison();
        }}
      >
        Compare
      </button>
      {picking ? (
        <label>
          Compare with
          <select defaultValue="" onChange={(e) => e.target.value && void compareWith(e.target.value)}>
            <option value="">Pick a run…</option>
            {others.map((r) => (
              <option key={r.runId} value={r.runId}>{`Run ${shortId(r.runId)} ${r.status}`}</option>
            ))}
          </select>
        </label>
      ) : null}
      {picking && comparison ? <Comparison /> : null}
    </div>
  );
}

function Comparison() {
  const comparison = useRuns((s) => s.comparison)!;
  return (
    <section aria-label="Run comparison" className="run-comparison">
      <p>
        Run {shortId(comparison.left)} vs Run {shortId(comparison.right)}:{" "}
        {comparison.firstDifference ? `first difference at ${comparison.firstDifference.key}` : "no step differs"}
        {comparison.final.changed ? "; the final states differ" : "; the same final state"}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Left</th>
            <th scope="col">Right</th>
            <th scope="col">State changes</th>
          </tr>
        </thead>
        <tbody>
          {comparison.steps.map((step) => (
            <tr key={step.key} className={step.changed || step.outputChanged ? "differs" : "same"}>
              <th scope="row">{step.key}</th>
              <td>{step.left ? `#${step.left.number} ${step.left.status}` : "—"}</td>
              <td>{step.right ? `#${step.right.number} ${step.right.status}` : "—"}</td>
              <td>
                {step.changed ? step.patch.map((op) => `${op.op} ${op.path}`).join(", ") : "same"}
                {step.outputChanged ? " (output differs)" : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
