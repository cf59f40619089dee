// API keys must never reach an event, a log line or an error message. Every secret the runner is
// given (the env key, keys from `llm` blocks) is registered here and replaced wherever text leaves.
import type { JsonValue } from "@crewflow/definition";

const MASK = "[redacted]";

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | null | undefined): void {
    // Very short values would mask ordinary words; real keys are long.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  json(value: JsonValue): JsonValue {
    if (this.secrets.size === 0) return value;
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (value !== null && typeof value === "object") {
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.json(item);
      return out;
    }
    return value;
  }

  /** The same error with secrets removed from its message (and its stack, which repeats it). */
  error(err: unknown): unknown {
    if (!(err instanceof Error) || this.secrets.size === 0) return err;
    err.message = this.text(err.message);
    if (err.stack) err.stack = this.text(err.stack);
    return err;
  }
}
