// The runtime's CrewRunner: runs `call: crew` and `call: agent` actions. A host creates one per run
// (the CLI does) and passes it as `FlowOptions.crews`.
import { type FlowDefinition, agentActionAgentSchema } from "@crewflow/definition";
import type { ActionContext, CrewRunner, RefContext } from "@crewflow/runtime";
import { Crew, type LoadContext, loadAgent } from "./crew";
import { valueError } from "./errors";
import { type AfterLlmCallHook, type BeforeLlmCallHook, type LlmHooks, concatHooks, hooksFromFunctions, resolveHooks } from "./hooks";
import { type LlmConfig, type ModelChoice, llmEnvironment } from "./llm/config";
import { OPENAI_DEFAULT_BASE_URL, OpenAIChatModel, sameEndpoint } from "./llm/openai";
import { SimulatedChatModel } from "./llm/simulated";
import type { ChatModel } from "./llm/types";
import { Redactor } from "./redact";
import { AgentOutput, StructuredValue } from "./results";
import { Session, type SessionRuntime } from "./session";
import { outputSpec } from "./structured";
import type { Tool } from "./tools";
import { type PriceTable, defaultPrices, emptyMetrics } from "./usage";

export interface CrewRunnerOptions {
  /** The flow being run: its `x-crewflow` hooks and tools, and router `emit` lists (simulated labels). */
  definition?: FlowDefinition;
  /** The flow file's directory: refs in agent actions (tools, hooks) resolve from it. */
  sourceDir?: string;
  modulePaths?: readonly string[];
  modules?: ReadonlyMap<string, Record<string, unknown>>;
  /** Tools agents may list by name. */
  tools?: Readonly<Record<string, Tool>>;
  /** Flow-wide hooks given as functions (run before those the flow declares). */
  hooks?: { before?: readonly BeforeLlmCallHook[]; after?: readonly AfterLlmCallHook[] };
  /** Answers every call (e.g. a ReplayChatModel). Default: OpenAI when a key or base URL is set, else simulated. */
  model?: ChatModel;
  /** Environment to read OPENAI_* from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Stream tokens (as `llm_stream` events) unless an agent's `llm.stream` says otherwise. Default: CREWFLOW_STREAM=1, else false. */
  stream?: boolean;
  /** Per-attempt HTTP timeout, unless an agent's `llm.timeout` (seconds) says otherwise. Default 120 s. */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx and connection errors (with backoff). Default 2. */
  maxRetries?: number;
  /**
   * The whole call's deadline, retries included, unless an agent's `llm.deadline` (seconds) says
   * otherwise. Default CREWFLOW_LLM_DEADLINE_MS, else 180 s.
   */
  deadlineMs?: number;
  /** Re-asks when a structured answer does not fit its schema. Default 3. */
  structuredRetries?: number;
  prices?: PriceTable;
  /** Notices (the simulated model is used, SDK warnings); never contains a key. */
  log?: (line: string) => void;
}

export interface CrewflowCrewRunner extends CrewRunner {
  /** Which model answers an agent with no `base_url`: `openai`, `simulated`, or the injected model's provider. */
  readonly defaultProvider: string;
}

const DEFAULT_DEADLINE_MS = 180_000;

function envDeadline(env: NodeJS.ProcessEnv): number | null {
  const value = Number(env.CREWFLOW_LLM_DEADLINE_MS);
  return Number.isInteger(value) && value > 0 ? value : null;
}

export function createCrewRunner(options: CrewRunnerOptions = {}): CrewflowCrewRunner {
  const env = llmEnvironment(options.env ?? process.env);
  const redactor = new Redactor();
  redactor.add(env.apiKey);
  const openai = new OpenAIChatModel({ redactor, ...(options.log ? { log: options.log } : {}) });
  const simulated = new SimulatedChatModel();
  let noticed = false;
  const extension = extensionOf(options.definition);
  let flowHooks: Promise<LlmHooks> | null = null;

  const choose = (llm: LlmConfig): ModelChoice => {
    redactor.add(llm.apiKey);
    const baseURL = llm.baseURL ?? env.baseURL;
    // The environment's key belongs to the environment's endpoint: an agent that names another
    // base_url gets no key unless it brings its own (else any flow could send the key anywhere).
    const keyEndpoint = env.baseURL ?? OPENAI_DEFAULT_BASE_URL;
    const envKeyFits = sameEndpoint(baseURL ?? OPENAI_DEFAULT_BASE_URL, keyEndpoint);
    const withheld = llm.apiKey === null && env.apiKey !== null && !envKeyFits;
    const transport = {
      baseURL,
      apiKey: llm.apiKey ?? (envKeyFits ? env.apiKey : null),
      ...(withheld ? { withheldKeyOf: keyEndpoint } : {}),
      timeoutMs: llm.timeoutMs ?? options.timeoutMs ?? 120_000,
      maxRetries: llm.maxRetries ?? options.maxRetries ?? 2,
      deadlineMs: llm.deadlineMs ?? options.deadlineMs ?? envDeadline(options.env ?? process.env) ?? DEFAULT_DEADLINE_MS,
    };
    if (options.model) return { model: options.model, transport };
    if (transport.baseURL || transport.apiKey) return { model: openai, transport };
    if (!noticed) {
      noticed = true;
      options.log?.("crewflow: no OPENAI_API_KEY or OPENAI_BASE_URL is set; crews and agents use the simulated model (offline, deterministic, labelled \"simulated\")");
    }
    return { model: simulated, transport };
  };

  const refsFor = (sourceDir: string | undefined): RefContext => ({
    ...((sourceDir ?? options.sourceDir) ? { sourceDir: (sourceDir ?? options.sourceDir)! } : {}),
    ...(options.modulePaths ? { modulePaths: options.modulePaths } : {}),
    ...(options.modules ? { modules: options.modules } : {}),
  });

  const runtime = async (): Promise<SessionRuntime> => {
    flowHooks ??= resolveHooks(extension?.hooks, refsFor(undefined), "x-crewflow");
    return {
      redactor,
      prices: options.prices ?? defaultPrices(options.env ?? process.env),
      hooks: concatHooks(hooksFromFunctions(options.hooks?.before, options.hooks?.after), await flowHooks),
      choose,
      stream: options.stream ?? /^(1|true|yes)$/i.test((options.env ?? process.env).CREWFLOW_STREAM ?? ""),
      structuredRetries: options.structuredRetries ?? 3,
    };
  };

  const loadContext = (sourceDir: string | undefined): LoadContext => ({
    refs: refsFor(sourceDir),
    registry: { tools: options.tools ?? {}, refs: stringRecord(extension?.tools, "x-crewflow.tools") },
    env,
  });

  const labelsFor = (method: string): readonly string[] | undefined => {
    const definition = options.definition?.methods?.[method];
    return definition?.router && definition.emit && definition.emit.length > 0 ? definition.emit : undefined;
  };

  /** Errors leave with secrets removed, whatever produced them (tools, hooks, the SDK). */
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw redactor.error(err);
    }
  };

  return {
    get defaultProvider() {
      return options.model?.provider ?? (env.apiKey || env.baseURL ? "openai" : "simulated");
    },

    runCrew: (request, ctx: ActionContext) =>
      guarded(async () => {
        const dir = typeof request.crew.__dir === "string" ? request.crew.__dir : request.sourceDir;
        const crew = await Crew.load(request.crew, loadContext(dir));
        const session = new Session(ctx, await runtime(), labelsFor(ctx.method));
        return crew.kickoff(request.inputs, session, ctx.method);
      }),

    runAgent: (request, ctx: ActionContext) =>
      guarded(async () => {
        const parsed = agentActionAgentSchema.safeParse({ ...request.agent, input: request.input });
        if (!parsed.success) throw valueError(`invalid agent: ${parsed.error.issues.map((i) => `${i.path.join(".") || "agent"}: ${i.message}`).join("; ")}`);
        const { input: _input, response_format: format, ...definition } = parsed.data;
        const agent = await loadAgent(null, definition, loadContext(undefined), "agent");
        const spec = format != null ? outputSpec(format, "pydantic") : null;
        const session = new Session(ctx, await runtime(), labelsFor(ctx.method));
        const usage = emptyMetrics();
        const result = await agent.run(session, {
          prompt: request.input,
          tools: agent.spec.tools,
          output: spec,
          task: null,
          origin: { agent: agent.role, task: null, crew: null },
          purpose: "agent",
          usage: [usage],
        });
        const pydantic = spec && result.parsed && typeof result.parsed === "object" && !Array.isArray(result.parsed) ? new StructuredValue(result.parsed, spec.schema) : null;
        return new AgentOutput(result.raw, pydantic, agent.role, usage, result.simulated);
      }),
  };
}

function extensionOf(definition: FlowDefinition | undefined): Record<string, unknown> | null {
  const block = definition?.["x-crewflow"];
  return block && typeof block === "object" && !Array.isArray(block) ? (block as Record<string, unknown>) : null;
}

function stringRecord(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value) || !Object.values(value).every((v) => typeof v === "string"))
    throw valueError(`${where} must map tool names to 'MODULE:EXPORT' refs`);
  return value as Record<string, string>;
}
