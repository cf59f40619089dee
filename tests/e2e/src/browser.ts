// Debian's Chromium driven by playwright-core (no browser download), launched as STACK.md §7 says:
// headless, a fresh profile per launch, no network side trips.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { ARTIFACTS } from "./paths";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  /** A new tab whose uncaught errors are collected in `errors`. */
  newPage(): Promise<TrackedPage>;
  close(): Promise<void>;
}

export interface TrackedPage {
  page: Page;
  /** Uncaught page errors and console errors, in order. */
  errors: string[];
}

export interface BrowserOptions {
  viewport?: { width: number; height: number };
  /** More Chromium switches (e.g. `--host-resolver-rules` to give a made-up host name an address). */
  args?: readonly string[];
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium).`);
  const profile = mkdtempSync(join(tmpdir(), "pw-profile-"));
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      viewport: options.viewport ?? { width: 1440, height: 900 },
      acceptDownloads: true,
    })
    .catch((error: unknown) => {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    });
  // tsx (the bench's loader) compiles with esbuild's keepNames, which wraps functions in `__name(...)`;
  // functions handed to page.evaluate/addInitScript carry that call into the page, so define it there.
  await context.addInitScript({ content: "globalThis.__name ??= (fn) => fn;" });
  // A control that never appears fails the test in 15 s rather than Playwright's 30 s (CI time).
  context.setDefaultTimeout(15_000);
  // The persistent context opens with one blank tab; tests use their own.
  for (const page of context.pages()) await page.close();
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`console: ${message.text()}`);
      });
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as tests/e2e/artifacts/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-|-$/g, "")}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
