// LLM hooks (spec §9.7). `before_llm_call` hooks see the messages about to be sent (edit them in place)
// and block the call by returning `false` or throwing HookAborted; `after_llm_call` hooks see the text
// answer and replace it by returning a string (chained). Any other error in a hook is recorded and
// ignored (fail-open), and later hooks still run.
//
// A flow declares them as code refs, flow-wide under `x-crewflow.hooks` or per agent under the agent's
// own `x-crewflow.hooks`:
//   x-crewflow:
//     hooks:
//       before_llm_call: ["./hooks.ts:redactEmails", {ref: "./hooks.ts:audit", agents: ["Research analyst"]}]
//       after_llm_call: ["./hooks.ts:trim"]
// Flow hooks run first, then the agent's, each list in order.
import { type RefContext, resolveRef } from "@crewflow/runtime";
import { HookAborted, valueError } from "./errors";
import type { ChatMessage, ModelProvider } from "./llm/types";

export interface HookAgentInfo {
  role: string;
  goal: string;
  backstory: string;
}

export interface HookTaskInfo {
  name: string | null;
  description: string;
  expected_output: string;
}

export interface LlmHookContext {
  /** The live message list: edit it in place (push, splice, change `content`). */
  messages: ChatMessage[];
  readonly agent: HookAgentInfo | null;
  readonly task: HookTaskInfo | null;
  readonly crew: { name: string | null } | null;
  readonly llm: { model: string; provider: ModelProvider };
  /** Turns of the agent loop so far (0 on the first call). */
  readonly iterations: number;
  /** The flow method and its execution. */
  readonly method: string;
  readonly execution: number;
  /** The answer text (after hooks only; earlier after-hooks' rewrites included). */
  response: string | null;
}

export type BeforeLlmCallHook = (context: LlmHookContext) => boolean | void | Promise<boolean | void>;
export type AfterLlmCallHook = (context: LlmHookContext) => string | null | void | Promise<string | null | void>;

export interface HookEntry<F> {
  fn: F;
  /** Only for agents with these roles (CrewAI's `agents=[…]` filter); null for all. */
  agents: readonly string[] | null;
  /** The ref or function name, for the run log. */
  name: string;
}

export interface LlmHooks {
  before: HookEntry<BeforeLlmCallHook>[];
  after: HookEntry<AfterLlmCallHook>[];
}

export const noHooks = (): LlmHooks => ({ before: [], after: [] });

export const concatHooks = (...sets: LlmHooks[]): LlmHooks => ({
  before: sets.flatMap((set) => set.before),
  after: sets.flatMap((set) => set.after),
});

/** Hooks given as functions (the TypeScript API). */
export function hooksFromFunctions(before: readonly BeforeLlmCallHook[] = [], after: readonly AfterLlmCallHook[] = []): LlmHooks {
  return {
    before: before.map((fn) => ({ fn, agents: null, name: fn.name || "before_llm_call" })),
    after: after.map((fn) => ({ fn, agents: null, name: fn.name || "after_llm_call" })),
  };
}

/** Resolves a `hooks` declaration (`{before_llm_call: [...], after_llm_call: [...]}`) to functions. */
export async function resolveHooks(declaration: unknown, refs: RefContext, where: string): Promise<LlmHooks> {
  const hooks = noHooks();
  if (declaration === undefined || declaration === null) return hooks;
  if (typeof declaration !== "object" || Array.isArray(declaration)) throw valueError(`${where}.hooks must be a mapping`);
  const record = declaration as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (key !== "before_llm_call" && key !== "after_llm_call")
      throw valueError(`${where}.hooks.${key}: unknown hook point (use before_llm_call or after_llm_call)`);
  hooks.before = (await resolveList(record.before_llm_call, refs, `${where}.hooks.before_llm_call`)) as HookEntry<BeforeLlmCallHook>[];
  hooks.after = (await resolveList(record.after_llm_call, refs, `${where}.hooks.after_llm_call`)) as HookEntry<AfterLlmCallHook>[];
  return hooks;
}

type AnyHook = (context: LlmHookContext) => unknown;

async function resolveList(value: unknown, refs: RefContext, where: string): Promise<HookEntry<AnyHook>[]> {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const out: HookEntry<AnyHook>[] = [];
  for (const [index, item] of items.entries()) {
    const ref = typeof item === "string" ? item : item && typeof item === "object" ? (item as { ref?: unknown }).ref : undefined;
    if (typeof ref !== "string") throw valueError(`${where}[${index}] must be a 'MODULE:EXPORT' ref or {ref, agents}`);
    const agents = typeof item === "object" && item !== null ? (item as { agents?: unknown }).agents : undefined;
    if (agents !== undefined && !(Array.isArray(agents) && agents.every((a) => typeof a === "string")))
      throw valueError(`${where}[${index}].agents must be a list of agent roles`);
    const fn = await resolveRef(ref, "hook", refs);
    if (typeof fn !== "function") throw valueError(`invalid hook ref '${ref}'; object is not callable`);
    out.push({ fn: fn as AnyHook, agents: (agents as string[] | undefined) ?? null, name: ref });
  }
  return out;
}

const applies = (entry: HookEntry<unknown>, context: LlmHookContext): boolean =>
  entry.agents === null || (context.agent !== null && entry.agents.includes(context.agent.role));

export type HookErrorHandler = (hook: string, error: unknown) => void;

/** Runs before-hooks in order; false when one blocked the call (later hooks are skipped). */
export async function runBeforeHooks(hooks: readonly HookEntry<BeforeLlmCallHook>[], context: LlmHookContext, onError: HookErrorHandler): Promise<boolean> {
  const original = context.messages;
  for (const entry of hooks) {
    if (!applies(entry, context)) continue;
    try {
      if ((await entry.fn(context)) === false) return false;
    } catch (err) {
      if (err instanceof HookAborted || (err as Error)?.name === "HookAborted") return false;
      onError(entry.name, err);
    }
    // Hooks must edit the list in place; a replaced non-list is undone (CrewAI restores it too).
    if (!Array.isArray(context.messages)) context.messages = original;
  }
  return true;
}

/** Runs after-hooks in order; each may replace the answer, the next one sees the replacement. */
export async function runAfterHooks(hooks: readonly HookEntry<AfterLlmCallHook>[], context: LlmHookContext, onError: HookErrorHandler): Promise<string | null> {
  for (const entry of hooks) {
    if (!applies(entry, context)) continue;
    try {
      const result = await entry.fn(context);
      if (typeof result === "string") context.response = result;
    } catch (err) {
      onError(entry.name, err);
    }
  }
  return context.response;
}
