// Tasks: description and expected output (interpolated from the crew inputs), the agent that does them,
// their context, structured output and guardrails. `execute` runs the agent, then each guardrail with
// its retries, and returns the TaskOutput.
import type { JsonValue } from "@crewflow/definition";
import { errorInfo } from "@crewflow/runtime";
import type { Agent, AgentRunResult } from "./agent";
import { namedError, valueError } from "./errors";
import type { CallOrigin } from "./events";
import type { Guardrail } from "./guardrails";
import type { HookTaskInfo } from "./hooks";
import { interpolateOnly, pyErrorStr } from "./interpolate";
import { expectedOutput, taskWithContext, validationError } from "./prompts";
import { type OutputFormat, TaskOutput, structuredFields } from "./results";
import type { Session } from "./session";
import { type OutputSpec, parseStructured } from "./structured";
import type { Tool } from "./tools";
import { type UsageMetrics, emptyMetrics } from "./usage";

export interface TaskSpec {
  name: string | null;
  description: string;
  expected_output: string;
  output_file: string | null;
  /** The agent's key in the crew's `agents` mapping. */
  agentKey: string | null;
  /** Names of earlier tasks; `undefined` = not given (all earlier outputs), `null` or `[]` = none. */
  context: readonly string[] | null | undefined;
  output: OutputSpec | null;
  /** The `guardrails` list when non-empty (indexed), else the single `guardrail`. */
  guardrails: readonly Guardrail[];
  indexedGuardrails: boolean;
  maxRetries: number;
  asyncExecution: boolean;
  /** Task-level tools (replace the agent's when given). */
  tools: Tool[] | null;
}

export class Task {
  description: string;
  expected_output: string;
  output_file: string | null;
  /** This kickoff's output, for later tasks' context. */
  output: TaskOutput | null = null;

  constructor(readonly spec: TaskSpec) {
    this.description = spec.description;
    this.expected_output = spec.expected_output;
    this.output_file = spec.output_file;
  }

  /** The name a task is known by in events (CrewAI's `name or description`). */
  get label(): string {
    return this.spec.name || this.description;
  }

  /** §9.1, with CrewAI's messages for each field; empty inputs leave the texts as they are. */
  interpolate(inputs: Readonly<Record<string, unknown>>): void {
    if (Object.keys(inputs).length === 0) return;
    try {
      this.description = interpolateOnly(this.spec.description, inputs);
    } catch (err) {
      const error = err as Error;
      if (error.name === "KeyError") throw valueError(`Missing required template variable '${/'([^']*)'/.exec(error.message)?.[1] ?? ""}' in description`, err);
      throw valueError(`Error interpolating description: ${error.message}`, err);
    }
    try {
      this.expected_output = interpolateOnly(this.spec.expected_output, inputs);
    } catch (err) {
      throw valueError(`Error interpolating expected_output: ${pyErrorStr(err as Error)}`, err);
    }
    if (this.spec.output_file !== null)
      try {
        this.output_file = interpolateOnly(this.spec.output_file, inputs);
      } catch (err) {
        throw valueError(`Error interpolating output_file path: ${pyErrorStr(err as Error)}`, err);
      }
  }

  prompt(): string {
    return [this.description, expectedOutput(this.expected_output)].join("\n");
  }

  info(): HookTaskInfo {
    return { name: this.spec.name, description: this.description, expected_output: this.expected_output };
  }

  get outputFormat(): OutputFormat {
    if (!this.spec.output) return "raw";
    return this.spec.output.target === "json" ? "json" : "pydantic";
  }

  async execute(session: Session, agent: Agent, context: string, tools: readonly Tool[], crew: string | null, outer: readonly UsageMetrics[]): Promise<TaskOutput> {
    const usage = emptyMetrics();
    const sums = [usage, ...outer];
    const origin: CallOrigin = { agent: agent.role, task: this.label, crew };
    const runAgent = (extra: string) =>
      agent.run(session, {
        prompt: extra ? taskWithContext(this.prompt(), extra) : this.prompt(),
        tools,
        output: this.spec.output,
        task: this.info(),
        origin,
        purpose: "task",
        usage: sums,
      });
    try {
      let output = this.toOutput(await runAgent(context), agent.role);
      for (const [index, guardrail] of this.spec.guardrails.entries())
        output = await this.guard(output, guardrail, this.spec.indexedGuardrails ? index : null, { session, agent, origin, sums, runAgent });
      output.token_usage = { ...usage };
      this.output = output;
      session.sink.emit({ kind: "task", ...origin, status: "completed", token_usage: { ...usage } });
      return output;
    } catch (err) {
      session.sink.emit({ kind: "task", ...origin, status: "failed", token_usage: { ...usage }, error: errorInfo(session.runtime.redactor.error(err)) });
      throw err;
    }
  }

  private toOutput(result: AgentRunResult, role: string): TaskOutput {
    return new TaskOutput({
      description: this.description,
      name: this.spec.name || this.description,
      expected_output: this.expected_output,
      raw: result.raw,
      ...structuredFields(result.parsed, this.spec.output),
      agent: role,
      output_format: this.outputFormat,
      simulated: result.simulated,
    });
  }

  /** One guardrail: check, and on failure re-run the agent with the failure as context (§9.4). */
  private async guard(
    first: TaskOutput,
    guardrail: Guardrail,
    index: number | null,
    run: { session: Session; agent: Agent; origin: CallOrigin; sums: UsageMetrics[]; runAgent: (context: string) => Promise<AgentRunResult> },
  ): Promise<TaskOutput> {
    const max = this.spec.maxRetries;
    let output = first;
    for (let attempt = 0; ; attempt += 1) {
      const verdict = await guardrail.check(output, { session: run.session, llm: run.agent.spec.llm, origin: run.origin, usage: run.sums });
      run.session.sink.emit({
        kind: "guardrail",
        ...run.origin,
        index,
        guardrail: guardrail.label,
        attempt: attempt + 1,
        max_retries: max,
        ok: verdict.ok,
        error: verdict.ok ? null : verdict.error,
      });
      if (verdict.ok) {
        const value = verdict.value;
        if (value === null || value === undefined) throw namedError("Exception", "Task guardrail returned None as result. This is not allowed.");
        if (typeof value === "string") {
          output.raw = value;
          const parsed = this.spec.output ? parseStructured(value, this.spec.output) : null;
          Object.assign(output, structuredFields(parsed?.ok ? (parsed.value as JsonValue) : null, this.spec.output));
        } else if (value instanceof TaskOutput) output = value;
        return output;
      }
      if (attempt >= max)
        throw namedError(
          "Exception",
          `Task failed ${index !== null ? `guardrail ${index}` : "guardrail"} validation after ${max} retries. Last error: ${verdict.error}`,
        );
      output = this.toOutput(await run.runAgent(validationError(verdict.error, output.raw)), run.agent.role);
    }
  }
}
