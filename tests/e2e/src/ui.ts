// The app as the tests see it: only the accessible names and node/handle attributes of the web
// contract (/work/notes/web-contract.md, "Accessible names"), never component internals.
import type { Locator, Page } from "playwright-core";

/**
 * How long a wait on the page may take: a hang guard, not a budget. Waits end on what the page shows;
 * on a loaded machine (other suites beside, or more) a server step or a render may take many seconds.
 */
export const PROGRESS_MS = 300_000;

export const region = (page: Page, name: string): Locator => page.getByRole("region", { name, exact: true });
export const canvas = (page: Page): Locator => region(page, "Canvas");
export const inspector = (page: Page): Locator => region(page, "Inspector");
export const topButton = (page: Page, name: string): Locator => page.getByRole("button", { name, exact: true });

/** A method node on the canvas. */
export const node = (page: Page, method: string): Locator => page.locator(`.react-flow__node[data-id="${method}"]`);

/** A connection handle: "in", "out" or `emit:<label>`. */
export const handle = (page: Page, method: string, id: string): Locator =>
  page.locator(`.react-flow__node[data-id="${method}"] .react-flow__handle[data-handleid="${id}"]`);

/** The method names of every node on the canvas (join nodes included), sorted. */
export async function nodeIds(page: Page): Promise<string[]> {
  const ids = await page.locator(".react-flow__node").evaluateAll((els) => els.map((el) => el.getAttribute("data-id") ?? ""));
  return ids.sort();
}

/** Waits until the editor shows the flow's canvas with `method` on it. */
export async function waitForNode(page: Page, method: string, timeout = 15_000): Promise<void> {
  await node(page, method).waitFor({ state: "visible", timeout });
}

/** HTML5 drag of a palette item onto the canvas at `at` (fractions of the canvas box); returns the drop point. */
export async function dropFromPalette(page: Page, kind: string, at: { x: number; y: number }): Promise<{ x: number; y: number }> {
  const item = region(page, "Palette").getByRole("button", { name: `Add ${kind}`, exact: true });
  const box = await canvas(page).boundingBox();
  if (!box) throw new Error("the Canvas region is not visible");
  const target = { x: Math.round(box.width * at.x), y: Math.round(box.height * at.y) };
  await item.dragTo(canvas(page), { targetPosition: target });
  return { x: box.x + target.x, y: box.y + target.y };
}

/** How far `point` lies outside the node's box (0 when the node covers it). */
export async function distanceFromNode(page: Page, method: string, point: { x: number; y: number }): Promise<number> {
  const box = await node(page, method).boundingBox();
  if (!box) throw new Error(`node ${method} is not visible`);
  const dx = Math.max(box.x - point.x, 0, point.x - (box.x + box.width));
  const dy = Math.max(box.y - point.y, 0, point.y - (box.y + box.height));
  return Math.hypot(dx, dy);
}

/** Drags with the mouse from one handle to another (React Flow connects on pointer events). */
export async function connect(page: Page, from: { method: string; handle: string }, to: { method: string; handle: string }): Promise<void> {
  const source = handle(page, from.method, from.handle);
  const target = handle(page, to.method, to.handle);
  await source.waitFor({ state: "visible", timeout: PROGRESS_MS });
  await target.waitFor({ state: "visible", timeout: PROGRESS_MS });
  const a = await centre(source);
  const b = await centre(target);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

export async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`not visible: ${locator}`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Selects a node by clicking its top strip (its title; handles sit on the left and right edges). */
export async function selectNode(page: Page, method: string): Promise<void> {
  const box = await node(page, method).boundingBox();
  if (!box) throw new Error(`node ${method} is not visible`);
  await page.mouse.click(box.x + box.width / 2, box.y + Math.min(12, box.height / 3));
}

/** A form control's current value: input/textarea/select value, else its text. */
export async function valueOf(control: Locator): Promise<string> {
  return control.evaluate((el) => {
    if (el instanceof HTMLSelectElement) return el.selectedOptions[0]?.textContent ? `${el.value} ${el.selectedOptions[0].textContent}` : el.value;
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) return el.value;
    return el.textContent ?? "";
  });
}

/**
 * Clicks Save with unsaved changes and waits until they are saved (the mark goes away); a save error
 * (an alert) fails at once with its text. The version number is the server's to choose: saving a text
 * identical to an earlier version makes that version the head again.
 */
export async function save(page: Page): Promise<void> {
  const unsaved = page.getByLabel("Unsaved changes", { exact: true });
  await unsaved.waitFor({ state: "visible", timeout: PROGRESS_MS });
  await topButton(page, "Save").click();
  const alert = page.getByRole("alert").filter({ hasText: /save|conflict/i });
  const failed = await Promise.race([
    unsaved.waitFor({ state: "hidden", timeout: PROGRESS_MS }).then(() => null),
    alert.first().waitFor({ state: "visible", timeout: PROGRESS_MS }).then(() => alert.first().textContent()),
  ]);
  if (failed !== null) throw new Error(`Save failed: ${failed}`);
}

/** Waits until the top bar shows "v<N>". */
export async function waitForVersion(page: Page, version: number): Promise<void> {
  await page.getByText(`v${version}`, { exact: true }).first().waitFor({ state: "visible", timeout: PROGRESS_MS });
}

/** The run status data-status of each node, read in the page. */
export async function nodeStatuses(page: Page): Promise<Record<string, string | null>> {
  return page.locator(".react-flow__node").evaluateAll((els) =>
    Object.fromEntries(
      els.map((el) => {
        const marked = el.matches("[data-status]") ? el : el.querySelector("[data-status]");
        return [el.getAttribute("data-id") ?? "", marked?.getAttribute("data-status") ?? null];
      }),
    ),
  );
}

/**
 * Starts recording, in the page, every data-status value each node shows (a MutationObserver sees each
 * DOM commit, however short); `statusHistory` reads the record.
 */
export async function recordStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    const scan = () => {
      for (const el of Array.from(document.querySelectorAll(".react-flow__node"))) {
        const id = el.getAttribute("data-id") ?? "";
        const marked = el.matches("[data-status]") ? el : el.querySelector("[data-status]");
        const status = marked?.getAttribute("data-status");
        if (!status) continue;
        const list = (seen[id] ??= []);
        if (list[list.length - 1] !== status) list.push(status);
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
    (window as unknown as { __crewflowStatuses: Record<string, string[]> }).__crewflowStatuses = seen;
  });
}

export async function statusHistory(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(() => (window as unknown as { __crewflowStatuses: Record<string, string[]> }).__crewflowStatuses);
}
