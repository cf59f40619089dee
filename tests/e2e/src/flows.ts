// Flows the tests create through the API, and reads of what the server saved and ran.
import { type FlowDefinition, type MethodDefinition, loadDefinitionText } from "@crewflow/definition";
import type { Api } from "./server";

export interface Saved {
  version: number;
  text: string;
  definition: FlowDefinition;
  methods: Record<string, MethodDefinition>;
  /** `x-crewflow.nodes`: the canvas positions by method name. */
  layout: Record<string, { x: number; y: number }>;
}

/** The flow as the server has it (head, or `version`), parsed by the definition package's loader. */
export async function savedFlow(api: Api, flowId: string, version?: number): Promise<Saved> {
  const got = await api.flows.get.query({ flowId, ...(version ? { version } : {}) });
  const loaded = loadDefinitionText(got.text);
  if (!loaded.definition) throw new Error(`the saved flow does not load: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}\n${got.text}`);
  const extension = (loaded.definition["x-crewflow"] ?? {}) as { nodes?: Record<string, { x: number; y: number }> };
  return { version: got.version.number, text: got.text, definition: loaded.definition, methods: loaded.definition.methods ?? {}, layout: extension.nodes ?? {} };
}

export async function createFlow(api: Api, text: string): Promise<string> {
  const created = await api.flows.create.mutate({ text });
  return created.flow.id;
}

const TERMINAL = new Set(["completed", "failed", "cancelled", "interrupted", "paused"]);

/** Polls the run until it stops (the API's view, independent of what the page shows). */
export async function waitForRunEnd(api: Api, runId: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await api.runs.get.query({ runId });
    if (TERMINAL.has(run.status)) return run;
    if (Date.now() > until) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * The flow of scenarios 2 and 3: a start, a script that writes the state (so a step has a diff: only
 * code and script actions change state), a crew, a router and a listener on one of its labels.
 */
export function liveRunFlowText(name: string): string {
  return `schema: crewai.flow/v1
name: ${JSON.stringify(name)}
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      topic: {type: string}
      summary: {type: string}
    required: [topic]
  default:
    summary: none yet
methods:
  start_1:
    start: true
    do: {call: expression, expr: "state.topic"}
  draft:
    listen: start_1
    do:
      call: script
      language: javascript
      code: "state.summary = 'draft about ' + state.topic; return state.summary;"
  crew_1:
    listen: draft
    do:
      call: crew
      with:
        agents:
          researcher:
            role: Researcher
            goal: Research {topic}
            backstory: Careful and brief.
        tasks:
          - description: Research {topic}.
            expected_output: Three findings.
            agent: researcher
      inputs:
        topic: "\${state.topic}"
  router_1:
    listen: crew_1
    router: true
    emit: [approved, rejected]
    do: {call: expression, expr: "'approved'"}
  listen_1:
    listen: approved
    do: {call: expression, expr: "state.summary"}
x-crewflow:
  nodes:
    start_1: {x: 0, y: 0}
    draft: {x: 260, y: 0}
    crew_1: {x: 520, y: 0}
    router_1: {x: 780, y: 0}
    listen_1: {x: 1040, y: -80}
`;
}
