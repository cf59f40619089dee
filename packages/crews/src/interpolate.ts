// `{placeholder}` interpolation of crew inputs into task and agent texts (spec §9.1; CrewAI's
// `interpolate_only`): only `{name}` with a Python-identifier-like name is a placeholder, so JSON
// snippets such as `{"a": 1}` stay untouched; values print as Python's `str()` would.
import { pyRepr } from "@crewflow/definition";
import { namedError, valueError } from "./errors";

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/** Python's `str()` of a JSON-like input value (`True`, `None`, dict/list repr; strings as they are). */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  return pyRepr(value);
}

function pyTypeName(value: unknown): string {
  if (value instanceof Date) return "datetime";
  if (value instanceof Map) return "Map";
  if (value instanceof Set) return "set";
  if (typeof value === "function") return "function";
  if (typeof value === "bigint") return "int";
  if (typeof value === "symbol") return "symbol";
  if (value && typeof value === "object") return value.constructor?.name || "object";
  return typeof value;
}

function checkType(value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) return;
  if (Array.isArray(value)) return value.forEach(checkType);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).forEach(checkType);
  throw valueError(`Unsupported type ${pyTypeName(value)} in inputs. Only str, int, float, bool, dict, and list are allowed.`);
}

/**
 * One text with the inputs filled in. Throws ValueError for an unsupported input value or empty
 * inputs, and KeyError (`Template variable 'x' not found in inputs dictionary`) for a missing name.
 */
export function interpolateOnly(text: string | null | undefined, inputs: Readonly<Record<string, unknown>>): string {
  for (const [key, value] of Object.entries(inputs)) {
    try {
      checkType(value);
    } catch (err) {
      throw valueError(`Invalid value for key '${key}': ${(err as Error).message}`);
    }
  }
  if (!text) return "";
  if (!text.includes("{") && !text.includes("}")) return text;
  if (Object.keys(inputs).length === 0) throw valueError("Inputs dictionary cannot be empty when interpolating variables");
  const names = [...text.matchAll(PLACEHOLDER)].map((match) => match[1]!);
  const missing = names.find((name) => !Object.hasOwn(inputs, name));
  if (missing !== undefined) throw namedError("KeyError", `Template variable '${missing}' not found in inputs dictionary`);
  // One pass: a value that itself contains `{name}` is not expanded again (CrewAI replaces name by name,
  // so an input holding its own placeholder doubles the text per occurrence: 63 MB from 20 of them).
  let size = 0;
  const out = text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = pyStr(inputs[name]);
    size += value.length;
    if (size > MAX_INTERPOLATED_CHARS)
      throw valueError(`The text after filling in its inputs is over ${MAX_INTERPOLATED_CHARS.toLocaleString("en")} characters (CREWFLOW_MAX_PROMPT_CHARS); shorten the inputs or raise the limit`);
    return value;
  });
  if (out.length > MAX_INTERPOLATED_CHARS)
    throw valueError(`The text after filling in its inputs is ${out.length.toLocaleString("en")} characters, over ${MAX_INTERPOLATED_CHARS.toLocaleString("en")} (CREWFLOW_MAX_PROMPT_CHARS); shorten the inputs or raise the limit`);
  return out;
}

/** The longest text (a task description, an agent's goal…) interpolation may produce. */
export const MAX_INTERPOLATED_CHARS = (() => {
  const configured = Number(process.env.CREWFLOW_MAX_PROMPT_CHARS);
  return Number.isInteger(configured) && configured > 0 ? configured : 1_000_000;
})();

/** Python's `str(KeyError(msg))` is the message's repr; CrewAI embeds that form in some messages. */
export function pyErrorStr(err: Error): string {
  if (err.name !== "KeyError") return err.message;
  const quote = err.message.includes("'") && !err.message.includes('"') ? '"' : "'";
  return `${quote}${err.message}${quote}`;
}
