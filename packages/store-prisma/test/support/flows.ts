// Flows for the persistence tests, written with the runtime's authoring API (code steps are in-memory
// modules; the version text is the definition as JSON), and a bare driver that runs one on a store
// through the engine's journal hook. The run host (@crewflow/host) is tested on this store in
// tests/host-stores; these tests need only what the store itself does with a run.
import { type FlowBuilder, type FlowHandle, Flow, defineFlow, sha256 } from "@crewflow/runtime";
import type { PrismaRunStore } from "../../src";
import { newRunRecord } from "../../src/test-databases";

export interface Driven {
  status: "completed" | "failed";
  runId: string;
  flow: Flow;
  error: unknown;
}

/**
 * Records a new run of `builder` on `store` and executes it: the engine awaits the store's `commit`
 * after every step and at the end, and the store sets the run's status from the terminal event.
 */
export async function drive(
  store: PrismaRunStore,
  builder: FlowBuilder,
  options: { inputs?: Record<string, unknown>; onRunCreated?: (runId: string) => void } = {},
): Promise<Driven> {
  const definition = builder.definition();
  const text = JSON.stringify(definition);
  const flow = await Flow.create(definition, {
    modules: builder.modules(),
    runId: crypto.randomUUID(),
    persistence: store,
    defaultPersistence: store,
    journal: { commit: (runId, events) => store.commit(runId, events) },
  });
  await store.createRun(
    { ...newRunRecord(flow.runId, definition.name, sha256(text)), inputs: (options.inputs ?? null) as never, stateId: String(flow.state.id ?? "") || null },
    { definition: text },
  );
  options.onRunCreated?.(flow.runId);
  try {
    await flow.kickoff({ inputs: options.inputs ?? null });
    return { status: "completed", runId: flow.runId, flow, error: null };
  } catch (error) {
    return { status: "failed", runId: flow.runId, flow, error };
  }
}

/** m1 → m2 → … → mN; each adds its number to `state.log` and bumps `state.count`. `calls` counts executions. */
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
