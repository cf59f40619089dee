// A flow with the structure of CrewAI's canonical template (json_schema state, a two-task crew as the
// start method, an agent router with emit [followup, done], a label listener), written here so the
// package's tests never read ../shared; and a responder that plays its agents.
import type { FakeChatBody, FakeReply } from "../src/testing";

export const REVIEW_FLOW = `schema: crewai.flow/v1
name: BriefReviewFlow
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      topic: {type: string}
      audience: {type: string}
    required: [topic, audience]
  default:
    topic: vector databases
    audience: data platform teams
methods:
  brief:
    start: true
    do:
      call: crew
      with:
        agents:
          analyst:
            role: Market analyst
            goal: Analyse {topic} for {audience}
            backstory: Writes short, sourced briefs.
          critic:
            role: Brief critic
            goal: Judge whether the brief needs an executive follow-up
            backstory: Reviews briefs before they reach leadership.
        tasks:
          - name: analysis_task
            description: Analyse {topic} for {audience}.
            expected_output: Three findings with tradeoffs.
            agent: analyst
          - name: critique_task
            description: Critique the analysis and decide if an executive follow-up is needed.
            expected_output: 'A short critique ending with needs_followup: true or needs_followup: false.'
            agent: critic
        inputs:
          topic: Placeholder topic
          audience: Placeholder audience
      inputs:
        topic: "\${state.topic}"
        audience: "\${state.audience}"
  decide:
    listen: brief
    router: true
    emit: [followup, done]
    do:
      call: agent
      with:
        role: Follow-up router
        goal: 'Return exactly one bare value: followup or done. Do not include explanation.'
        backstory: Routes critiqued briefs.
        input: "Critiqued brief: \${outputs.brief.raw}"
  follow_up:
    listen: followup
    do:
      call: agent
      with:
        role: Executive writer
        goal: Draft a concise executive follow-up from the critiqued brief
        backstory: Writes crisp notes for leaders.
        input: "\${outputs.brief.raw}"
`;

/** Answers each agent of REVIEW_FLOW by its role; the router answers `label`. */
export function reviewResponder(label: string): (body: FakeChatBody) => FakeReply {
  return (body) => {
    const system = body.messages[0]?.content ?? "";
    if (system.startsWith("You are Market analyst.")) return { content: "1. Fast ANN search 2. Costly at scale 3. Young tooling" };
    if (system.startsWith("You are Brief critic.")) return { content: "Solid analysis. needs_followup: true" };
    if (system.startsWith("You are Follow-up router.")) return { content: label };
    if (system.startsWith("You are Executive writer.")) return { content: "Exec note: adopt vector search carefully." };
    return { status: 400, body: { error: { message: `unexpected agent: ${system.slice(0, 60)}` } } };
  };
}
