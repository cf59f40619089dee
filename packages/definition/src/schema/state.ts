import { z } from "zod";
import { jsonObject } from "./common";

const defaultField = jsonObject.nullish();

/** The flow state contract, discriminated by `type` (extra keys forbidden, as in CrewAI). */
export const stateSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("dict"), default: defaultField }),
    z.strictObject({
      type: z.literal("json_schema"),
      json_schema: jsonObject,
      default: defaultField,
    }),
    z.strictObject({
      type: z.literal("pydantic"),
      ref: z.string().nullish(),
      json_schema: jsonObject.nullish(),
      default: defaultField,
    }),
    z.strictObject({ type: z.literal("unknown"), ref: z.string().nullish(), default: defaultField }),
  ],
  { error: "Input tag must be one of 'dict', 'json_schema', 'pydantic', 'unknown' (key 'type')" },
);
export type StateDefinition = z.output<typeof stateSchema>;
