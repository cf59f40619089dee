import { z } from "zod";

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const NAME_PATTERN_TEXT = "^[A-Za-z_][A-Za-z0-9_]*$";

const TRUE_WORDS = new Set(["true", "t", "yes", "y", "on", "1"]);
const FALSE_WORDS = new Set(["false", "f", "no", "n", "off", "0"]);

/**
 * A boolean with pydantic's lax coercion ("yes", "on", 1, …), because CrewAI accepts those and a
 * file valid there must stay valid here.
 */
export const laxBool = z.preprocess((value) => {
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  if (value === 1) return true;
  if (value === 0) return false;
  return value;
}, z.boolean({ error: "Input should be a valid boolean" }));

/** An integer with pydantic's lax coercion ("5" → 5, 5.0 → 5). */
export const laxInt = z.preprocess((value) => {
  if (typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
  return value;
}, z.int({ error: "Input should be a valid integer" }));

/** Any JSON-like mapping (a YAML mapping with string keys). */
export const jsonObject = z.record(z.string(), z.unknown(), { error: "Input should be a valid dictionary" });
export type JsonObject = z.output<typeof jsonObject>;

/** `{python: "module.attr"}`: CrewAI's dotted reference to a Python object (rule V15). */
export const pythonRef = z.object({
  python: z.string({ error: "Python reference 'python' must be a string" }).superRefine((value, ctx) => {
    const path = value.trim();
    if (!path) ctx.addIssue({ code: "custom", message: "Python reference 'python' must be a string" });
    else if (!path.includes("."))
      ctx.addIssue({
        code: "custom",
        message: `Python reference '${path}' must be a dotted import path like 'module.attribute'`,
      });
  }),
});
export type PythonRef = z.output<typeof pythonRef>;
