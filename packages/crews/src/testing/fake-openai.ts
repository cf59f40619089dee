// A local OpenAI-compatible server for tests (node:http): `POST /v1/chat/completions` (JSON, or SSE chunks
// ending in `data: [DONE]` when `stream: true`) and `GET /v1/models`. Replies are scripted per test
// (a queue, then a responder function); every HTTP request is counted and kept.
import { type IncomingHttpHeaders, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeToolCall {
  id?: string;
  name: string;
  /** An object (sent as its JSON) or the raw argument text. */
  arguments: unknown;
}

export interface FakeCompletion {
  content?: string | null;
  tool_calls?: FakeToolCall[];
  finish_reason?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number; reasoning_tokens?: number };
  /** Wait before answering. */
  delayMs?: number;
  /** Streaming only: send the first chunk, then nothing more (a stalled stream). */
  stall?: boolean;
}

export interface FakeError {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Never answers (the client's timeout must fire). */
export interface FakeHang {
  hang: true;
}

export type FakeReply = FakeCompletion | FakeError | FakeHang;

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (chat completions). */
  body: FakeChatBody | null;
}

export interface FakeChatBody {
  model: string;
  messages: { role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

/** Decides the reply to a chat request when the queue is empty; `index` counts chat requests from 0. */
export type FakeResponder = (request: FakeChatBody, index: number) => FakeReply;

export class FakeOpenAI {
  /** Every HTTP request received, in order. */
  readonly requests: FakeRequest[] = [];
  private queue: FakeReply[] = [];
  private responder: FakeResponder = () => ({ content: "ok" });
  private chatIndex = 0;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    /** Base URL for OPENAI_BASE_URL, ending in `/v1`. */
    readonly url: string,
  ) {}

  static async start(responder?: FakeResponder): Promise<FakeOpenAI> {
    let fake: FakeOpenAI | null = null;
    const server = createServer((req, res) => void fake!.handle(req.method ?? "GET", req.url ?? "/", req.headers, req, res));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    fake = new FakeOpenAI(server, `http://127.0.0.1:${port}/v1`);
    if (responder) fake.responder = responder;
    return fake;
  }

  /** All HTTP requests so far (models listing included). */
  get count(): number {
    return this.requests.length;
  }

  /** The chat-completion bodies received, in order. */
  get chats(): FakeChatBody[] {
    return this.requests.flatMap((r) => (r.body ? [r.body] : []));
  }

  /** Queues replies, used one per chat request before the responder. */
  reply(...replies: FakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  respond(responder: FakeResponder): this {
    this.responder = responder;
    return this;
  }

  /** Forgets the queue, the requests and the responder (back to answering "ok"). */
  reset(): void {
    this.queue = [];
    this.requests.length = 0;
    this.chatIndex = 0;
    this.responder = () => ({ content: "ok" });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async handle(method: string, path: string, headers: IncomingHttpHeaders, req: AsyncIterable<Buffer>, res: ServerResponse): Promise<void> {
    let text = "";
    for await (const chunk of req) text += chunk.toString("utf8");
    const route = path.split("?")[0];
    if (method === "GET" && route === "/v1/models") {
      this.requests.push({ method, path, headers, body: null });
      return json(res, 200, { object: "list", data: [{ id: "fake-model", object: "model", created: 0, owned_by: "crewflow-tests" }] });
    }
    if (method !== "POST" || route !== "/v1/chat/completions") {
      this.requests.push({ method, path, headers, body: null });
      return json(res, 404, { error: { message: `no route ${method} ${path}`, type: "invalid_request_error" } });
    }
    let body: FakeChatBody;
    try {
      body = JSON.parse(text) as FakeChatBody;
    } catch {
      this.requests.push({ method, path, headers, body: null });
      return json(res, 400, { error: { message: "invalid JSON body", type: "invalid_request_error" } });
    }
    this.requests.push({ method, path, headers, body });
    const index = this.chatIndex++;
    const reply = this.queue.shift() ?? this.responder(body, index);
    if ("hang" in reply) {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return;
    }
    if ("status" in reply) {
      const payload = reply.body ?? { error: { message: `fake error ${reply.status}`, type: "server_error" } };
      return json(res, reply.status, payload, reply.headers);
    }
    if (reply.delayMs) await new Promise((done) => setTimeout(done, reply.delayMs));
    if (res.destroyed) return;
    const completion = completionOf(body, reply, index);
    if (body.stream && reply.stall) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ id: completion.id, object: "chat.completion.chunk", created: 0, model: completion.model, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] })}\n\n`);
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return;
    }
    if (body.stream) return stream(res, completion, body.stream_options?.include_usage === true);
    return json(res, 200, completion);
  }
}

function json(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(payload));
}

interface Completion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: { index: 0; message: { role: "assistant"; content: string | null; tool_calls?: WireToolCall[]; refusal: null }; finish_reason: string; logprobs: null }[];
  usage: Record<string, unknown>;
}

interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

function completionOf(body: FakeChatBody, reply: FakeCompletion, index: number): Completion {
  const calls: WireToolCall[] = (reply.tool_calls ?? []).map((call, i) => ({
    id: call.id ?? `call_${index}_${i}`,
    type: "function",
    function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
  }));
  const content = reply.content === undefined ? (calls.length > 0 ? null : "ok") : reply.content;
  const promptText = body.messages.map((m) => m.content ?? "").join("\n");
  const prompt = reply.usage?.prompt_tokens ?? Math.ceil(promptText.length / 4);
  const completion = reply.usage?.completion_tokens ?? Math.ceil((content ?? JSON.stringify(calls)).length / 4);
  return {
    id: `chatcmpl-fake-${index}`,
    object: "chat.completion",
    created: 0,
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, ...(calls.length > 0 ? { tool_calls: calls } : {}), refusal: null },
        finish_reason: reply.finish_reason ?? (calls.length > 0 ? "tool_calls" : "stop"),
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: reply.usage?.cached_tokens ?? 0 },
      completion_tokens_details: { reasoning_tokens: reply.usage?.reasoning_tokens ?? 0 },
    },
  };
}

/** The same completion as `chat.completion.chunk` events: text in small pieces, tool calls in two parts. */
function stream(res: ServerResponse, completion: Completion, includeUsage: boolean): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const choice = completion.choices[0]!;
  const base = { id: completion.id, object: "chat.completion.chunk", created: 0, model: completion.model };
  const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
  const delta = (d: Record<string, unknown>, finish: string | null = null) => send({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish, logprobs: null }] });
  delta({ role: "assistant", content: choice.message.content === null ? null : "" });
  const text = choice.message.content ?? "";
  for (let i = 0; i < text.length; i += 5) delta({ content: text.slice(i, i + 5) });
  (choice.message.tool_calls ?? []).forEach((call, i) => {
    const half = Math.ceil(call.function.arguments.length / 2);
    delta({ tool_calls: [{ index: i, id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments.slice(0, half) } }] });
    delta({ tool_calls: [{ index: i, function: { arguments: call.function.arguments.slice(half) } }] });
  });
  delta({}, choice.finish_reason);
  if (includeUsage) send({ ...base, choices: [], usage: completion.usage });
  res.write("data: [DONE]\n\n");
  res.end();
}
