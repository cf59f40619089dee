// `{placeholder}` interpolation (spec §9.1), conformance case 76, checked on the prompts the model gets.
import { describe, expect, it } from "vitest";
import { type CrewOutput, interpolateOnly } from "../src";
import { agent, calls, contextFor, rejection, simulatedRunner } from "./helpers";

/** Case 76's crew: task "Research {topic} for {audience}", expected "Findings about {topic}", goal "Research {topic}". */
const crew76 = (description = "Research {topic} for {audience}") => ({
  agents: { researcher: { role: "Researcher", goal: "Research {topic}", backstory: "Expert." } },
  tasks: [{ name: "research", description, expected_output: "Findings about {topic}", agent: "researcher" }],
});

async function kickoff(crew: Record<string, unknown>, inputs: Record<string, unknown>) {
  const ctx = contextFor();
  const output = (await simulatedRunner().runCrew({ crew, inputs }, ctx)) as CrewOutput;
  const [call] = calls(ctx.events, "llm");
  const messages = (call!.request as { messages: { content: string }[] }).messages;
  return { output, system: messages[0]!.content, user: messages[1]!.content };
}

describe("case 76: crew placeholder interpolation", () => {
  it("(a) inputs fill task and agent texts", async () => {
    const { output, system, user } = await kickoff(crew76(), { topic: "AI", audience: "devs" });
    expect(output.tasks_output[0]!.description).toBe("Research AI for devs");
    expect(output.tasks_output[0]!.expected_output).toBe("Findings about AI");
    expect(system).toBe("You are Researcher. Expert.\nYour personal goal is: Research AI");
    expect(user).toContain("Current Task: Research AI for devs\n\nThis is the expected criteria for your final answer: Findings about AI\n");
  });

  it("(b) a missing input fails the kickoff", async () => {
    const error = await rejection(simulatedRunner().runCrew({ crew: crew76(), inputs: { topic: "AI" } }, contextFor()));
    expect(error.name).toBe("ValueError");
    expect(error.message).toBe("Missing required template variable 'audience' in description");
  });

  it("(c) empty inputs: nothing is interpolated, braces stay, no error", async () => {
    const { output, system } = await kickoff(crew76(), {});
    expect(output.tasks_output[0]!.description).toBe("Research {topic} for {audience}");
    expect(system).toContain("Your personal goal is: Research {topic}");
  });

  it("(d) JSON braces are not placeholders", async () => {
    const { output } = await kickoff(crew76('Return {"a": 1} for {topic}'), { topic: "AI" });
    expect(output.tasks_output[0]!.description).toBe('Return {"a": 1} for AI');
  });

  it("(e) values print as Python's str(): True, None, reprs of lists and dicts", async () => {
    const { output } = await kickoff(crew76("Flags {topic} {audience} {extra} {more}"), {
      topic: true,
      audience: null,
      extra: ["a", 1, false],
      more: { k: "v", n: 1.5 },
    });
    expect(output.tasks_output[0]!.description).toBe("Flags True None ['a', 1, False] {'k': 'v', 'n': 1.5}");
  });
});

describe("interpolation errors (CrewAI's messages)", () => {
  it("a missing name in an agent text is a KeyError", async () => {
    const crew = { ...crew76("Research {topic}"), agents: { researcher: agent("R", { goal: "Know {missing}" }) } };
    const error = await rejection(simulatedRunner().runCrew({ crew, inputs: { topic: "AI" } }, contextFor()));
    expect(error.name).toBe("KeyError");
    expect(error.message).toBe("Template variable 'missing' not found in inputs dictionary");
  });

  it("expected_output errors quote the KeyError like Python's str()", async () => {
    const crew = { agents: { r: agent("R") }, tasks: [{ description: "Do {topic}", expected_output: "About {other}", agent: "r" }] };
    const error = await rejection(simulatedRunner().runCrew({ crew, inputs: { topic: "AI" } }, contextFor()));
    expect(error.message).toBe(`Error interpolating expected_output: "Template variable 'other' not found in inputs dictionary"`);
  });

  it("unsupported input values are rejected by key", () => {
    expect(() => interpolateOnly("x {d}", { d: new Date(0) })).toThrow("Invalid value for key 'd': Unsupported type datetime in inputs. Only str, int, float, bool, dict, and list are allowed.");
    expect(() => interpolateOnly("{a}", {})).toThrow("Inputs dictionary cannot be empty when interpolating variables");
    expect(interpolateOnly("no placeholders", {})).toBe("no placeholders");
    expect(interpolateOnly("{a-b} and {a-b}", { "a-b": 2 })).toBe("2 and 2");
    expect(interpolateOnly("{1x} {x}", { x: "y" })).toBe("{1x} y");
  });

  it("each kickoff re-interpolates from the original texts", async () => {
    const runner = simulatedRunner();
    const first = (await runner.runCrew({ crew: crew76(), inputs: { topic: "AI", audience: "devs" } }, contextFor())) as CrewOutput;
    const second = (await runner.runCrew({ crew: crew76(), inputs: { topic: "ML", audience: "ops" } }, contextFor())) as CrewOutput;
    expect([first.tasks_output[0]!.description, second.tasks_output[0]!.description]).toEqual(["Research AI for devs", "Research ML for ops"]);
  });
});

describe("interpolation is one pass and bounded", () => {
  it("does not expand a placeholder that an input value contains", () => {
    const text = Array.from({ length: 20 }, () => "{a}").join(" ");
    const out = interpolateOnly(text, { a: "{a}{a}" });
    expect(out).toBe(Array.from({ length: 20 }, () => "{a}{a}").join(" "));
  });

  it("refuses a text that grows past the limit, naming the setting", () => {
    const big = "x".repeat(600_000);
    expect(() => interpolateOnly("{a} {a}", { a: big })).toThrow(/CREWFLOW_MAX_PROMPT_CHARS/);
  });
});
