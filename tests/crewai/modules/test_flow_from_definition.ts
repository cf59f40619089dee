// TypeScript stand-ins for the Python helpers of CrewAI's lib/crewai/tests/test_flow_from_definition.py
// that the example files name (`test_flow_from_definition:ChainFlow.begin`, …). Each does what its
// Python namesake does. Calling conventions (Crewflow's `call: code`): without `with:` a method is
// called as `fn(flow, input)` and receives the trigger payload only if it declares a second
// parameter (CrewAI passes it iff the method declares one); with `with:` it is called as
// `fn(renderedMapping)`, the mapping standing for Python's keyword arguments. Tools are classes
// instantiated without arguments whose `run(args)` is Python's `_run(**args)`.
import { type FlowHandle, type FlowPersistence, HumanFeedbackPending, type PendingFeedbackContext, type State, z } from "./_deps";

/** Python's `str()` of a value, as f-strings render it (`True`, `None`). */
function pyStr(value: unknown): string {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  return String(value);
}

/** `dict.get(key, fallback)`: the fallback only when the key is absent. */
function get(state: Record<string, unknown>, key: string, fallback: unknown): unknown {
  return key in state ? state[key] : fallback;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

// ---- tools --------------------------------------------------------------------------------------

export class StaticSearchTool {
  readonly name = "StaticSearchTool";
  readonly description = "Returns a deterministic search result.";
  run({ search_query, prefix = "search" }: { search_query: string; prefix?: string }): string {
    return `${prefix}:${search_query}`;
  }
}

export class TypedInputsTool {
  readonly name = "TypedInputsTool";
  readonly description = "Returns typed input details.";
  run({ count, include_domains }: { count: number; include_domains: string[] }): string {
    return `${count}:${include_domains.join(",")}`;
  }
}

/** Its sync entry point hands back an awaitable, which the runtime must await. */
export class AsyncResultTool {
  readonly name = "AsyncResultTool";
  readonly description = "Returns an async result from its sync entrypoint.";
  run({ value }: { value: string }): Promise<string> {
    const build = async () => {
      await Promise.resolve();
      return `async:${value}`;
    };
    return build();
  }
}

// ---- code actions -------------------------------------------------------------------------------

class CallableCodeAction {
  call({ value }: { value: string }): string {
    return `callable:${value}`;
  }
}

/** Python's callable instance (`__call__`): a function carrying its instance. */
const callableInstance = new CallableCodeAction();
export const CALLABLE_CODE_ACTION = Object.assign((args: { value: string }) => callableInstance.call(args), {
  instance: callableInstance,
});

export const TemplateInputFlow = {
  capture_inputs({ prompt, domains }: { prompt: string; domains: string[] }): { prompt: string; domains: string[] } {
    return { prompt, domains };
  },
};

export const ChainFlow = {
  begin(flow: FlowHandle): string {
    flow.state.begin_ran = true;
    return "hello";
  },
  shout(_flow: FlowHandle, result: unknown): string {
    return String(result).toUpperCase();
  },
  confirm(flow: FlowHandle): string {
    flow.state.confirmed = true;
    return `confirmed:${pyStr(flow.state.confirmed)}`;
  },
};

export const ToolInputFlow = {
  build_query(flow: FlowHandle): { query: string; suffix: string } {
    flow.state.prefix = "found";
    return { query: "ai agents", suffix: " news" };
  },
};

export const EachActionFlow = {
  normalize_row({ row, prefix = "normalized" }: { row: unknown; prefix?: string }): string {
    return `${prefix}:${pyStr(row)}`;
  },
  save_row({ row, normalized }: { row: string; normalized: string }): { row: string; normalized: string } {
    return { row, normalized };
  },
  keyword_code({ name, punctuation }: { name: string; punctuation: string }): string {
    return `${name}${punctuation}`;
  },
  fail_on_bad_row({ row }: { row: string }): string {
    if (row === "bad") throw named("RuntimeError", "bad row");
    return row;
  },
  /**
   * CrewAI checks that a sync step runs on a worker thread (not the event loop) with the flow's
   * context, and returns `current_flow_method_name:row`. JavaScript has no such threads, and
   * Crewflow gives a `with:` code action only its mapping, so the method name is not available:
   * it is rendered as `None`, as the unset context variable would be.
   */
  require_threaded_context({ row }: { row: string }): string {
    return `${pyStr(null)}:${row}`;
  },
  after_each(flow: FlowHandle): string {
    flow.state.after_count = Number(get(flow.state, "after_count", 0)) + 1;
    return `after:${pyStr(flow.state.after_count)}`;
  },
};

export const MergeFlow = {
  begin: (): string => "go",
  left: (): string => "left",
  right: (): string => "right",
  either(flow: FlowHandle): string {
    flow.state.either_ran = true;
    return "either";
  },
  join(flow: FlowHandle): string {
    flow.state.joined = true;
    return "joined";
  },
};

export const RouteFlow = {
  begin: (): string => "go",
  decide(flow: FlowHandle): string {
    return flow.state.direction === "left" ? "left" : "right";
  },
  take_left: (): string => "took-left",
  take_right: (): string => "took-right",
};

export const LoopFlow = {
  step(flow: FlowHandle): number {
    flow.state.count = Number(get(flow.state, "count", 0)) + 1;
    return flow.state.count as number;
  },
  decide(flow: FlowHandle): string {
    return (flow.state.count as number) < 3 ? "retry" : "done";
  },
  finish(flow: FlowHandle): string {
    return `finished:${pyStr(flow.state.count)}`;
  },
};

/** `class CounterState(FlowState): count: int = 0; label: str = "none"` (FlowState adds `id`). */
export const CounterState = z.object({
  id: z.string().optional(),
  count: z.number().int().default(0),
  label: z.string().default("none"),
});

export const PydanticStateFlow = {
  begin(flow: FlowHandle): number {
    flow.state.count = (flow.state.count as number) + 1;
    return flow.state.count as number;
  },
  finish(flow: FlowHandle): string {
    flow.state.label = `count=${pyStr(flow.state.count)}`;
    return flow.state.label as string;
  },
};

/**
 * The test's persistence backend: every instance with the same `store` shares one list of saves
 * (Python's class-level `saves`), and pending feedback is shared by all. A definition names it as
 * `persistence: {persistence_type: DefinitionStoreBackend, store: …}`.
 */
export class DefinitionStoreBackend implements FlowPersistence {
  static readonly saves = new Map<string, [method: string, state: State][]>();
  static readonly pending = new Map<string, { state: State; context: PendingFeedbackContext }>();
  readonly persistenceType = "DefinitionStoreBackend";

  constructor(readonly store = "default") {}

  /** The methods saved to a store, in order (the test's `_saved_methods`). */
  static savedMethods(store: string): string[] {
    return (DefinitionStoreBackend.saves.get(store) ?? []).map(([method]) => method);
  }

  private get list(): [string, State][] {
    let list = DefinitionStoreBackend.saves.get(this.store);
    if (!list) DefinitionStoreBackend.saves.set(this.store, (list = []));
    return list;
  }

  saveState(_flowUuid: string, methodName: string, state: State): void {
    this.list.push([methodName, structuredClone(state)]);
  }

  loadState(flowUuid: string): State | null {
    for (const [, state] of [...this.list].reverse()) if (state.id === flowUuid) return structuredClone(state);
    return null;
  }

  savePendingFeedback(flowUuid: string, context: PendingFeedbackContext, state: State): void {
    DefinitionStoreBackend.pending.set(flowUuid, { state: structuredClone(state), context: structuredClone(context) });
  }

  loadPendingFeedback(flowUuid: string): { state: State; context: PendingFeedbackContext } | null {
    const entry = DefinitionStoreBackend.pending.get(flowUuid);
    return entry ? structuredClone(entry) : null;
  }

  clearPendingFeedback(flowUuid: string): void {
    DefinitionStoreBackend.pending.delete(flowUuid);
  }
}

export const PersistedFlow = {
  first(flow: FlowHandle): string {
    flow.state.count = Number(get(flow.state, "count", 0)) + 1;
    return "one";
  },
  second(flow: FlowHandle): string {
    flow.state.count = (flow.state.count as number) + 1;
    return "two";
  },
};

// ---- config and human feedback ------------------------------------------------------------------

export class StubInputProvider {
  request_input(_message: string, _flow: unknown, _metadata: unknown = null): string {
    return "stub";
  }
}

export const ReviewFlow = {
  draft: (): string => "draft-content",
  publish(flow: FlowHandle): string {
    return `published:${flow.lastHumanFeedback?.feedback ?? pyStr(null)}`;
  },
  discard: (): string => "discarded",
};

export function _pending_generate(_flow: FlowHandle): string {
  return "content";
}

export function _pending_process(_flow: FlowHandle, result: { feedback: string }): string {
  return `resumed:${result.feedback}`;
}

/** A provider that always defers: the run pauses until `resume(feedback)`. */
export class PausingProvider {
  requestFeedback(context: PendingFeedbackContext): never {
    throw new HumanFeedbackPending(context);
  }
}

/** Its constructor needs an argument, so the runtime cannot instantiate it from a ref. */
export class _NeedsArgsProvider {
  constructor(readonly channel: string) {}
  requestFeedback(): string {
    return "ok";
  }
}
