// The bench's flow and its in-page "open" probe.
import type { Page } from "playwright-core";

export type BenchLayout = Record<string, { x: number; y: number }>;

const COLUMNS = 40;
const COLUMN_GAP = 260;
const ROW_GAP = 140;

const nameOf = (row: number, column: number) => `m_${String(row).padStart(2, "0")}_${String(column).padStart(2, "0")}`;

/**
 * A valid flow of `count` listen methods with expression actions: one start, a fan-out of rows that
 * listen to it, and in each row a chain (every method listens to the one before). Positions in
 * `x-crewflow.nodes` put the rows under each other.
 */
export function generatedFlow(count: number): { text: string; layout: BenchLayout } {
  const lines = ["schema: crewai.flow/v1", `name: Bench ${count} nodes`, "methods:"];
  const layout: BenchLayout = {};
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / COLUMNS);
    const column = i % COLUMNS;
    const name = nameOf(row, column);
    layout[name] = { x: column * COLUMN_GAP, y: row * ROW_GAP };
    lines.push(`  ${name}:`);
    if (i === 0) lines.push("    start: true");
    else lines.push(`    listen: ${column === 0 ? nameOf(0, 0) : nameOf(row, column - 1)}`);
    lines.push(`    do: {call: expression, expr: "'row ${row} step ${column}'"}`);
  }
  lines.push("x-crewflow:", "  nodes:");
  for (const [name, at] of Object.entries(layout)) lines.push(`    ${name}: {x: ${at.x}, y: ${at.y}}`);
  return { text: `${lines.join("\n")}\n`, layout };
}

/** What the probe leaves on `window.__openProbe`. */
export interface OpenProbe {
  /** performance.now() (ms since navigation start) of the first frame of the settled streak. */
  doneAt: number | null;
  /** When the first node element appeared. */
  firstNodeAt: number | null;
  expected: number;
}

/**
 * Before any of the app's scripts run, a requestAnimationFrame loop that checks, every frame, that each
 * method whose saved position falls inside the canvas has a rendered, visible node; "open" is the first
 * frame of a streak of 10 frames where that holds and the viewport transform does not change.
 */
export async function installOpenProbe(page: Page, layout: BenchLayout): Promise<void> {
  await page.addInitScript((positions: BenchLayout) => {
    const probe = { doneAt: null as number | null, firstNodeAt: null as number | null, expected: 0 };
    (window as unknown as { __openProbe: typeof probe }).__openProbe = probe;
    let streakStart: number | null = null;
    let streakTransform = "";
    let streak = 0;
    const check = (): boolean => {
      const pane = document.querySelector(".react-flow");
      const viewport = document.querySelector<HTMLElement>(".react-flow__viewport");
      if (!pane || !viewport || !document.querySelector(".react-flow__node")) return false;
      probe.firstNodeAt ??= performance.now();
      const matrix = new DOMMatrixReadOnly(getComputedStyle(viewport).transform);
      const box = pane.getBoundingClientRect();
      // One pass over the rendered nodes (a selector per method would scan the DOM thousands of times a frame).
      const rendered = new Map<string, Element>();
      for (const el of Array.from(document.querySelectorAll(".react-flow__node"))) rendered.set(el.getAttribute("data-id") ?? "", el);
      let expected = 0;
      for (const [name, at] of Object.entries(positions)) {
        const x = at.x * matrix.a + matrix.e;
        const y = at.y * matrix.d + matrix.f;
        if (x < 0 || y < 0 || x > box.width || y > box.height) continue;
        expected++;
        const el = rendered.get(name);
        if (!el || getComputedStyle(el).visibility === "hidden" || el.getBoundingClientRect().width === 0) return false;
      }
      probe.expected = expected;
      return expected > 0;
    };
    const frame = () => {
      const now = performance.now();
      const transform = document.querySelector<HTMLElement>(".react-flow__viewport")?.style.transform ?? "";
      if (!check()) streak = 0;
      else if (streak > 0 && transform === streakTransform) streak++;
      else {
        streakStart = now;
        streakTransform = transform;
        streak = 1;
      }
      if (streak >= 10) probe.doneAt = streakStart;
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }, layout);
}
