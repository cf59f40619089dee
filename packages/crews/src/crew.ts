// Crews (spec §8.7, §9): loaded from the crew mapping of a `call: crew` action (inline `with`, or the
// declaration file the runtime read), interpolated from the rendered inputs, run sequentially or by a
// manager that delegates (hierarchical), and summed up as a CrewOutput.
import { type CrewAgentDefinition, type CrewDefinition, type CrewTaskDefinition, checkInlineCrew, crewSchema, isPythonRef } from "@crewflow/definition";
import { type RefContext, errorInfo } from "@crewflow/runtime";
import { z } from "zod";
import { Agent, DEFAULT_MAX_ITER } from "./agent";
import { valueError } from "./errors";
import { DEFAULT_GUARDRAIL_MAX_RETRIES, type Guardrail, resolveGuardrail } from "./guardrails";
import { type LlmHooks, noHooks, resolveHooks } from "./hooks";
import { type LlmConfig, type LlmEnvironment, llmConfig } from "./llm/config";
import { CONTEXT_SEPARATOR, MANAGER, MANAGER_REQUEST, askQuestionDescription, delegateWorkDescription, delegationFailed, unknownCoworker } from "./prompts";
import { CrewOutput, type TaskOutput } from "./results";
import type { Session } from "./session";
import { taskOutputSpec } from "./structured";
import { Task } from "./task";
import { type Tool, type ToolRegistry, defineTool, resolveTools } from "./tools";
import { type UsageMetrics, emptyMetrics } from "./usage";

export interface LoadContext {
  refs: RefContext;
  registry: ToolRegistry;
  env: LlmEnvironment;
}

/** The Crewflow extension block of an agent (`x-crewflow: {hooks: …}`). */
const extensionOf = (value: Record<string, unknown>): Record<string, unknown> | null => {
  const block = value["x-crewflow"];
  return block && typeof block === "object" && !Array.isArray(block) ? (block as Record<string, unknown>) : null;
};

/** Builds one agent from its definition (crew agents and `call: agent` share this). */
export async function loadAgent(key: string | null, definition: CrewAgentDefinition, load: LoadContext, where: string): Promise<Agent> {
  if (definition.from_repository) throw valueError(`${where}: Crewflow cannot load repository agents ('${definition.from_repository}')`);
  if (isPythonRef(definition.type)) throw valueError(`${where}: Crewflow cannot load the Python agent class '${definition.type.python}'`);
  const hooks: LlmHooks = await resolveHooks(extensionOf(definition)?.hooks, load.refs, `${where}.x-crewflow`);
  return new Agent({
    key,
    role: definition.role ?? "",
    goal: definition.goal ?? "",
    backstory: definition.backstory ?? "",
    llm: llmConfig(definition.llm, load.env, where),
    tools: await resolveTools(definition.tools, load.registry, load.refs, `${where}.tools`),
    maxIter: definition.max_iter ?? DEFAULT_MAX_ITER,
    allowDelegation: definition.allow_delegation ?? false,
    hooks,
  });
}

export class Crew {
  private constructor(
    readonly name: string | null,
    readonly process: "sequential" | "hierarchical",
    /** The crew's agents by key (a `manager_agent` named here is not among them). */
    readonly agents: Map<string, Agent>,
    readonly tasks: Task[],
    readonly manager: Agent | null,
    readonly managerLlm: LlmConfig | null,
    /** Every agent by key, the manager included (a task may name it). */
    private readonly byKey: ReadonlyMap<string, Agent>,
  ) {}

  /** Validates and builds a crew from its mapping; every ref (tools, hooks, guardrails) resolves here. */
  static async load(mapping: Record<string, unknown>, load: LoadContext): Promise<Crew> {
    const { __dir: _dir, ...body } = mapping;
    const parsed = crewSchema.safeParse(body);
    if (!parsed.success)
      throw valueError(`invalid crew: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "crew"}: ${issue.message}`).join("; ")}`);
    const crew: CrewDefinition = parsed.data;
    const problems = checkInlineCrew(crew, "crew").filter((d) => d.severity === "error");
    if (problems.length > 0) throw valueError(problems.map((d) => d.message).join("; "));

    const process = crew.process ?? "sequential";
    if (process !== "sequential" && process !== "hierarchical") throw valueError(`process: Input should be 'sequential' or 'hierarchical'`);
    if (isPythonRef(crew.manager_agent)) throw valueError(`Crewflow cannot load the Python manager agent '${crew.manager_agent.python}'`);
    const managerKey = typeof crew.manager_agent === "string" ? crew.manager_agent : null;
    if (managerKey !== null && !(managerKey in crew.agents)) throw valueError(`manager_agent '${managerKey}' does not match an agent definition`);

    const agents = new Map<string, Agent>();
    const byKey = new Map<string, Agent>();
    let manager: Agent | null = null;
    for (const [key, definition] of Object.entries(crew.agents)) {
      const agent = await loadAgent(key, definition, load, `agents.${key}`);
      byKey.set(key, agent);
      if (key === managerKey) manager = agent;
      else agents.set(key, agent);
    }
    if (manager && manager.spec.tools.length > 0) throw valueError("Manager agent should not have tools");
    const managerLlm = crew.manager_llm != null ? llmConfig(crew.manager_llm, load.env, "manager_llm") : null;
    if (process === "hierarchical" && !manager && !managerLlm)
      throw valueError("Attribute `manager_llm` or `manager_agent` is required when using hierarchical process.");

    const tasks: Task[] = [];
    for (const [index, definition] of crew.tasks.entries()) tasks.push(await loadTask(definition, index, load));
    if (process === "sequential")
      for (const task of tasks)
        if (task.spec.agentKey === null)
          throw valueError(`Sequential process error: Agent is missing in the task with the following description: ${task.description}`);
    let trailingAsync = 0;
    for (const task of [...tasks].reverse()) {
      if (!task.spec.asyncExecution) break;
      trailingAsync += 1;
    }
    if (trailingAsync > 1) throw valueError("The crew must end with at most one asynchronous task.");
    return new Crew(crew.name ?? null, process, agents, tasks, manager, managerLlm, byKey);
  }

  /** Runs the crew on the rendered inputs and returns its CrewOutput (§9.1–9.6). */
  async kickoff(inputs: Readonly<Record<string, unknown>>, session: Session, label: string): Promise<CrewOutput> {
    const usage = emptyMetrics();
    const origin = { agent: null, task: null, crew: this.name ?? label };
    try {
      // Tasks first, then agents, as CrewAI interpolates (the first failure wins).
      for (const task of this.tasks) task.interpolate(inputs);
      for (const agent of this.agents.values()) agent.interpolate(inputs);
      const outputs = await this.runTasks(session, origin.crew, usage);
      if (outputs.length === 0) throw valueError("No task outputs available to create crew output.");
      if (!outputs.some((output) => output.raw)) throw valueError("No valid task outputs available to create crew output.");
      session.sink.emit({ kind: "crew", ...origin, status: "completed", token_usage: { ...usage } });
      return new CrewOutput(outputs, usage);
    } catch (err) {
      session.sink.emit({ kind: "crew", ...origin, status: "failed", token_usage: { ...usage }, error: errorInfo(session.runtime.redactor.error(err)) });
      throw err;
    }
  }

  private async runTasks(session: Session, crewName: string, usage: UsageMetrics): Promise<TaskOutput[]> {
    const outputs: TaskOutput[] = [];
    let pending: Promise<TaskOutput>[] = [];
    let lastSync: TaskOutput | null = null;
    const manager = this.process === "hierarchical" ? (this.manager ?? this.generatedManager()) : null;
    for (const task of this.tasks) {
      const worker = task.spec.agentKey !== null ? this.byKey.get(task.spec.agentKey)! : null;
      const agent = manager ?? worker!;
      const tools = this.toolsFor(task, agent, worker, manager, session, crewName, usage);
      if (task.spec.asyncExecution) {
        // Async tasks run side by side until the next synchronous task; they see the last sync output.
        const running = task.execute(session, agent, contextFor(task, lastSync ? [lastSync] : [], this.tasks), tools, crewName, [usage]);
        running.catch(() => undefined); // observed when awaited; never an unhandled rejection meanwhile
        pending.push(running);
        continue;
      }
      if (pending.length > 0) {
        outputs.push(...(await Promise.all(pending)));
        pending = [];
      }
      const output = await task.execute(session, agent, contextFor(task, outputs, this.tasks), tools, crewName, [usage]);
      outputs.push(output);
      lastSync = output;
    }
    if (pending.length > 0) outputs.push(...(await Promise.all(pending)));
    return outputs;
  }

  private generatedManager(): Agent {
    return new Agent({ key: null, ...MANAGER, llm: this.managerLlm!, tools: [], maxIter: DEFAULT_MAX_ITER, allowDelegation: true, hooks: noHooks() });
  }

  /** Task tools (else the agent's), plus delegation tools for a manager or a delegating agent. */
  private toolsFor(task: Task, agent: Agent, worker: Agent | null, manager: Agent | null, session: Session, crewName: string, usage: UsageMetrics): Tool[] {
    const own = task.spec.tools && task.spec.tools.length > 0 ? task.spec.tools : agent.spec.tools;
    if (manager) {
      const coworkers = worker ? [worker] : [...this.agents.values()];
      return mergeTools(own, delegationTools(coworkers, session, crewName, usage));
    }
    if (agent.spec.allowDelegation && this.agents.size > 1) {
      const coworkers = [...this.agents.values()].filter((other) => other !== agent);
      return mergeTools(own, delegationTools(coworkers, session, crewName, usage));
    }
    return [...own];
  }
}

async function loadTask(definition: CrewTaskDefinition, index: number, load: LoadContext): Promise<Task> {
  const where = `tasks[${index}]`;
  if (isPythonRef(definition.type)) throw valueError(`${where}: Crewflow cannot load the Python task class '${definition.type.python}'`);
  const hasAgent = definition.agent != null;
  const list = definition.guardrails ?? [];
  const indexed = list.length > 0;
  const sources = indexed ? list : definition.guardrail != null ? [definition.guardrail] : [];
  const guardrails: Guardrail[] = [];
  for (const source of sources) guardrails.push(await resolveGuardrail(source, load.refs, hasAgent));
  const legacyRetries = (definition as { max_retries?: unknown }).max_retries;
  const taskTools = (definition as { tools?: unknown }).tools;
  return new Task({
    name: definition.name ?? null,
    description: definition.description,
    expected_output: definition.expected_output,
    output_file: definition.output_file ?? null,
    agentKey: definition.agent ?? null,
    context: definition.context === undefined ? undefined : definition.context,
    output: taskOutputSpec(definition),
    guardrails,
    indexedGuardrails: indexed,
    maxRetries: definition.guardrail_max_retries ?? (typeof legacyRetries === "number" ? legacyRetries : DEFAULT_GUARDRAIL_MAX_RETRIES),
    asyncExecution: definition.async_execution ?? false,
    tools: Array.isArray(taskTools) ? await resolveTools(taskTools, load.registry, load.refs, `${where}.tools`) : null,
  });
}

/** §9.3: not given → all earlier outputs; `[]`/null → none; names → those tasks' latest outputs. */
function contextFor(task: Task, earlier: readonly TaskOutput[], all: readonly Task[]): string {
  const names = task.spec.context;
  if (names === undefined) return earlier.map((output) => output.raw).join(CONTEXT_SEPARATOR);
  if (!names || names.length === 0) return "";
  return names
    .map((name) => all.find((other) => other.spec.name === name)?.output?.raw)
    .filter((raw): raw is string => raw !== undefined)
    .join(CONTEXT_SEPARATOR);
}

function mergeTools(own: readonly Tool[], extra: readonly Tool[]): Tool[] {
  const names = new Set(extra.map((tool) => tool.name));
  return [...own.filter((tool) => !names.has(tool.name)), ...extra];
}

/** Role matching for delegation: whitespace collapsed, quotes dropped, case-insensitive (CrewAI). */
const sanitizeRole = (role: string): string => role.split(/\s+/).filter(Boolean).join(" ").replace(/"/g, "").toLowerCase();

/** CrewAI's "Delegate work to coworker" and "Ask question to coworker" tools over `coworkers`. */
function delegationTools(coworkers: readonly Agent[], session: Session, crewName: string, usage: UsageMetrics): Tool[] {
  const names = coworkers.map((agent) => agent.role).join(", ");
  const ask = async (coworker: string, request: string, context: string): Promise<string> => {
    const wanted = sanitizeRole(/^\[.*\]$/.test(coworker.trim()) ? (coworker.trim().slice(1, -1).split(",")[0] ?? "") : coworker);
    const agent = coworkers.find((candidate) => sanitizeRole(candidate.role) === wanted);
    if (!agent) return unknownCoworker(coworkers.map((candidate) => sanitizeRole(candidate.role)));
    const task = new Task({
      name: null,
      description: request,
      expected_output: MANAGER_REQUEST,
      output_file: null,
      agentKey: agent.spec.key,
      context: null,
      output: null,
      guardrails: [],
      indexedGuardrails: false,
      maxRetries: DEFAULT_GUARDRAIL_MAX_RETRIES,
      asyncExecution: false,
      tools: null,
    });
    try {
      return (await task.execute(session, agent, context, agent.spec.tools, crewName, [usage])).raw;
    } catch (err) {
      if (session.ctx.signal.aborted) throw err;
      return delegationFailed(sanitizeRole(agent.role), (err as Error).message);
    }
  };
  return [
    defineTool({
      name: "Delegate work to coworker",
      description: delegateWorkDescription(names),
      schema: z.object({
        task: z.string().describe("The task to delegate"),
        context: z.string().describe("The context for the task"),
        coworker: z.string().describe("The role/name of the coworker to delegate to"),
      }),
      run: ({ task, context, coworker }) => ask(coworker, task, context),
    }),
    defineTool({
      name: "Ask question to coworker",
      description: askQuestionDescription(names),
      schema: z.object({
        question: z.string().describe("The question to ask"),
        context: z.string().describe("The context for the question"),
        coworker: z.string().describe("The role/name of the coworker to ask"),
      }),
      run: ({ question, context, coworker }) => ask(coworker, question, context),
    }),
  ];
}
