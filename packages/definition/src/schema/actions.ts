import { z } from "zod";
import { NAME_PATTERN, NAME_PATTERN_TEXT } from "./common";
import { agentActionAgentSchema, crewSchema } from "./crew";

/** Template data for `with`/`inputs`: JSON-like values whose strings may hold `${…}` CEL. */
const templateMapping = z.record(z.string(), z.unknown(), { error: "Input should be a valid dictionary" });

export const codeActionSchema = z.strictObject({
  call: z.literal("code"),
  ref: z.string(),
  with: templateMapping.nullish(),
});

export const toolActionSchema = z.strictObject({
  call: z.literal("tool"),
  ref: z.string(),
  with: templateMapping.nullish(),
});

export const crewActionSchema = z
  .strictObject({
    call: z.literal("crew"),
    from_declaration: z.string().nullish(),
    with: crewSchema.nullish(),
    inputs: z.preprocess(
      (value) => (value === null ? undefined : value),
      z.record(z.string(), z.unknown(), { error: "crew.inputs must be a mapping" }).optional(),
    ),
  })
  .superRefine((action, ctx) => {
    if (Boolean(action.from_declaration) === (action.with != null))
      ctx.addIssue({ code: "custom", message: "crew action requires exactly one of from_declaration or with" });
  });

export const agentActionSchema = z.strictObject({
  call: z.literal("agent"),
  with: agentActionAgentSchema,
});

export const expressionActionSchema = z.strictObject({
  call: z.literal("expression"),
  expr: z.string(),
});

/** `python` is CrewAI's only language; `javascript` is Crewflow's sandboxed extension. */
export const SCRIPT_LANGUAGES = ["python", "javascript"] as const;
export const scriptActionSchema = z.strictObject({
  call: z.literal("script"),
  code: z.string(),
  language: z.enum(SCRIPT_LANGUAGES).optional(),
});

export const ATOMIC_CALLS = ["code", "tool", "crew", "agent", "expression", "script"] as const;
export const ACTION_CALLS = [...ATOMIC_CALLS, "each"] as const;
export type ActionCall = (typeof ACTION_CALLS)[number];

const quotedTags = (tags: readonly string[]) => tags.map((t) => `'${t}'`).join(", ");

/** Any action but `each`; inside a step `call` must be written out (CrewAI's discriminated union). */
export const atomicActionSchema = z.discriminatedUnion(
  "call",
  [codeActionSchema, toolActionSchema, crewActionSchema, agentActionSchema, expressionActionSchema, scriptActionSchema],
  {
    error: (issue) => {
      const input = issue.input as Record<string, unknown> | undefined;
      if (!input || typeof input !== "object" || Array.isArray(input)) return "Input should be a valid dictionary";
      if (!("call" in input)) return `Unable to extract tag using discriminator 'call' (expected one of ${quotedTags(ATOMIC_CALLS)})`;
      return `Input tag ${JSON.stringify(String(input.call))} found using 'call' does not match any of the expected tags: ${quotedTags(ATOMIC_CALLS)}`;
    },
  },
);
export type AtomicAction = z.output<typeof atomicActionSchema>;

export const eachStepSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, { error: `each.do step names must match ${NAME_PATTERN_TEXT}` }),
  if: z.string().nullish(),
  action: atomicActionSchema,
});
export type EachStep = z.output<typeof eachStepSchema>;

export const eachActionSchema = z
  .strictObject({
    call: z.literal("each"),
    in: z.string(),
    do: z.array(eachStepSchema),
  })
  .superRefine((action, ctx) => {
    if (action.do.length === 0) {
      ctx.addIssue({ code: "custom", message: "each.do must contain at least one step", path: ["do"] });
      return;
    }
    const seen = new Set<string>();
    action.do.forEach((step, index) => {
      if (seen.has(step.name))
        ctx.addIssue({
          code: "custom",
          message: `each.do step names must be unique: '${step.name}'`,
          path: ["do", index, "name"],
        });
      seen.add(step.name);
    });
  });

/**
 * A method's `do`. Only `code` has a default discriminator: a mapping with just `ref:` is a code
 * action (CrewAI resolves the plain union that way).
 */
export const actionSchema = z.preprocess(
  (value) =>
    value && typeof value === "object" && !Array.isArray(value) && !("call" in value) ? { call: "code", ...value } : value,
  z.discriminatedUnion(
    "call",
    [codeActionSchema, toolActionSchema, crewActionSchema, agentActionSchema, expressionActionSchema, scriptActionSchema, eachActionSchema],
    {
      error: (issue) => {
        const input = issue.input as Record<string, unknown> | undefined;
        if (!input || typeof input !== "object" || Array.isArray(input))
          return "Input should be a valid dictionary (one action object, not a list)";
        return `Input tag ${JSON.stringify(String(input.call))} found using 'call' does not match any of the expected tags: ${quotedTags(ACTION_CALLS)}`;
      },
    },
  ),
);
export type Action = z.output<typeof actionSchema>;
export type CodeAction = z.output<typeof codeActionSchema>;
export type ToolAction = z.output<typeof toolActionSchema>;
export type CrewAction = z.output<typeof crewActionSchema>;
export type AgentAction = z.output<typeof agentActionSchema>;
export type ExpressionAction = z.output<typeof expressionActionSchema>;
export type ScriptAction = z.output<typeof scriptActionSchema>;
export type EachAction = z.output<typeof eachActionSchema>;
