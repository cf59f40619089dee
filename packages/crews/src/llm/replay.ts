// The replay model answers from a run's recorded calls: a request with the same hash gets the same
// response, without the network. Identical requests made several times are answered in recorded order
// (the last answer repeats when the recording runs out). A request that was never recorded is a miss,
// reported with the closest recording and the first places where the two requests differ.
import type { FlowEvent } from "@crewflow/runtime";
import diff from "microdiff";
import { type LlmCallRecord, llmCallsOf } from "../events";
import { canonicalJson, requestHash } from "./hash";
import type { ChatModel, CompleteOptions, CompleteResult, LlmRequest, LlmResponse } from "./types";

export class ReplayMissError extends Error {
  override name = "ReplayMissError";
  constructor(
    message: string,
    /** The request that had no recording. */
    readonly request: LlmRequest,
    /** The closest recorded request, if any. */
    readonly nearest: LlmRequest | null,
  ) {
    super(message);
  }
}

interface Entry {
  request: LlmRequest;
  responses: LlmResponse[];
  used: number;
}

export class ReplayChatModel implements ChatModel {
  readonly provider = "replay" as const;
  private readonly byHash = new Map<string, Entry>();
  /** Calls answered so far (a test can assert that a replay used every recording). */
  answered = 0;

  constructor(records: readonly LlmCallRecord[]) {
    for (const record of records) {
      if (!record.response || record.blocked) continue;
      const entry = this.byHash.get(record.hash) ?? { request: record.request, responses: [], used: 0 };
      entry.responses.push(record.response);
      this.byHash.set(record.hash, entry);
    }
  }

  /** A replay model over the recorded LLM calls of a run's event log. */
  static fromEvents(events: readonly FlowEvent[]): ReplayChatModel {
    return new ReplayChatModel(llmCallsOf(events));
  }

  get size(): number {
    return [...this.byHash.values()].reduce((n, entry) => n + entry.responses.length, 0);
  }

  async complete(request: LlmRequest, options: CompleteOptions): Promise<CompleteResult> {
    const hash = requestHash(request);
    const entry = this.byHash.get(hash);
    if (!entry) throw this.miss(hash, request);
    const response = entry.responses[Math.min(entry.used, entry.responses.length - 1)]!;
    entry.used += 1;
    this.answered += 1;
    if (options.stream && response.content) options.onDelta?.(response.content);
    return { response: structuredClone(response), attempts: 0, source: `replay:${hash}` };
  }

  private miss(hash: string, request: LlmRequest): ReplayMissError {
    let nearest: { entry: Entry; changes: ReturnType<typeof diff> } | null = null;
    for (const entry of this.byHash.values()) {
      const changes = diff(plain(entry.request), plain(request));
      if (!nearest || changes.length < nearest.changes.length) nearest = { entry, changes };
    }
    const head = `replay miss: no recorded LLM call has request hash ${hash.slice(0, 12)} (model ${request.model}, ${request.messages.length} messages)`;
    if (!nearest) return new ReplayMissError(`${head}; the recording has no LLM calls`, request, null);
    const shown = nearest.changes.slice(0, 3).map((change) => {
      const path = change.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "");
      const was = "oldValue" in change ? clip(change.oldValue) : "(absent)";
      const now = "value" in change ? clip(change.value) : "(absent)";
      return `${path}: recorded ${was}, requested ${now}`;
    });
    const more = nearest.changes.length > 3 ? `; and ${nearest.changes.length - 3} more` : "";
    return new ReplayMissError(`${head}; nearest recording differs at ${shown.join("; ")}${more}`, request, nearest.entry.request);
  }
}

// microdiff walks plain objects; a JSON round trip drops undefined fields that hashing ignores too.
const plain = (request: LlmRequest): Record<string, unknown> => JSON.parse(canonicalJson(request)) as Record<string, unknown>;

function clip(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export const isReplayMiss = (err: unknown): err is ReplayMissError => err instanceof ReplayMissError;
