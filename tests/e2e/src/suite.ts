// One server and one browser per test file (files run one after another: 2 cores), a fresh tab per
// test, a screenshot of every test's tab in tests/e2e/artifacts/ (failed ones too: that is when it helps).
import { basename } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { type Browser, type BrowserOptions, type TrackedPage, launchBrowser, saveScreenshot } from "./browser";
import { type Api, type RunningServer, type ServerOptions, startServer } from "./server";

export interface Suite {
  readonly server: RunningServer;
  readonly api: Api;
  /** Opens `path` of the app in a new tab (the test's tab: screenshotted and closed after the test). */
  open(path: string): Promise<Page>;
}

/** `options` may be computed when the suite starts (e.g. the URL of a fake model endpoint started first). */
export function useSuite(file: string, options: ServerOptions | (() => Promise<ServerOptions>) = {}, browserOptions: BrowserOptions = {}): Suite {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let current: TrackedPage | null = null;
  const prefix = basename(file).replace(/\.test\.ts$/, "");

  beforeAll(async () => {
    server = await startServer(typeof options === "function" ? await options() : options);
    browser = await launchBrowser(browserOptions);
  });

  afterEach(async (context) => {
    const tab = current;
    current = null;
    if (!tab) return;
    try {
      const shot = await saveScreenshot(tab.page, `${prefix}--${context.task.name}`);
      console.log(`screenshot: ${shot}`);
    } finally {
      await tab.page.close();
    }
    // An uncaught exception in the app is a crash the user would see, whatever the test checked.
    expect(tab.errors.filter((e) => e.startsWith("pageerror")), "uncaught errors in the page").toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const required = (): RunningServer => {
    if (!server) throw new Error("the server is not running (beforeAll failed)");
    return server;
  };

  return {
    get server() {
      return required();
    },
    get api() {
      return required().api;
    },
    async open(path: string) {
      if (!browser) throw new Error("the browser is not running (beforeAll failed)");
      if (current) await current.page.close();
      current = await browser.newPage();
      await current.page.goto(new URL(path, required().url).href);
      return current.page;
    },
  };
}
