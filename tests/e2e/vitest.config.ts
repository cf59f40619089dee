import { defineConfig } from "vitest/config";
// Real Chromium against a real server per file: files one after another (CI has 2 cores), long timeouts.
// Timeouts are a hang guard, not a budget: tests wait on progress and events, and on a loaded machine
// (every package at once on 2 cores, or other work beside) one may take minutes.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], globalSetup: ["../../scripts/test-scratch.mjs"], fileParallelism: false, testTimeout: 600_000, hookTimeout: 600_000 },
});
