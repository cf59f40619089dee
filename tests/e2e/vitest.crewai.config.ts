import { defineConfig } from "vitest/config";
// The scenario that reads ../shared (CrewAI's example file): `pnpm test:crewai`, not `pnpm test`
// (spec/crewflow-decisions.md: the README's test command must pass on a clone without ../shared).
export default defineConfig({
  test: { include: ["crewai/**/*.test.ts"], fileParallelism: false, testTimeout: 90_000, hookTimeout: 90_000 },
});
