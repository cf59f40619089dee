// Token usage and cost. A call's usage comes from the model; a task's, a crew's and a run's are sums
// of their calls. Prices come from `prices.json` (editable), per 1M tokens.
import { readFileSync } from "node:fs";
import type { Usage } from "./llm/types";

export interface Price {
  input: number;
  cached_input?: number;
  output: number;
}
export type PriceTable = Readonly<Record<string, Price>>;

/** CrewAI's `token_usage` (UsageMetrics), plus Crewflow's `cost_usd` (null when a model has no price). */
export type UsageMetrics = {
  total_tokens: number;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cache_creation_tokens: number;
  successful_requests: number;
  cost_usd: number | null;
};

export function emptyMetrics(): UsageMetrics {
  return {
    total_tokens: 0,
    prompt_tokens: 0,
    cached_prompt_tokens: 0,
    completion_tokens: 0,
    reasoning_tokens: 0,
    cache_creation_tokens: 0,
    successful_requests: 0,
    cost_usd: 0,
  };
}

/** Adds one call (or another sum) into `into`; an unpriced part makes the cost unknown (null). */
export function addUsage(into: UsageMetrics, usage: Usage, cost: number | null, requests = 1): void {
  into.total_tokens += usage.total_tokens;
  into.prompt_tokens += usage.prompt_tokens;
  into.cached_prompt_tokens += usage.cached_prompt_tokens;
  into.completion_tokens += usage.completion_tokens;
  into.reasoning_tokens += usage.reasoning_tokens;
  into.successful_requests += requests;
  into.cost_usd = into.cost_usd === null || cost === null ? null : roundCost(into.cost_usd + cost);
}

export function mergeMetrics(into: UsageMetrics, other: UsageMetrics): void {
  addUsage(into, other, other.cost_usd, other.successful_requests);
  into.cache_creation_tokens += other.cache_creation_tokens;
}

// Float sums drift (0.1 + 0.2); twelve decimals is far below a token's price.
const roundCost = (value: number): number => Math.round(value * 1e12) / 1e12;

let packageTable: PriceTable | null = null;

/** The package's table, with `CREWFLOW_PRICES` (a JSON file of the same shape) merged over it. */
export function defaultPrices(env: NodeJS.ProcessEnv = process.env): PriceTable {
  packageTable ??= readTable(new URL("../prices.json", import.meta.url));
  const extra = env.CREWFLOW_PRICES;
  return extra ? { ...packageTable, ...readTable(extra) } : packageTable;
}

function readTable(source: URL | string): PriceTable {
  const parsed = JSON.parse(readFileSync(source, "utf8")) as { models?: Record<string, Price> };
  return parsed.models ?? {};
}

/** The price of `model`: exact entry, else the longest entry it starts with (dated snapshots). */
export function priceOf(model: string, table: PriceTable): Price | null {
  const name = model.startsWith("openai/") ? model.slice("openai/".length) : model;
  if (table[name]) return table[name];
  let best: string | null = null;
  for (const key of Object.keys(table)) if (name.startsWith(key) && (best === null || key.length > best.length)) best = key;
  return best === null ? null : table[best]!;
}

export function costOf(model: string, usage: Usage, table: PriceTable): number | null {
  const price = priceOf(model, table);
  if (!price) return null;
  const cached = Math.min(usage.cached_prompt_tokens, usage.prompt_tokens);
  const fresh = usage.prompt_tokens - cached;
  return roundCost((fresh * price.input + cached * (price.cached_input ?? price.input) + usage.completion_tokens * price.output) / 1e6);
}
