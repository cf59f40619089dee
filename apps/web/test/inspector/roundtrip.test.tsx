// A CrewAI file edited through the inspector and written back with the definition package's
// document layer: only the edited line changes (comments, unknown keys and order survive).
import { openDocument, serializeDocument, updateDocument } from "@crewflow/definition";
import { cleanup, screen } from "@testing-library/react";
import { afterEach, expect, it } from "vitest";
import { renderFlow, renderMethod } from "./harness";

afterEach(cleanup);

const TEXT = `schema: crewai.flow/v1
name: ResearchReviewFlow
# kept: a comment CrewAI users write
future_setting: {mode: strict}
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      topic:
        type: string
    required:
      - topic
  default:
    topic: AI agent orchestration
methods:
  research_brief:
    start: true
    do:
      call: crew
      with:
        agents:
          researcher:
            role: Research analyst
            goal: Research {topic}
            backstory: Expert at concise technical research.
            verbose: true
        tasks:
          - name: research_task
            description: Research {topic}.
            expected_output: Key findings.
            agent: researcher
            markdown: true
      inputs:
        topic: "\${state.topic}"
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
        goal: Return followup or done.
        backstory: Skilled at routing.
        input: "Reviewed research: \${outputs.research_brief.raw}"
  write_followup:
    listen: followup
    do:
      call: agent
      with:
        role: Writer
        goal: Draft a follow-up
        backstory: Writes crisp follow-ups.
        input: "\${outputs.research_brief.raw}"
`;

it("changes only the edited line of a CrewAI file", async () => {
  const document = openDocument(TEXT);
  const { user, recorded } = renderMethod(document.data, "route_followup");
  await user.type(screen.getByLabelText("Agent role"), " v2");
  const text = serializeDocument(updateDocument(document, recorded.latest()));
  expect(text).toBe(TEXT.replace("role: Follow-up router", "role: Follow-up router v2"));
});

it("edits a crew task and the state schema of a CrewAI file without touching the rest", async () => {
  const document = openDocument(TEXT);
  const method = renderMethod(document.data, "research_brief");
  await method.user.type(screen.getByLabelText("Task 1 expected output"), " Cite sources.");
  const afterTask = updateDocument(document, method.recorded.latest());
  expect(serializeDocument(afterTask)).toBe(TEXT.replace("expected_output: Key findings.", "expected_output: Key findings. Cite sources."));
  cleanup();

  const flow = renderFlow(afterTask.data);
  await flow.user.click(screen.getByLabelText("Field 1 required"));
  const text = serializeDocument(updateDocument(afterTask, flow.recorded.latest()));
  expect(text).toContain("# kept: a comment CrewAI users write\nfuture_setting: {mode: strict}\n");
  expect(text).not.toContain("required:");
  expect(text).toContain("verbose: true");
  expect(text).toContain("markdown: true");
  expect(openDocument(text).load.errors).toEqual([]);
});
