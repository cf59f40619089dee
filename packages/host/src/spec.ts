// The host spec: one suite that checks the run host on any store of the runtime's RunStore port
// (`runHostSpec("memory", () => …)`), the way `@crewflow/runtime/store-spec` checks the stores
// themselves. It drives runs only through `runFlow` and reads them back only through the port. It
// imports vitest, so it is a subpath of its own (`@crewflow/host/spec`) that only test files load.
// Stores may share a database between tests: every test uses its own flow names. Its flows (`hosted`,
// `chain`) are exported for other host tests on a store (tests/host-stores).
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowBuilder, type FlowEvent, type FlowHandle, type RunStore, defineFlow, describeHolder, leaseHolder, sha256 } from "@crewflow/runtime";
import { type HostOptions, RunHeldError, forkCheckpoint, newRunId, runFlow } from "./host";
import { COMMIT_POINTS } from "./journal";

/** A name no other test uses. */
const unique = (name: string): string => `${name}-${Math.random().toString(36).slice(2, 10)}`;

/** A holder on another machine: alive as far as this one can tell, until its lease lapses. */
const elsewhere = (tag: string): string => `${tag}@crewflow-host-spec-elsewhere#1`;
/** A holder on this machine whose process does not exist (a pid above any pid_max): a crashed run. */
const deadHere = `spec@${hostname()}#2147483646`;

/** Host options for a flow written with the runtime's authoring API (its version text is the definition as JSON). */
export function hosted(builder: FlowBuilder, extra: Partial<HostOptions> = {}): HostOptions {
  const definition = builder.definition();
  return { definition, text: JSON.stringify(definition), sourcePath: null, flowOptions: { modules: builder.modules() }, ...extra };
}

/** m1 → m2 → … → mN; each adds its name to `state.log` and bumps `state.count`. `calls` records executions. */
export function chain(name: string, length: number, calls: string[] = [], hook?: (method: string, flow: FlowHandle) => void | Promise<void>): FlowBuilder {
  const body = (method: string) => async (flow: FlowHandle) => {
    calls.push(method);
    await hook?.(method, flow);
    flow.state.count = ((flow.state.count as number | undefined) ?? 0) + 1;
    flow.state.log = [...((flow.state.log as string[] | undefined) ?? []), method];
    return `${method}:${flow.state.count as number}`;
  };
  const builder = defineFlow(name, { state: { type: "dict", default: { count: 0, log: [] } } }).start("m1", body("m1"));
  for (let i = 2; i <= length; i++) builder.listen(`m${i}`, `m${i - 1}`, body(`m${i}`));
  return builder;
}

/**
 * Checks the run host on the store `open` gives (called once; the store is closed after the suite).
 * @param name shown in the suite's title ("memory", "sqlite", "postgres")
 */
export function runHostSpec(name: string, open: () => Promise<RunStore>): void {
  describe(`run host spec: ${name}`, () => {
    let store: RunStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it("runs a flow to completion: records the run, its log and its result, and lets go of the run", async () => {
      const flowName = unique("Complete");
      const created: string[] = [];
      const result = await runFlow(store, hosted(chain(flowName, 3), { onRunCreated: (id) => created.push(id) }), { kind: "new", inputs: { topic: "x" } });
      expect(result.status).toBe("completed");
      expect(result.error).toBeNull();
      expect(result.outcome).toBe("m3:3");
      expect(created).toEqual([result.runId]);
      const loaded = (await store.loadRun(result.runId))!;
      expect(loaded.events).toEqual(result.flow!.events);
      expect(loaded.record).toMatchObject({
        runId: result.runId,
        flowName,
        status: "completed",
        origin: "new",
        version: 1,
        inputs: { topic: "x" },
        output: "m3:3",
        stateId: result.flow!.state.id,
        parentRunId: null,
        definitionHash: sha256(hosted(chain(flowName, 3)).text),
      });
      expect(loaded.record.endedAt).not.toBeNull();
      expect((await store.steps(result.runId)).map((s) => [s.method, s.status, s.output])).toEqual([
        ["m1", "completed", "m1:1"],
        ["m2", "completed", "m2:2"],
        ["m3", "completed", "m3:3"],
      ]);
      expect(await store.heldBy(result.runId)).toBeNull();
    });

    it("commits every step before the next one starts, one batch per step", async () => {
      const flowName = unique("PerStep");
      const seen: Record<string, string[]> = {};
      const batches: FlowEvent["type"][][] = [];
      let runId = "";
      // Each method looks at the store first: every earlier step must already be there.
      const result = await runFlow(
        store,
        hosted(
          chain(flowName, 4, [], async (method) => {
            seen[method] = (await store.steps(runId)).map((s) => s.method);
          }),
          { onRunCreated: (id) => (runId = id), onCommitted: (events) => batches.push(events.map((e) => e.type)) },
        ),
        { kind: "new" },
      );
      expect(result.status).toBe("completed");
      expect(seen).toEqual({ m1: [], m2: ["m1"], m3: ["m1", "m2"], m4: ["m1", "m2", "m3"] });
      // Each batch ends at a commit point: four steps, then the run's end.
      expect(batches.map((b) => b.at(-1))).toEqual(["method_execution_finished", "method_execution_finished", "method_execution_finished", "method_execution_finished", "flow_finished"]);
      expect(batches.every((b) => COMMIT_POINTS.has(b.at(-1)!))).toBe(true);
      expect(batches.flat()).toEqual(result.flow!.events.map((e) => e.type));
    });

    it("resumes a run whose process died after its second step: the done steps are not run again", async () => {
      const flowName = unique("Crashed");
      // The log a process left when it was killed after committing m2: the first two steps of a full run.
      const full = await runFlow(store, hosted(chain(flowName, 4)), { kind: "new", inputs: { topic: "x" } });
      const source = (await store.loadRun(full.runId))!;
      const cut = source.events.filter((e) => e.type === "method_execution_finished")[1]!.seq;
      const runId = newRunId();
      await store.createRun(
        { ...source.record, runId, status: "running", output: null, endedAt: null },
        { definition: hosted(chain(flowName, 4)).text },
      );
      await store.commit(
        runId,
        source.events.filter((e) => e.seq <= cut).map((e) => ({ ...e, runId })),
      );
      // Its lease is still held by the dead process: the host takes the run over at once.
      expect(await store.claimRun(runId, deadHere, 60_000)).toMatchObject({ lease: expect.any(Number) });

      const calls: string[] = [];
      const resumed = await runFlow(store, hosted(chain(flowName, 4, calls)), { kind: "resume", runId });
      expect(resumed.status).toBe("completed");
      expect(resumed.runId).toBe(runId);
      expect(calls).toEqual(["m3", "m4"]);
      expect(resumed.outcome).toBe("m4:4");
      const run = (await store.getRun(runId))!;
      expect(run).toMatchObject({ status: "completed", output: "m4:4" });
      expect((await store.steps(runId)).map((s) => s.method)).toEqual(["m1", "m2", "m3", "m4"]);
      const seqs = (await store.events(runId)).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(await store.heldBy(runId)).toBeNull();
    });

    it("refuses to resume a run another live holder executes, naming it, and touches nothing", async () => {
      const flowName = unique("Held");
      const first = await runFlow(store, hosted(chain(flowName, 2)), { kind: "new" });
      const runId = first.runId;
      await store.updateRun(runId, { status: "interrupted", endedAt: null });
      const holder = elsewhere("server");
      expect(await store.claimRun(runId, holder, 60_000)).toMatchObject({ lease: expect.any(Number) });
      const before = await store.events(runId);

      const calls: string[] = [];
      const refused = await runFlow(store, hosted(chain(flowName, 2, calls), { holder: leaseHolder("cli") }), { kind: "resume", runId });
      expect(refused.status).toBe("failed");
      expect(refused.flow).toBeNull();
      expect(refused.error).toBeInstanceOf(RunHeldError);
      const error = refused.error as RunHeldError;
      expect(error.runId).toBe(runId);
      expect(error.holder).toBe(holder);
      expect(error.until).toBeGreaterThan(Date.now());
      expect(error.message).toContain(describeHolder(holder));
      expect(calls).toEqual([]);
      expect((await store.getRun(runId))!.status).toBe("interrupted");
      expect(await store.events(runId)).toEqual(before);
      expect((await store.heldBy(runId))?.holder).toBe(holder);
    });

    it("cancels a run when its signal aborts: it stops before the next step and ends cancelled", async () => {
      const flowName = unique("Cancel");
      const controller = new AbortController();
      const calls: string[] = [];
      const result = await runFlow(
        store,
        hosted(
          chain(flowName, 4, calls, (method) => {
            if (method === "m2") controller.abort();
          }),
          { signal: controller.signal },
        ),
        { kind: "new" },
      );
      expect(result.status).toBe("cancelled");
      expect(calls).toEqual(["m1", "m2"]);
      const run = (await store.getRun(result.runId))!;
      expect(run.status).toBe("cancelled");
      expect(run.endedAt).not.toBeNull();
      expect((await store.steps(result.runId)).map((s) => [s.method, s.status])).toEqual([["m1", "completed"]]);
      expect(await store.heldBy(result.runId)).toBeNull();

      // Aborted before it starts: the run is recorded, nothing executes, it ends cancelled.
      const before: string[] = [];
      const early = await runFlow(store, hosted(chain(flowName, 2, before), { signal: AbortSignal.abort() }), { kind: "new" });
      expect(early.status).toBe("cancelled");
      expect(before).toEqual([]);
      expect((await store.getRun(early.runId))!.status).toBe("cancelled");
    });

    it("leaves a run interrupted when the abort's reason is 'interrupted'; a resume finishes it", async () => {
      const flowName = unique("Shutdown");
      const controller = new AbortController();
      const calls: string[] = [];
      const stopped = await runFlow(
        store,
        hosted(
          chain(flowName, 4, calls, (method) => {
            if (method === "m2") controller.abort("interrupted");
          }),
          { signal: controller.signal },
        ),
        { kind: "new" },
      );
      expect(stopped.status).toBe("interrupted");
      expect((await store.getRun(stopped.runId))!.status).toBe("interrupted");
      expect(calls).toEqual(["m1", "m2"]);

      const resumed = await runFlow(store, hosted(chain(flowName, 4, calls)), { kind: "resume", runId: stopped.runId });
      expect(resumed.status).toBe("completed");
      expect(calls).toEqual(["m1", "m2", "m2", "m3", "m4"]);
      expect((await store.steps(stopped.runId)).map((s) => s.method)).toEqual(["m1", "m2", "m3", "m4"]);
      expect((await store.getRun(stopped.runId))!).toMatchObject({ status: "completed", output: "m4:4" });
    });

    it("forks a run from a step: a new run on that step's (patched) state, the steps before it not run again", async () => {
      const flowName = unique("Fork");
      const source = await runFlow(store, hosted(chain(flowName, 4)), { kind: "new" });
      const step2 = (await store.step(source.runId, { number: 2 }))!;
      expect(step2.method).toBe("m2");
      expect((await forkCheckpoint(store, source.runId, step2.seq)).state).toMatchObject({ count: 2, log: ["m1", "m2"] });

      const calls: string[] = [];
      const patch = [{ op: "replace" as const, path: "/count", value: 10 }];
      const fork = await runFlow(store, hosted(chain(flowName, 4, calls)), { kind: "fork", runId: source.runId, seq: step2.seq, patch });
      expect(fork.status).toBe("completed");
      expect(fork.runId).not.toBe(source.runId);
      expect(calls).toEqual(["m3", "m4"]);
      expect(fork.outcome).toBe("m4:12");
      expect(fork.flow!.state).toMatchObject({ count: 12, log: ["m1", "m2", "m3", "m4"] });
      expect(fork.flow!.state.id).not.toBe(source.flow!.state.id);
      const run = (await store.getRun(fork.runId))!;
      expect(run).toMatchObject({ status: "completed", origin: "fork", parentRunId: source.runId, parentSeq: step2.seq, forkPatch: patch, output: "m4:12" });
      // The source run is untouched.
      expect((await store.getRun(source.runId))!).toMatchObject({ status: "completed", output: "m4:4" });
      expect((await store.lineageTree(source.runId))!.children.map((c) => c.runId)).toEqual([fork.runId]);
    });

    it("records a failed run with its error and its failed step", async () => {
      const builder = defineFlow(unique("Fails"))
        .start("a", () => 1)
        .listen("b", "a", () => {
          throw new TypeError("bad row 2");
        });
      const result = await runFlow(store, hosted(builder), { kind: "new" });
      expect(result.status).toBe("failed");
      expect(result.error).toBeInstanceOf(TypeError);
      expect((await store.getRun(result.runId))!).toMatchObject({ status: "failed", error: { type: "TypeError", message: "bad row 2" } });
      expect(result.runId).not.toBe("");
      expect((await store.steps(result.runId)).map((s) => [s.method, s.status, s.error])).toEqual([
        ["a", "completed", null],
        ["b", "failed", { type: "TypeError", message: "bad row 2" }],
      ]);
      expect(await store.heldBy(result.runId)).toBeNull();
    });
  });
}
