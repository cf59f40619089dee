import { z } from "zod";
import { configSchema, conversationalSchema, persistSchema } from "./settings";
import { stateSchema } from "./state";
import { methodSchema } from "./method";

export const FLOW_SCHEMA_ID = "crewai.flow/v1";

/** Crewflow's own data (canvas layout, notes, groups) lives under this key, which CrewAI ignores. */
export const EXTENSION_KEY = "x-crewflow";

/**
 * The flow document, `schema: crewai.flow/v1`. Unknown top-level keys are ignored as in CrewAI,
 * except `x-crewflow`, which is kept (it is ours).
 */
export const flowDefinitionSchema = z.object({
  schema: z.literal(FLOW_SCHEMA_ID, { error: `Input should be '${FLOW_SCHEMA_ID}'` }).optional(),
  name: z.string(),
  description: z.string().nullish(),
  state: stateSchema.nullish(),
  config: configSchema.nullish(),
  persist: persistSchema.nullish(),
  conversational: conversationalSchema.nullish(),
  methods: z.record(z.string(), methodSchema).optional(),
  [EXTENSION_KEY]: z.unknown().optional(),
});
export type FlowDefinition = z.output<typeof flowDefinitionSchema>;
