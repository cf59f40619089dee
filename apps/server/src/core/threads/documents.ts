// Reading a flow text (YAML parse, schema validation, graph checks) is linear in its size and takes
// about a second for 10,000 methods: texts above DOCUMENT_THREAD_BYTES are read on a thread of their
// own, so the API keeps answering meanwhile. Small texts (nearly all) are read here, with no hand-off.
// A text whose reading takes longer than `timeoutMs` is refused and the thread replaced.
import { Worker } from "node:worker_threads";
import { type Diagnostic, type FlowDefinition, loadDefinitionText } from "@crewflow/definition";

export const DOCUMENT_THREAD_BYTES = 64 * 1024;

export interface LoadedText {
  definition: FlowDefinition | null;
  data?: unknown;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface DocumentRequest {
  id: number;
  text: string;
  sourcePath: string;
}

export type DocumentReply = { id: number; loaded: LoadedText } | { id: number; failure: string };

export class DocumentTimeoutError extends Error {
  override name = "DocumentTimeoutError";
}

export class DocumentReader {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(loaded: LoadedText): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(private readonly timeoutMs = 60_000) {}

  async read(text: string, sourcePath: string): Promise<LoadedText> {
    if (text.length <= DOCUMENT_THREAD_BYTES || this.closed) return loadDefinitionText(text, { sourcePath });
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<LoadedText>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new DocumentTimeoutError(`reading the document took longer than ${this.timeoutMs / 1000} s; it was refused`));

        this.replace(worker);
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      worker.postMessage({ id, text, sourcePath } satisfies DocumentRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.worker) await this.worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./entry.mjs", import.meta.url), {
      workerData: { heartbeat: new SharedArrayBuffer(8), body: "documents" },
    });
    worker.unref();
    worker.on("message", (reply: DocumentReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      clearTimeout(waiter.timer);
      if ("loaded" in reply) waiter.resolve(reply.loaded);
      else waiter.reject(new Error(reply.failure));
    });
    worker.on("error", () => undefined); // reported through `exit`
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = null;
      for (const [id, waiter] of this.waiting) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error("the document thread stopped"));
        this.waiting.delete(id);
      }
    });
    this.worker = worker;
    return worker;
  }

  private replace(worker: Worker): void {
    if (this.worker === worker) this.worker = null;
    void worker.terminate();
  }
}
