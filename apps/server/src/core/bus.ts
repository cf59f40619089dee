// The in-process bus of live run events. The executor publishes each batch once the store has
// committed it (so a subscriber never sees an event the database does not have) and ends the run's
// channel when its job is over. While a job runs the bus also keeps the events it committed, so a
// subscriber that arrives during the run reads them from memory instead of the database.
import type { FlowEvent } from "@crewflow/runtime";

export type BusMessage = { kind: "events"; events: readonly FlowEvent[] } | { kind: "end" };
export type BusListener = (message: BusMessage) => void;

/**
 * What a running method does before its events are committed (the store commits a method's events
 * when it ends): that it started, and the LLM tokens it streams. Ephemeral: never stored, no resume.
 */
export type LiveEvent =
  | { type: "started"; seq: number; method: string; execution: number }
  | { type: "token"; seq: number; method: string; execution: number; delta: string }
  /** A model call of the method still waiting for its answer, `seconds` in. */
  | { type: "waiting"; seq: number; method: string; execution: number; seconds: number };
export type LiveListener = (event: LiveEvent | null) => void;

interface Channel {
  /** Seq of the first event this job will commit, when known (1 for a new run); null for a resume. */
  expectFrom: number | null;
  /** Events committed by the current job, in seq order. */
  tail: FlowEvent[];
  /** Live events of the current job not committed yet (what a late live subscriber starts from). */
  uncommitted: LiveEvent[];
}

export interface LiveSnapshot {
  expectFrom: number | null;
  tail: readonly FlowEvent[];
}

/** How much of the recently ended runs' logs the bus keeps for late subscribers (oldest dropped first). */
const RECENT_RUNS = 2000;
const RECENT_EVENTS = 50_000;
/** Live events kept per running job until committed (a long streamed answer beyond this is only sent, not kept). */
const MAX_UNCOMMITTED = 20_000;

export class RunEventBus {
  private readonly channels = new Map<string, Channel>();
  private readonly listeners = new Map<string, Set<BusListener>>();
  private readonly liveListeners = new Map<string, Set<LiveListener>>();
  /** Complete logs (from seq 1) of recently ended jobs: a subscriber that comes just after a short run ends reads memory, not the database. */
  private readonly recent = new Map<string, readonly FlowEvent[]>();
  private recentEvents = 0;

  /** A job for `runId` was submitted: its events will come through here. */
  open(runId: string, expectFrom: number | null): void {
    this.forget(runId);
    this.channels.set(runId, { expectFrom, tail: [], uncommitted: [] });
  }

  publish(runId: string, events: readonly FlowEvent[]): void {
    const channel = this.channels.get(runId);
    if (channel) {
      if (channel.expectFrom === null && channel.tail.length === 0 && events.length > 0) channel.expectFrom = events[0]!.seq;
      for (const event of events) channel.tail.push(event);
      const last = events.at(-1)?.seq ?? 0;
      if (channel.uncommitted.length > 0) channel.uncommitted = channel.uncommitted.filter((e) => e.seq > last);
    }
    const set = this.listeners.get(runId);
    if (set) for (const listener of set) listener({ kind: "events", events });
  }

  /** The job is over (finished, paused, failed, cancelled): subscribers complete. */
  end(runId: string): void {
    const channel = this.channels.get(runId);
    this.channels.delete(runId);
    if (channel && channel.tail[0]?.seq === 1 && channel.tail.length <= RECENT_EVENTS) {
      while (this.recent.size >= RECENT_RUNS || this.recentEvents + channel.tail.length > RECENT_EVENTS) this.forget(this.recent.keys().next().value!);
      this.recent.set(runId, channel.tail);
      this.recentEvents += channel.tail.length;
    }
    const set = this.listeners.get(runId);
    if (set) for (const listener of set) listener({ kind: "end" });
    const live = this.liveListeners.get(runId);
    if (live) for (const listener of live) listener(null);
  }

  /** A live event of a running job; kept only until the store commits it. */
  publishLive(runId: string, event: LiveEvent): void {
    const channel = this.channels.get(runId);
    if (channel && channel.uncommitted.length < MAX_UNCOMMITTED) channel.uncommitted.push(event);
    const set = this.liveListeners.get(runId);
    if (set) for (const listener of set) listener(event);
  }

  /** Live events of the run's current job; the listener gets null when the job ends. */
  subscribeLive(runId: string, listener: LiveListener): () => void {
    let set = this.liveListeners.get(runId);
    if (!set) this.liveListeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.liveListeners.get(runId) === set) this.liveListeners.delete(runId);
    };
  }

  /** The current job's live events not committed yet (empty when no job runs). */
  uncommitted(runId: string): readonly LiveEvent[] {
    return this.channels.get(runId)?.uncommitted.slice() ?? [];
  }

  /** What the current job has committed so far; null when no job of this run is queued or running. */
  snapshot(runId: string): LiveSnapshot | null {
    const channel = this.channels.get(runId);
    return channel ? { expectFrom: channel.expectFrom, tail: channel.tail.slice() } : null;
  }

  /** The whole log of a run whose job ended recently in this process (null when not kept). */
  ended(runId: string): readonly FlowEvent[] | null {
    return this.recent.get(runId) ?? null;
  }

  /** Forget a kept log (the run changed without events: a status update, a new job elsewhere). */
  forget(runId: string): void {
    const log = this.recent.get(runId);
    if (!log) return;
    this.recent.delete(runId);
    this.recentEvents -= log.length;
  }

  isOpen(runId: string): boolean {
    return this.channels.has(runId);
  }

  subscribe(runId: string, listener: BusListener): () => void {
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }
}

/** A queue an async generator can wait on; `close` (or an aborted signal) ends the wait. */
export class AsyncQueue<T> {
  private items: T[] = [];
  private waiter: ((value: T | null) => void) | null = null;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = null;
      wake(item);
    } else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = null;
      wake(null);
    }
  }

  /** Items queued so far, without waiting. */
  drain(): T[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  /** The next item, or null once closed. */
  next(): Promise<T | null> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
