import type { JsonValue } from "@crewflow/definition";
import type { NewFlowEvent } from "../events";
import type { State } from "../state/model";

export interface HumanFeedbackResult {
  output: unknown;
  feedback: string;
  outcome: string | null;
  timestamp: string;
  method_name: string;
  metadata: Record<string, JsonValue>;
}

/** What a `code` action receives as `flow` (crewflow-decisions): the live state and the latest outputs. */
export interface FlowHandle {
  readonly name: string;
  /** The live state; mutations persist. */
  state: State;
  /** Latest output per method name. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Every recorded output in completion order. */
  readonly methodOutputs: readonly unknown[];
  readonly lastHumanFeedback: HumanFeedbackResult | null;
  readonly humanFeedbackHistory: readonly HumanFeedbackResult[];
}

export interface ActionContext {
  flow: FlowHandle;
  /** The trigger payload (undefined for starts). */
  input: unknown;
  method: string;
  execution: number;
  /** `{state, outputs}` as JSON for CEL, with `each` locals layered on top. */
  celContext(local?: EachLocals): Record<string, unknown>;
  /** Records an event in the run log (LLM calls, streamed tokens). */
  record(event: NewFlowEvent): void;
  /** Aborted when the run fails, is cancelled, or a racing sibling won. */
  signal: AbortSignal;
  /**
   * `each`: makes item `index` durable (its result and the state after it) before the next item
   * starts, so a resumed run does not run it again. Absent inside a nested `each`.
   */
  itemDone?(index: number, result: unknown): Promise<void>;
  /** `each` on resume: the results of the items the interrupted execution had made durable. */
  doneItems?: ReadonlyMap<number, unknown>;
}

export type ActionBody = (ctx: ActionContext, local?: EachLocals) => Promise<unknown>;

export interface EachLocals {
  item: unknown;
  outputs: Record<string, unknown>;
}

export interface CompiledAction {
  body: ActionBody;
  /** Whether the method receives its trigger payload (CrewAI passes it iff the callable declares a parameter). */
  takesInput: boolean;
}

/** Runs `call: crew` / `call: agent` actions; implemented by the crews package (LLM calls). */
export interface CrewRunner {
  runCrew(request: { crew: Record<string, unknown>; inputs: Record<string, unknown>; sourceDir?: string }, ctx: ActionContext): Promise<unknown>;
  runAgent(request: { agent: Record<string, unknown>; input: string }, ctx: ActionContext): Promise<unknown>;
}
