import { defineConfig } from "vitest/config";
// Real Chromium against a real server per file: files one after another (CI has 2 cores), long timeouts.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], fileParallelism: false, testTimeout: 90_000, hookTimeout: 90_000 },
});
