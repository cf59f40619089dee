// Shared test setup: a fake OpenAI-compatible server per file, a runner pointed at it, and checks that
// the API key never shows up anywhere.
import type { FlowEvent } from "@crewflow/runtime";
import { expect } from "vitest";
import { type CrewRunnerOptions, createCrewRunner } from "../src";
import { type FakeOpenAI, recordingContext } from "../src/testing";

/** A key that must never appear in an event, a log line or an error message. */
export const KEY = "sk-test-NEVER-LEAK-5f0e1d2c3b4a";

export function runnerFor(fake: FakeOpenAI, options: CrewRunnerOptions = {}) {
  return createCrewRunner({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY }, timeoutMs: 5_000, maxRetries: 2, ...options });
}

/** A runner with no endpoint configured: the simulated model answers. */
export function simulatedRunner(options: CrewRunnerOptions = {}) {
  return createCrewRunner({ env: {}, ...options });
}

export const agent = (role: string, extra: Record<string, unknown> = {}) => ({ role, goal: `Goal of ${role}`, backstory: `Backstory of ${role}`, ...extra });

export function contextFor(method = "method") {
  return recordingContext(method);
}

/** The `call` payloads of the crews events in a log, optionally of one kind. */
export function calls(events: readonly FlowEvent[], kind?: string): Record<string, unknown>[] {
  return events.flatMap((event) =>
    event.type === "llm_call" && (kind === undefined || (event.call as Record<string, unknown>).kind === kind) ? [event.call as Record<string, unknown>] : [],
  );
}

export function expectNoKey(...things: unknown[]): void {
  for (const thing of things) {
    const text = typeof thing === "string" ? thing : thing instanceof Error ? `${thing.message}\n${thing.stack ?? ""}` : JSON.stringify(thing);
    expect(text).not.toContain(KEY);
  }
}

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}
