// Conformance cases G (crews inside flows): conformance-cases.md §G. Crews themselves live in the
// crews package; here a stub `CrewRunner` stands in for them, as the cases stub crew kickoff.
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pyRepr } from "@crewflow/definition";
import { afterAll, describe, expect, it } from "vitest";
import { type CrewRunner, Flow } from "../../src";
import { create, load, loadErrors } from "./helpers";

/** A crew runner whose crew "returns the inputs it receives". */
function recordingCrews(): CrewRunner & { received: Record<string, unknown>[] } {
  const received: Record<string, unknown>[] = [];
  return {
    received,
    runCrew: async ({ inputs }) => {
      received.push(inputs);
      return inputs;
    },
    runAgent: async () => {
      throw new Error("no agents in this case");
    },
  };
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "crewflow-g-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  const { rm } = await import("node:fs/promises");
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const INLINE_CREW = `{agents: {researcher: {role: "Researcher of {topic}", goal: "Research {topic}", backstory: B}},
                      tasks: [{description: "Write about {topic} from {sources}", expected_output: E, agent: researcher}]}`;

describe("G. crews inside flows", () => {
  describe("case 75: crew action inputs: defaults, overrides, rendering", () => {
    it("case 75a: inline crew, action inputs rendered (strings and lists)", async () => {
      const crews = recordingCrews();
      const flow = await create(
        `
schema: crewai.flow/v1
name: News
methods:
  research:
    start: true
    do:
      call: crew
      with: ${INLINE_CREW}
      inputs: {topic: "News about \${state.topic}", sources: ["\${state.primary_source}", "archive-\${state.topic}"]}
`,
        {},
        { crews },
      );
      await flow.kickoff({ inputs: { topic: "AI", primary_source: "crewai.com" } });
      expect(crews.received).toEqual([{ topic: "News about AI", sources: ["crewai.com", "archive-AI"] }]);
    });

    it("case 75b: from_declaration: file defaults kept unless overridden", async () => {
      const dir = await tempDir();
      await mkdir(join(dir, "crews", "research_crew"), { recursive: true });
      await writeFile(
        join(dir, "crews", "research_crew", "crew.jsonc"),
        `{
  // defaults for every run
  "agents": {"researcher": {"role": "R", "goal": "Research {topic}", "backstory": "B"}},
  "tasks": [{"description": "Research {topic} for {audience}", "expected_output": "E", "agent": "researcher"}],
  "inputs": {"topic": "Default topic", "audience": "developers"}
}
`,
      );
      const path = join(dir, "flow.yaml");
      const text = `
schema: crewai.flow/v1
name: Declared
methods:
  research: {start: true, do: {call: crew, from_declaration: crews/research_crew, inputs: {topic: "\${state.topic}"}}}
`;
      await writeFile(path, text);
      const crews = recordingCrews();
      const flow = await Flow.create(load(text, path), { sourcePath: path, crews });
      await flow.kickoff({ inputs: { topic: "AI" } });
      expect(crews.received).toEqual([{ topic: "AI", audience: "developers" }]);
    });

    it("case 75c: a declaration path outside the flow's directory", async () => {
      const dir = await tempDir();
      const path = join(dir, "flow.yaml");
      const text = `
schema: crewai.flow/v1
name: Escape
methods:
  research: {start: true, do: {call: crew, from_declaration: ../outside/crew.jsonc}}
`;
      // Crewflow already reports this when the file is validated (CrewAI: at kickoff) — docs/compat.md.
      expect(loadErrors(text, path).join("\n")).toContain("crew declaration path must be within the flow definition directory");
      // The runtime enforces it too, at kickoff, for a definition validated without its path.
      const flow = await Flow.create(load(text), { sourcePath: path, crews: recordingCrews() });
      await expect(flow.kickoff()).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: "crew declaration path must be within the flow definition directory" }),
      );
    });
  });

    it("a declaration reached through a symlink that leads out of the flow's directory is refused", async () => {
      const dir = await tempDir();
      const outside = await tempDir();
      await writeFile(join(outside, "crew.jsonc"), `{"agents": {}, "tasks": []}`);
      const { symlink } = await import("node:fs/promises");
      await symlink(outside, join(dir, "crews"));
      const path = join(dir, "flow.yaml");
      const text = `
schema: crewai.flow/v1
name: Linked
methods:
  research: {start: true, do: {call: crew, from_declaration: crews}}
`;
      const flow = await Flow.create(load(text), { sourcePath: path, crews: recordingCrews() });
      await expect(flow.kickoff()).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: "crew declaration path must be within the flow definition directory" }),
      );
    });

    it("a hostile crew declaration (recursive alias, collection key, alias bomb) is refused with where and why", async () => {
      const dir = await tempDir();
      const path = join(dir, "flow.yaml");
      const cases: [string, string][] = [
        ["a: &x [*x]\n", "contains itself"],
        ["? [a, b]\n: 1\n", "is a sequence; keys must be plain values"],
        [["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join("\n") + "\n", "alias"],
      ];
      for (const [declaration, why] of cases) {
        await writeFile(join(dir, "crew.yaml"), declaration);
        const text = `
schema: crewai.flow/v1
name: Hostile
methods:
  research: {start: true, do: {call: crew, from_declaration: crew.yaml}}
`;
        const flow = await Flow.create(load(text), { sourcePath: path, crews: recordingCrews() });
        const failure = await flow.kickoff().then(
          () => null,
          (err: unknown) => err as Error,
        );
        expect(failure?.name).toBe("ValueError");
        expect(failure?.message).toContain("cannot be read");
        expect(failure?.message).toContain(join(dir, "crew.yaml"));
        expect(failure?.message).toContain(why);
      }
    });

  // Placeholder interpolation (`{topic}` in task/agent text, Python `str()` rendering) happens inside a
  // crew run, which belongs to the crews package; the runtime only hands the rendered inputs over (75a).
  // case 76 (placeholder interpolation inside a crew) is tested where crews live: packages/crews/test.

  describe("case 78", () => {
    /** The shape of CrewAI's CrewOutput: JSON fields for CEL, Python `str()` for router labels. */
    class CrewOutput {
      constructor(
        readonly raw: string,
        readonly json_dict: Record<string, unknown> | null,
        readonly pydantic: Record<string, unknown> | null = null,
        readonly tasks_output: unknown[] = [],
        readonly token_usage: Record<string, number> = {},
      ) {}
      toString(): string {
        if (this.pydantic) return Object.entries(this.pydantic).map(([k, v]) => `${k}=${pyRepr(v)}`).join(" ");
        return this.json_dict ? pyRepr(this.json_dict) : this.raw;
      }
      toJSON() {
        return { raw: this.raw, json_dict: this.json_dict, pydantic: this.pydantic, tasks_output: this.tasks_output, token_usage: this.token_usage };
      }
    }
    const output = new CrewOutput("R", { score: 9 }, null, [{ raw: "R" }], { total_tokens: 10 });
    const crews: CrewRunner = {
      runCrew: async () => output,
      runAgent: async () => {
        throw new Error("no agents in this case");
      },
    };
    const crewDo = `{call: crew, with: ${INLINE_CREW}}`;

    it("case 78: structured crew output through `outputs`", async () => {
      const flow = await create(
        `
schema: crewai.flow/v1
name: Brief
methods:
  brief: {start: true, do: ${crewDo}}
  use: {listen: brief, do: {call: expression, expr: "outputs.brief.json_dict.score > 5 ? outputs.brief.raw : 'low'"}}
`,
        {},
        { crews },
      );
      expect(await flow.kickoff()).toBe("R");
    });

    it("case 78: structured crew output through `outputs` (a router emits the result's Python string form)", async () => {
      const flow = await create(
        `
schema: crewai.flow/v1
name: BriefRouter
methods:
  begin: {start: true, do: {call: expression, expr: "'go'"}}
  brief: {listen: begin, router: true, do: ${crewDo}}
  scored: {listen: "{'score': 9}", do: {call: expression, expr: "'routed'"}}
`,
        {},
        { crews },
      );
      expect(await flow.kickoff()).toBe("routed");
      expect(flow.outputsByMethod.brief).toBe(output);
    });
  });
});
