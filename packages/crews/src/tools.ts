// Tools: TypeScript objects `{name, description, schema, run(args)}` with a zod input schema, offered to
// the model through OpenAI function calling. An agent lists them in `tools:` by ref (`MODULE:EXPORT`,
// resolved like code actions; a class is instantiated without arguments) or by a registered name (the
// runner's `tools` option, or the flow's `x-crewflow.tools: {name: "MODULE:EXPORT"}`).
import { type RefContext, resolveRef } from "@crewflow/runtime";
import { z } from "zod";
import { valueError } from "./errors";
import type { JsonObject, ToolCall, ToolSpec } from "./llm/types";
import { TOOL_ARGUMENTS_ERROR, toolUsageException, wrongToolName } from "./prompts";

export interface ToolContext {
  /** The role of the agent calling the tool. */
  agent: string;
  task: string | null;
  signal: AbortSignal;
}

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** Validates the model's arguments; its JSON Schema is what the model sees. */
  schema: S;
  run(args: z.output<S>, context: ToolContext): unknown;
}

/** Typed identity: `export const search = defineTool({name, description, schema: z.object({…}), run})`. */
export function defineTool<S extends z.ZodType>(tool: Tool<S>): Tool<S> {
  return tool;
}

export function isTool(value: unknown): value is Tool {
  if (!value || typeof value !== "object") return false;
  const tool = value as Partial<Tool>;
  return (
    typeof tool.name === "string" &&
    typeof tool.description === "string" &&
    typeof tool.run === "function" &&
    typeof (tool.schema as { safeParse?: unknown } | undefined)?.safeParse === "function"
  );
}

export interface ToolRegistry {
  /** Tools given as objects (the TypeScript API). */
  tools: Readonly<Record<string, Tool>>;
  /** Tool refs by name (`x-crewflow.tools`). */
  refs: Readonly<Record<string, string>>;
}

/** An agent's (or task's) `tools:` list as tool objects. */
export async function resolveTools(entries: readonly unknown[] | null | undefined, registry: ToolRegistry, refs: RefContext, where: string): Promise<Tool[]> {
  const out: Tool[] = [];
  for (const entry of entries ?? []) {
    if (entry === "") continue;
    if (typeof entry !== "string")
      throw valueError(`${where}: Crewflow cannot load serialized CrewAI tools; list a 'MODULE:EXPORT' ref or a registered tool name`);
    const registered = registry.tools[entry];
    if (registered) {
      out.push(registered);
      continue;
    }
    const ref = registry.refs[entry] ?? (entry.includes(":") && !entry.startsWith("custom:") ? entry : null);
    if (!ref)
      throw valueError(
        `Unknown tool '${entry}'. Tool names must be registered (the runner's tools, or x-crewflow.tools in the flow) or be a 'MODULE:EXPORT' ref (e.g. './tools.ts:search').`,
      );
    out.push(await loadTool(ref));
  }
  return out;

  async function loadTool(ref: string): Promise<Tool> {
    let value = await resolveRef(ref, "tool", refs);
    if (typeof value === "function" && typeof (value as { prototype?: { run?: unknown } }).prototype?.run === "function") {
      const Ctor = value as new () => unknown;
      if (Ctor.length > 0) throw valueError(`cannot instantiate tool ref '${ref}' without arguments: its constructor takes ${Ctor.length}`);
      value = new Ctor();
    }
    if (!isTool(value)) throw valueError(`invalid tool ref '${ref}'; expected a tool {name, description, schema (zod), run(args)}`);
    return value;
  }
}

/** CrewAI's tool-name rule for function calling: lower snake case, `[a-z0-9_]`, at most 64 characters. */
export function functionName(name: string): string {
  const cleaned = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // accents split off by NFKD
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/['"]+/g, "")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "");
  return (cleaned || "tool").slice(0, 64);
}

export function parametersOf(tool: Tool): JsonObject {
  try {
    const schema = z.toJSONSchema(tool.schema, { io: "input", unrepresentable: "any" }) as JsonObject;
    const { $schema: _drop, ...rest } = schema;
    return rest;
  } catch {
    // A schema from another zod major cannot be converted; the model then sees an open object.
    return { type: "object", additionalProperties: true };
  }
}

/** The tools as OpenAI function specs, and the way back from a function name to its tool. */
export function toolSpecs(tools: readonly Tool[]): { specs: ToolSpec[]; byName: Map<string, Tool> } {
  const byName = new Map<string, Tool>();
  const specs: ToolSpec[] = [];
  for (const tool of tools) {
    const name = functionName(tool.name);
    if (byName.has(name)) continue; // a later duplicate is dropped, as CrewAI merges tools by name
    byName.set(name, tool);
    specs.push({ type: "function", function: { name, description: tool.description, parameters: parametersOf(tool) } });
  }
  return { specs, byName };
}

export interface ToolOutcome {
  /** What goes back to the model as the tool message. */
  content: string;
  arguments: unknown;
  error: Error | null;
}

/** Runs one tool call; every failure becomes text for the model (CrewAI's messages), never a crash. */
export async function runToolCall(call: ToolCall, byName: ReadonlyMap<string, Tool>, context: ToolContext): Promise<ToolOutcome> {
  const tool = byName.get(call.function.name);
  if (!tool) {
    const message = wrongToolName(call.function.name, [...byName.keys()]);
    return { content: message, arguments: call.function.arguments, error: valueError(message) };
  }
  let args: unknown;
  try {
    args = call.function.arguments.trim() ? JSON.parse(call.function.arguments) : {};
  } catch {
    return { content: TOOL_ARGUMENTS_ERROR, arguments: call.function.arguments, error: valueError(TOOL_ARGUMENTS_ERROR) };
  }
  const inputs = JSON.stringify(parametersOf(tool).properties ?? {});
  const parsed = tool.schema.safeParse(args);
  if (!parsed.success) {
    const error = valueError(z.prettifyError(parsed.error));
    return { content: toolUsageException(error.message, tool.name, inputs), arguments: args, error };
  }
  try {
    const result = await tool.run(parsed.data, context);
    return { content: typeof result === "string" ? result : (JSON.stringify(result) ?? String(result)), arguments: args, error: null };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { content: toolUsageException(error.message, tool.name, inputs), arguments: args, error };
  }
}
