import { defineConfig } from "vitest/config";
// The two backends' suites each start their own processes; run the files one after the other (2 cores).
export default defineConfig({ test: { include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } });
