// The run's timeline: a Gantt of method executions. Overlapping executions (parallel branches) get
// their own lanes; a method that ran more than once shows its iteration (#2, #3…). The x axis is the
// event order, which stays readable when simulated methods take no measurable time.
import { useId, useMemo } from "react";
import { foldEvents, timelineBars } from "./derive";
import { selectStep, useRuns } from "./store";

const LANE = 22;
const WIDTH = 640;
const LABEL_PAD = 4;

const COLORS: Record<string, string> = {
  running: "#3b82f6",
  done: "#16a34a",
  failed: "#dc2626",
  paused: "#d97706",
  skipped: "#9ca3af",
};

export function Timeline() {
  /** Unique clip-path ids per timeline on the page (React ids contain ':', which url(#…) does not take). */
  const clipPrefix = `tl${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  // The whole run (not the scrubbed fold): the cursor line shows where the slider is.
  const events = useRuns((s) => s.events);
  const methods = useRuns((s) => s.methods);
  const liveStarts = useRuns((s) => s.liveStarts);
  const { fold, lastSeq } = useMemo(() => {
    const whole = foldEvents(events, methods);
    let last = events.at(-1)?.seq ?? 0;
    // Methods running but not yet committed: a bar that grows with the run (stopped once the run ended).
    const ended = whole.outcome === "completed" || whole.outcome === "failed";
    for (const [execution, start] of Object.entries(liveStarts)) {
      if (whole.executions.has(Number(execution))) continue;
      const iteration = [...whole.executions.values()].filter((e) => e.method === start.method).length + 1;
      whole.executions.set(Number(execution), {
        method: start.method,
        execution: Number(execution),
        iteration,
        startSeq: start.seq,
        endSeq: null,
        status: ended ? "stopped" : "running",
        triggeredBy: null,
        label: null,
        durationMs: null,
        error: null,
      });
      last = Math.max(last, start.seq);
    }
    return { fold: whole, lastSeq: last };
  }, [events, methods, liveStarts]);
  const steps = useRuns((s) => s.steps);
  const cursor = useRuns((s) => s.cursor);
  const { bars, lanes, span } = useMemo(() => timelineBars(fold, lastSeq), [fold, lastSeq]);
  const [first, last] = span;
  const scale = (seq: number) => ((seq - first) / Math.max(1, last - first)) * WIDTH;
  const height = Math.max(1, lanes) * LANE + 4;
  const cursorSeq = cursor === null ? null : (steps[cursor - 1]?.seq ?? null);
  const summary = `${bars.length} method executions in ${lanes} lane${lanes === 1 ? "" : "s"}`;
  return (
    <svg role="img" aria-label="Run timeline" className="run-timeline" viewBox={`0 0 ${WIDTH} ${height}`} width="100%" height={height} preserveAspectRatio="none">
      <title>{summary}</title>
      {bars.map((bar) => {
        const x = scale(bar.from);
        const width = Math.max(3, scale(bar.to) - x);
        const y = bar.lane * LANE + 2;
        const name = bar.repeated ? `${bar.method} #${bar.iteration}` : bar.method;
        const clip = `${clipPrefix}-${bar.execution}`;
        return (
          // A pointer shortcut; the steps list below is the keyboard path to the same steps.
          <g
            key={bar.execution}
            data-method={bar.method}
            data-status={bar.status}
            style={{ cursor: "pointer" }}
            onClick={() => {
              const step = steps.find((s) => s.execution === bar.execution);
              if (step) selectStep(step.number);
            }}
          >
            <rect
              x={x}
              y={y}
              width={width}
              height={LANE - 4}
              rx={3}
              fill={COLORS[bar.status] ?? "#6b7280"}
              opacity={cursorSeq !== null && bar.from > cursorSeq ? 0.3 : 0.85}
            >
              <title>{`${name}: ${bar.status}${bar.durationMs !== null ? `, ${Math.round(bar.durationMs)} ms` : ""}${bar.label ? ` → "${bar.label}"` : ""}`}</title>
            </rect>
            {/* The label stays inside its bar: a short bar's label must not run over the next one. */}
            <clipPath id={clip}>
              <rect x={x} y={y} width={width} height={LANE - 4} />
            </clipPath>
            <text x={x + LABEL_PAD} y={y + LANE / 2 + 2} fontSize={11} fill="#fff" pointerEvents="none" clipPath={`url(#${clip})`}>
              {name}
              {bar.label ? ` → ${bar.label}` : ""}
            </text>
          </g>
        );
      })}
      {cursorSeq !== null ? <line x1={scale(cursorSeq)} x2={scale(cursorSeq)} y1={0} y2={height} stroke="#111" strokeWidth={1.5} /> : null}
    </svg>
  );
}
