// Flows for the persistence tests, written with the runtime's authoring API (code steps are in-memory
// modules; the version text is the definition as JSON).
import { type FlowBuilder, type FlowHandle, defineFlow } from "@crewflow/runtime";
import type { HostOptions } from "@crewflow/host";

export function hosted(builder: FlowBuilder, extra: Partial<HostOptions> = {}): HostOptions {
  const definition = builder.definition();
  return { definition, text: JSON.stringify(definition), sourcePath: null, flowOptions: { modules: builder.modules() }, ...extra };
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
