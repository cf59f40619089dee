import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Timeouts are a hang guard, not a budget: tests wait on progress and events, and on a loaded machine
// (every package at once on 2 cores, or other work beside) one may take minutes.
export default defineConfig({
  plugins: [react()],
  // One bundle on purpose: the editor needs the definition package (zod, CEL, YAML) from the first paint.
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1600 },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.{ts,tsx}"],
    globalSetup: ["../../scripts/test-scratch.mjs"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
