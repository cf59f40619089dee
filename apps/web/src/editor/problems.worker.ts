// Validates large flows off the main thread, so opening or editing a 2,000-method flow never
// freezes the canvas while its problems are computed.
import type { FlowDefinition } from "@crewflow/definition";
// The pure module, not the inspector's index: that one brings React components, which need a DOM.
import { problemsOf } from "../inspector/problems";

export interface ProblemsRequest {
  id: number;
  definition: FlowDefinition;
}

self.onmessage = (event: MessageEvent<ProblemsRequest>) => {
  const { id, definition } = event.data;
  postMessage({ id, problems: problemsOf(definition) });
};
