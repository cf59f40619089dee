// Flow texts for the tests. RESEARCH_FLOW is structurally CrewAI's canonical example
// (crewai-flow-templates/flow_definition_example.yaml): json_schema state, a crew start method, an
// agent router and a label listener. The repository's tests must not read ../shared, so it is inline.
export const RESEARCH_FLOW = `schema: crewai.flow/v1
name: ResearchReviewFlow
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      topic:
        type: string
      audience:
        type: string
    required:
      - topic
      - audience
  default:
    topic: AI agent orchestration
    audience: platform engineering leaders
methods:
  research_brief:
    start: true
    do:
      call: crew
      with:
        agents:
          researcher:
            role: Research analyst
            goal: Research {topic} for {audience}
            backstory: Expert at concise technical research.
          reviewer:
            role: Strategy reviewer
            goal: Decide whether the research needs an executive follow-up
            backstory: Experienced at reviewing technical briefs for leaders.
        tasks:
          - name: research_task
            description: Research {topic} for {audience}.
            expected_output: Key findings and tradeoffs.
            agent: researcher
          - name: review_task
            description: Review the research and decide if an executive follow-up is needed.
            expected_output: 'A brief review ending with \`needs_followup: true\` or \`needs_followup: false\`.'
            agent: reviewer
        inputs:
          topic: Default topic
          audience: Default audience
      inputs:
        topic: "\${state.topic}"
        audience: "\${state.audience}"
  route_followup:
    listen: research_brief
    router: true
    emit:
      - followup
      - done
    do:
      call: agent
      with:
        role: Follow-up router
        goal: 'Return exactly one bare value: followup or done. Do not include explanation.'
        backstory: Skilled at routing reviewed research briefs.
        input: "Reviewed research: \${outputs.research_brief.raw}"
  write_followup:
    listen: followup
    do:
      call: agent
      with:
        role: Executive communications specialist
        goal: Draft a concise executive follow-up from the reviewed research
        backstory: Writes crisp follow-ups for technical leaders.
        input: "\${outputs.research_brief.raw}"
`;

/** A human review step (CrewAI's ReviewFlow shape, with expressions instead of Python code). */
export const reviewFlow = (name: string) => `schema: crewai.flow/v1
name: ${name}
state:
  type: dict
  default:
    topic: agents
methods:
  draft:
    start: true
    do:
      call: expression
      expr: "'A post about ' + state.topic"
    human_feedback:
      message: "Review the draft:"
      emit: [approved, rejected]
      default_outcome: rejected
  publish:
    listen: approved
    do:
      call: expression
      expr: "'published: ' + outputs.draft"
  discard:
    listen: rejected
    do:
      call: expression
      expr: "'discarded'"
`;
export const REVIEW_FLOW = reviewFlow("ReviewFlow");

/**
 * The state of a flow whose steps are STEPS_MODULE's: each waits `delay` ms (a run's inputs may set
 * another), counts in `count`, and with a `gate` holds until that file exists.
 */
export const tickState = (delay: number) => `state:
  type: json_schema
  json_schema:
    type: object
    properties:
      delay: { type: integer }
      count: { type: integer }
      gate: { type: string }
  default: { delay: ${delay}, count: 0 }`;

/** Five steps that each wait in a workspace module (STEPS_MODULE), so a test can act mid-run. */
export const slowFlow = (name: string, delay = 40) => `schema: crewai.flow/v1
name: ${name}
${tickState(delay)}
methods:
  one:
    start: true
    do: { ref: ./steps.mjs:tick }
  two:
    listen: one
    do: { ref: ./steps.mjs:tick }
  three:
    listen: two
    do: { ref: ./steps.mjs:tick }
  four:
    listen: three
    do: { ref: ./steps.mjs:tick }
  five:
    listen: four
    do: { ref: ./steps.mjs:tick }
`;
export const SLOW_FLOW = slowFlow("SlowFlow");

/**
 * The workspace module SLOW_FLOW uses (steps.mjs). With a \`gate\` file in the state, every step after the first
 * waits until that file exists: a test holds a run mid-way on progress, not on time.
 */
export const STEPS_MODULE = `import { existsSync, writeFileSync } from "node:fs";
/** Marks that it has started (the gate's name + ".entered"), waits for the gate, then ticks. */
export async function hold(flow) {
  writeFileSync(flow.state.gate + ".entered", "");
  while (!existsSync(flow.state.gate)) await new Promise((resolve) => setTimeout(resolve, 20));
  return tick(flow);
}
export async function tick(flow) {
  await new Promise((resolve) => setTimeout(resolve, flow.state.delay ?? 40));
  while (flow.state.gate && flow.state.count >= 1 && !existsSync(flow.state.gate)) await new Promise((resolve) => setTimeout(resolve, 20));
  flow.state.count = (flow.state.count ?? 0) + 1;
  return flow.state.count;
}
`;

/** A small flow for bulk runs: an expression, then an agent router on the simulated model, then a listener. */
export const QUICK_FLOW = `schema: crewai.flow/v1
name: QuickFlow
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      topic: { type: string }
    required: [topic]
  default: { topic: agents }
methods:
  draft:
    start: true
    do: { call: expression, expr: "'notes on ' + state.topic" }
  route:
    listen: draft
    router: true
    emit: [publish, hold]
    do:
      call: agent
      with:
        role: Editor
        goal: 'Answer publish or hold.'
        backstory: Decides quickly.
        input: "\${outputs.draft}"
  publish_it:
    listen: publish
    do: { call: expression, expr: "'published ' + state.topic" }
  hold_it:
    listen: hold
    do: { call: expression, expr: "'held ' + state.topic" }
`;

/** A flow whose one code ref is `ref`. */
export const refFlow = (name: string, ref: string, extra = "") => `schema: crewai.flow/v1
name: ${name}
methods:
  run:
    start: true
    do:
      call: code
      ref: ${JSON.stringify(ref)}
${extra}`;

/** A flow whose agent lists `ref` as a tool (the loader does not check tool refs; the server's policy does). */
export const toolFlow = (name: string, ref: string) => `schema: crewai.flow/v1
name: ${name}
methods:
  ask:
    start: true
    do:
      call: agent
      with:
        role: Helper
        goal: Help
        backstory: Helps.
        input: hello
        tools: [${JSON.stringify(ref)}]
`;

/** `prepare` (an expression), then `ask`: one agent call, which a test's fake model endpoint may leave unanswered. */
export const hungModelFlow = (name: string) => `schema: crewai.flow/v1
name: ${name}
methods:
  prepare:
    start: true
    do: { call: expression, expr: "'ready'" }
  ask:
    listen: prepare
    do:
      call: agent
      with:
        role: Writer
        goal: Write a short note.
        backstory: Writes short notes.
        llm: { model: gpt-4o-mini }
        input: "Say something"
`;
