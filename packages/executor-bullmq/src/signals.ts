// Cross-process signals between workers and API servers: "run R committed events up to seq N" (and
// whether its segment is over), and "cancel run R". Redis pub/sub on the redis backend, PostgreSQL
// LISTEN/NOTIFY on the postgres one. The events themselves are not sent: the database has them, so an
// API server reads what it has not yet seen (no payload limit, no gap when a message is lost or late).
// A worker batches its signals: everything committed in one event-loop turn goes out as one message.
import { Redis } from "ioredis";
import pg from "pg";
import type { QueueSettings } from "./settings";

export interface RunSignal {
  runId: string;
  /** Seq of the last committed event. */
  seq: number;
  /** The segment is over (finished, paused, failed, cancelled): no more events until a new one starts. */
  ended: boolean;
}

type Channel = "runs" | "cancel";

/** PostgreSQL NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7000;

export abstract class Signals {
  private pending = new Map<string, RunSignal>();
  private scheduled = false;
  private readonly runListeners = new Set<(signals: RunSignal[]) => void>();
  private readonly cancelListeners = new Set<(runId: string) => void>();
  protected closed = false;

  protected constructor(protected readonly prefix: string) {}

  /** Queues a run signal; it is sent with the others of this event-loop turn. */
  notify(signal: RunSignal): void {
    const previous = this.pending.get(signal.runId);
    this.pending.set(signal.runId, { runId: signal.runId, seq: Math.max(signal.seq, previous?.seq ?? 0), ended: signal.ended || (previous?.ended ?? false) });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  async cancel(runId: string): Promise<void> {
    await this.send("cancel", runId);
  }

  onRuns(listener: (signals: RunSignal[]) => void): () => void {
    this.runListeners.add(listener);
    return () => this.runListeners.delete(listener);
  }

  onCancel(listener: (runId: string) => void): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  /** Sends what is queued now (also called by close). */
  async flush(): Promise<void> {
    this.scheduled = false;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    let chunk: string[] = [];
    let size = 2;
    const sendChunk = async () => {
      if (chunk.length > 0) await this.send("runs", `[${chunk.join(",")}]`).catch(() => undefined); // a lost signal only delays readers: they also poll
      chunk = [];
      size = 2;
    };
    for (const s of batch) {
      const item = JSON.stringify([s.runId, s.seq, s.ended ? 1 : 0]);
      if (size + item.length + 1 > MAX_PAYLOAD) await sendChunk();
      chunk.push(item);
      size += item.length + 1;
    }
    await sendChunk();
  }

  protected received(channel: Channel, payload: string): void {
    if (channel === "cancel") {
      for (const listener of this.cancelListeners) listener(payload);
      return;
    }
    let items: unknown;
    try {
      items = JSON.parse(payload);
    } catch {
      return;
    }
    if (!Array.isArray(items)) return;
    const signals = items.flatMap((item): RunSignal[] =>
      Array.isArray(item) && typeof item[0] === "string" && typeof item[1] === "number" ? [{ runId: item[0], seq: item[1], ended: item[2] === 1 }] : [],
    );
    for (const listener of this.runListeners) listener(signals);
  }

  protected abstract send(channel: Channel, payload: string): Promise<void>;
  abstract ready(): Promise<void>;
  protected abstract shutdown(): Promise<void>;

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.shutdown();
  }
}

class RedisSignals extends Signals {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly subscribed: Promise<unknown>;

  constructor(url: string, prefix: string) {
    super(prefix);
    this.publisher = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.publisher.on("error", () => undefined); // ioredis reconnects by itself; a send reports its own failure
    this.subscriber.on("error", () => undefined);
    this.subscriber.on("message", (channel: string, payload: string) => {
      if (channel === `${prefix}:runs`) this.received("runs", payload);
      else if (channel === `${prefix}:cancel`) this.received("cancel", payload);
    });
    this.subscribed = this.subscriber.subscribe(`${prefix}:runs`, `${prefix}:cancel`);
    this.subscribed.catch(() => undefined);
  }

  async ready(): Promise<void> {
    await this.subscribed;
  }

  protected async send(channel: Channel, payload: string): Promise<void> {
    await this.publisher.publish(`${this.prefix}:${channel}`, payload);
  }

  protected async shutdown(): Promise<void> {
    this.subscriber.disconnect();
    await this.publisher.quit().catch(() => undefined);
  }
}

class PostgresSignals extends Signals {
  private readonly listener: pg.Client;
  private readonly pool: pg.Pool;
  private readonly listening: Promise<void>;
  private readonly channels: Record<Channel, string>;

  constructor(url: string, prefix: string) {
    super(prefix);
    const ident = prefix.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase();
    this.channels = { runs: `${ident}_runs`, cancel: `${ident}_cancel` };
    this.pool = new pg.Pool({ connectionString: url, max: 2, allowExitOnIdle: true });
    this.pool.on("error", () => undefined);
    this.listener = new pg.Client({ connectionString: url });
    this.listener.on("error", () => undefined);
    this.listener.on("notification", (message) => {
      if (message.channel === this.channels.runs) this.received("runs", message.payload ?? "");
      else if (message.channel === this.channels.cancel) this.received("cancel", message.payload ?? "");
    });
    const client = this.listener;
    const channels = this.channels;
    this.listening = (async () => {
      await client.connect();
      await client.query(`LISTEN "${channels.runs}"`);
      await client.query(`LISTEN "${channels.cancel}"`);
    })();
    this.listening.catch(() => undefined);
  }

  ready(): Promise<void> {
    return this.listening;
  }

  protected async send(channel: Channel, payload: string): Promise<void> {
    await this.pool.query("SELECT pg_notify($1, $2)", [this.channels[channel], payload]);
  }

  protected async shutdown(): Promise<void> {
    await this.listener.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/** The signal transport of the configured backend. */
export function openSignals(settings: QueueSettings): Signals {
  return settings.backend === "redis" ? new RedisSignals(settings.redisUrl, settings.queue) : new PostgresSignals(settings.databaseUrl, settings.queue);
}
