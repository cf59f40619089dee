// `defined_flows` does not exist in CrewAI: test_flow_visualization.py only builds the graph of the
// declaration that names it. `decide` returns its single declared `emit` label so `finish` runs.
export const DefinedFlow = {
  begin: (): string => "started",
  decide: (): string => "done",
  finish: (): string => "finished",
};
