// A minimal stand-in for @crewflow/crews (being written in parallel): `agent` actions over HTTP to an
// OpenAI-compatible endpoint, each call recorded as an `llm_call` event (request, hash, response, usage,
// latency), and a replay model answering from recorded calls by request hash with no network. When the
// crews package lands, the tests swap these for its runner and its replay model.
import { createHash } from "node:crypto";
import type { ActionContext, CrewRunner, JsonValue } from "@crewflow/runtime";

type Request = { model: string; messages: { role: string; content: string }[] };

function requestFor(agent: Record<string, unknown>, input: string): Request {
  const system = [agent.role, agent.goal, agent.backstory].filter(Boolean).join("\n");
  return { model: typeof agent.llm === "string" ? agent.llm : "gpt-4o-mini", messages: [{ role: "system", content: system }, { role: "user", content: input }] };
}

const hashOf = (request: Request): string => createHash("sha256").update(JSON.stringify(request)).digest("hex");

export class ReplayMiss extends Error {
  override name = "ReplayMiss";
  constructor(readonly request: JsonValue) {
    super("no recorded LLM call matches this request");
  }
}

function unsupported(): never {
  throw new Error("crew actions are not part of this stand-in");
}

export function httpCrews(baseUrl: string): CrewRunner {
  return {
    runCrew: async () => unsupported(),
    async runAgent({ agent, input }, ctx: ActionContext) {
      const request = requestFor(agent, input);
      const started = performance.now();
      const res = await fetch(`${baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
      const body = (await res.json()) as { choices: { message: { content: string } }[]; usage: JsonValue };
      const content = body.choices[0]!.message.content;
      ctx.record({
        type: "llm_call",
        method: ctx.method,
        execution: ctx.execution,
        call: { request, hash: hashOf(request), response: { content }, usage: body.usage, latencyMs: performance.now() - started },
      });
      return content;
    },
  };
}

export function replayCrews(recorded: readonly JsonValue[]): CrewRunner {
  const unused = recorded.map((c) => c as { request: JsonValue; hash: string; response: { content: string }; usage: JsonValue });
  return {
    runCrew: async () => unsupported(),
    async runAgent({ agent, input }, ctx: ActionContext) {
      const request = requestFor(agent, input);
      const hash = hashOf(request);
      const index = unused.findIndex((c) => c.hash === hash);
      if (index < 0) throw new ReplayMiss(request as unknown as JsonValue);
      const [call] = unused.splice(index, 1);
      ctx.record({ type: "llm_call", method: ctx.method, execution: ctx.execution, call: { ...call!, replayed: true } });
      return call!.response.content;
    },
  };
}
