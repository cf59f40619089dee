// Bad settings fail at start with the variable's name and what it expects.
import { describe, expect, it } from "vitest";
import { DEFAULT_QUEUE_SETTINGS, SettingsError, queueSettingsFromEnv } from "../src";

const PG = "postgresql://postgres@127.0.0.1:5432/crewflow";

describe("queue settings", () => {
  it("defaults to BullMQ's PostgreSQL backend on the run database", () => {
    const settings = queueSettingsFromEnv({ DATABASE_URL: PG });
    expect(settings).toEqual({ ...DEFAULT_QUEUE_SETTINGS, databaseUrl: PG });
    expect(settings.backend).toBe("postgres");
  });

  it("reads the backend, limits and retention from the environment", () => {
    const settings = queueSettingsFromEnv({
      DATABASE_URL: PG,
      CREWFLOW_QUEUE_BACKEND: "redis",
      CREWFLOW_REDIS_URL: "redis://127.0.0.1:6390/2",
      CREWFLOW_WORKER_CONCURRENCY: "4",
      CREWFLOW_GLOBAL_CONCURRENCY: "10",
      CREWFLOW_KEEP_COMPLETED: "0",
      CREWFLOW_LOCK_MS: "5000",
    });
    expect(settings).toMatchObject({ backend: "redis", redisUrl: "redis://127.0.0.1:6390/2", concurrency: 4, globalConcurrency: 10, keepCompleted: 0, lockDurationMs: 5000 });
  });

  it.each([
    [{ DATABASE_URL: "file:/tmp/crewflow.db" }, /needs a PostgreSQL DATABASE_URL/],
    [{ DATABASE_URL: PG, CREWFLOW_QUEUE_BACKEND: "kafka" }, /CREWFLOW_QUEUE_BACKEND "kafka": expected "postgres" or "redis"/],
    [{ DATABASE_URL: PG, CREWFLOW_QUEUE_BACKEND: "redis", CREWFLOW_REDIS_URL: "localhost:6379" }, /CREWFLOW_REDIS_URL/],
    [{ DATABASE_URL: PG, CREWFLOW_WORKER_CONCURRENCY: "0" }, /CREWFLOW_WORKER_CONCURRENCY 0: expected a positive integer/],
    [{ DATABASE_URL: PG, CREWFLOW_LOCK_MS: "soon" }, /CREWFLOW_LOCK_MS null: expected a positive integer/],
    [{ DATABASE_URL: PG, CREWFLOW_GLOBAL_CONCURRENCY: "-1" }, /CREWFLOW_GLOBAL_CONCURRENCY/],
    [{ DATABASE_URL: PG, CREWFLOW_QUEUE: "runs:1" }, /CREWFLOW_QUEUE "runs:1"/],
  ])("rejects %j", (env, message) => {
    expect(() => queueSettingsFromEnv(env)).toThrow(SettingsError);
    expect(() => queueSettingsFromEnv(env)).toThrow(message);
  });
});
