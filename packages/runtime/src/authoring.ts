// The TypeScript authoring API: a code-first way to write a flow, like CrewAI's Python decorators
// (spec §1.3). It compiles to the same crewai.flow/v1 definition; method bodies become in-memory
// modules that the definition's `code` refs point at, so the engine runs both forms identically.
import {
  type Action,
  type Condition,
  type FlowDefinition,
  type HumanFeedbackDefinition,
  type PersistDefinition,
  type StateDefinition,
  type ConfigDefinition,
  validateDefinition,
} from "@crewflow/definition";
import type { FlowHandle } from "./actions/types";
import { Flow, type FlowOptions } from "./engine/flow";
import { namedError } from "./engine/errors";

/** A method body: receives the flow (live state, outputs) and the trigger payload. */
export type MethodBody = (flow: FlowHandle, input: unknown) => unknown;

export interface MethodSpec {
  start?: boolean | Condition;
  listen?: Condition;
  router?: boolean;
  emit?: string[];
  human_feedback?: HumanFeedbackDefinition;
  persist?: PersistDefinition;
  description?: string;
}

/** Accepted wherever a condition is: an event name, another method (by name), or a combinator. */
export const or_ = (...conditions: Condition[]): Condition => ({ or: conditions });
export const and_ = (...conditions: Condition[]): Condition => ({ and: conditions });

export interface FlowSpec {
  state?: StateDefinition;
  config?: ConfigDefinition;
  persist?: PersistDefinition;
  description?: string;
}

export class FlowBuilder {
  private readonly methods: Record<string, Record<string, unknown>> = {};
  private readonly bodies: Record<string, MethodBody> = {};
  private readonly module: string;

  constructor(
    private readonly name: string,
    private readonly spec: FlowSpec = {},
  ) {
    this.module = `authoring.${name}`;
  }

  /**
   * Add a method. `body` is a function (a `code` action; it declares the trigger payload by taking
   * two parameters, as a Python method declares one) or any declarative action.
   */
  method(name: string, spec: MethodSpec, body: MethodBody | Action): this {
    let action: Action;
    if (typeof body === "function") {
      this.bodies[name] = body;
      action = { call: "code", ref: `${this.module}:${name}` };
    } else action = body;
    this.methods[name] = { ...spec, do: action };
    return this;
  }

  start(name: string, body: MethodBody | Action, spec: Omit<MethodSpec, "start"> = {}): this {
    return this.method(name, { ...spec, start: true }, body);
  }

  listen(name: string, on: Condition, body: MethodBody | Action, spec: Omit<MethodSpec, "listen"> = {}): this {
    return this.method(name, { ...spec, listen: on }, body);
  }

  router(name: string, on: Condition | null, body: MethodBody | Action, spec: Omit<MethodSpec, "router" | "listen"> = {}): this {
    return this.method(name, { ...spec, ...(on === null ? {} : { listen: on }), router: true }, body);
  }

  /** The crewai.flow/v1 definition; invalid flows fail like CrewAI's DSL (`Invalid flow definition for …`). */
  definition(): FlowDefinition {
    const document = {
      schema: "crewai.flow/v1",
      name: this.name,
      ...(this.spec.description ? { description: this.spec.description } : {}),
      ...(this.spec.state ? { state: this.spec.state } : {}),
      ...(this.spec.config ? { config: this.spec.config } : {}),
      ...(this.spec.persist ? { persist: this.spec.persist } : {}),
      methods: this.methods,
    };
    const result = validateDefinition(document);
    if (!result.definition) {
      const first = result.errors[0]!;
      throw namedError("ValueError", `Invalid flow definition for ${this.name}: ${first.path ? `${first.path}: ` : ""}${first.message}`);
    }
    return result.definition;
  }

  /** The in-memory module the definition's code refs point at. */
  modules(): Map<string, Record<string, unknown>> {
    return new Map([[this.module, { ...this.bodies }]]);
  }

  /** Build a runnable flow instance. */
  create(options: FlowOptions = {}): Promise<Flow> {
    const modules = new Map([...(options.modules ?? []), ...this.modules()]);
    return Flow.create(this.definition(), { ...options, modules });
  }
}

export function defineFlow(name: string, spec: FlowSpec = {}): FlowBuilder {
  return new FlowBuilder(name, spec);
}
