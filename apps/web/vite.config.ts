import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // One bundle on purpose: the editor needs the definition package (zod, CEL, YAML) from the first paint.
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1600 },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.{ts,tsx}"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
  },
});
