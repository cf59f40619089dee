// Which state model a definition's `state` block gives (spec §3.2, first match wins), with CrewAI's
// fallbacks: an unimportable pydantic ref falls back to its JSON Schema, then to dict state.
import type { StateDefinition } from "@crewflow/definition";
import { type RefContext, resolveRef } from "../refs";
import { dictState, isZodSchema, jsonSchemaState, type State, type StateModel, StateValidationError, zodState } from "./model";

export interface BuiltState {
  model: StateModel;
  /** What CrewAI logs on fallback (shown by the CLI, kept on the flow). */
  warnings: string[];
  /** Values the first state is created from (`state.default`, or an `initialState` object). */
  defaults?: State | null;
}

/**
 * CrewAI's `initial_state` (§3.2 rule 1) in TypeScript terms: a zod object schema plays a model
 * *class* (it must declare `id`, as CrewAI requires of a class not derived from FlowState); a plain
 * object plays a dict or a model *instance* (shallow copy, `id` added when missing). Anything else
 * is CrewAI's TypeError.
 */
export function initialStateModel(initial: unknown): BuiltState {
  if (isZodSchema(initial)) {
    const shape = (initial as { shape?: Record<string, unknown> }).shape;
    if (!shape || !("id" in shape)) throw new StateValidationError("Flow state model must have an 'id' field");
    return { model: zodState(initial), warnings: [], defaults: null };
  }
  if (initial !== null && typeof initial === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(initial)))
    return { model: dictState, warnings: [], defaults: initial as State };
  const error = new Error(`Initial state must be dict or BaseModel, got ${initial === null ? "null" : typeof initial}`);
  error.name = "TypeError";
  throw error;
}

export async function buildStateModel(state: StateDefinition | null, refs: RefContext): Promise<BuiltState> {
  if (!state || state.type === "dict") return { model: dictState, warnings: [] };
  if (state.type === "unknown")
    return { model: dictState, warnings: [`state type 'unknown'${state.ref ? ` (ref ${state.ref})` : ""}: falling back to dict state`] };
  if (state.type === "json_schema") return fromSchema(state.json_schema, []);
  const warnings: string[] = [];
  if (state.ref) {
    try {
      const target = await resolveRef(state.ref, "state", refs);
      if (isZodSchema(target)) return { model: zodState(target), warnings };
      if (target && typeof target === "object") return fromSchema(target as Record<string, unknown>, warnings);
      warnings.push(`state ref '${state.ref}' is neither a zod schema nor a JSON Schema`);
    } catch (err) {
      warnings.push(`state ref '${state.ref}' could not be resolved: ${(err as Error).message}`);
    }
  }
  if (state.json_schema) return fromSchema(state.json_schema, warnings);
  warnings.push("state has no usable ref or json_schema: falling back to dict state");
  return { model: dictState, warnings };
}

function fromSchema(schema: Record<string, unknown>, warnings: string[]): BuiltState {
  try {
    return { model: jsonSchemaState(schema), warnings };
  } catch (err) {
    return { model: dictState, warnings: [...warnings, `state JSON Schema is unusable (${(err as Error).message}): falling back to dict state`] };
  }
}
