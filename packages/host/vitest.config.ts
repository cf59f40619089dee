import { defineConfig } from "vitest/config";
// Generous timeouts: CI runs every package's tests at once on 2 cores.
export default defineConfig({ test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } });
