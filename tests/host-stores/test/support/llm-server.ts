// A local OpenAI-compatible test server (POST /v1/chat/completions) that counts the requests it gets,
// so a test can assert that a replay made none.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TestLlmServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export async function startLlmServer(answer: (prompt: string) => string = (p) => `answer to: ${p}`): Promise<TestLlmServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      state.requests++;
      const request = JSON.parse(body || "{}") as { model?: string; messages?: { content: string }[] };
      const prompt = request.messages?.at(-1)?.content ?? "";
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          id: `cmpl-${state.requests}`,
          object: "chat.completion",
          model: request.model,
          choices: [{ index: 0, message: { role: "assistant", content: answer(prompt) }, finish_reason: "stop" }],
          usage: { prompt_tokens: prompt.length, completion_tokens: 7, total_tokens: prompt.length + 7 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
