import { describe, expect, it } from "vitest";
import { type ActionContext, Cancelled, type CrewRunner, cancellableCrewRunner } from "../src";

describe("cancellableCrewRunner", () => {
  it("rejects a call in flight with Cancelled when the job's signal aborts, and aborts the signal the call sees", async () => {
    let seen: AbortSignal | null = null;
    const hanging: CrewRunner = {
      runCrew: (_request, ctx) => {
        seen = ctx.signal;
        return new Promise(() => undefined);
      },
      runAgent: () => Promise.resolve({ raw: "ok" } as never),
    };
    const job = new AbortController();
    const runner = cancellableCrewRunner(hanging, job.signal);
    const ctx = { signal: new AbortController().signal } as ActionContext;
    const call = runner.runCrew({} as never, ctx);
    expect(seen!.aborted).toBe(false);
    job.abort();
    await expect(call).rejects.toBeInstanceOf(Cancelled);
    expect(seen!.aborted).toBe(true);
    await expect(runner.runAgent({} as never, ctx)).rejects.toBeInstanceOf(Cancelled);
  });

  it("passes results through while the signal is not aborted", async () => {
    const runner = cancellableCrewRunner({ runCrew: () => Promise.resolve({ raw: "crew" } as never), runAgent: () => Promise.resolve({ raw: "agent" } as never) }, new AbortController().signal);
    const ctx = { signal: new AbortController().signal } as ActionContext;
    await expect(runner.runCrew({} as never, ctx)).resolves.toEqual({ raw: "crew" });
    await expect(runner.runAgent({} as never, ctx)).resolves.toEqual({ raw: "agent" });
  });
});
