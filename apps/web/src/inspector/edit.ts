// Immutable edits of raw definition data. Every helper copies only the path it changes and keeps
// every other key (unknown ones included), so CrewAI files round-trip through the inspector.
import { laxBool } from "@crewflow/definition";
import type { Mapping } from "./types";

export function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `value` as a mapping, or an empty one (for reading optional blocks). */
export function asMapping(value: unknown): Mapping {
  return isMapping(value) ? value : {};
}

/**
 * A copy of `target` with `key` set to `value`; `undefined` removes the key. The key keeps its
 * place in the mapping, so a saved file does not reorder.
 */
export function assoc<T extends object>(target: T, key: string, value: unknown): T {
  const out: Mapping = {};
  let seen = false;
  for (const [k, v] of Object.entries(target)) {
    if (k === key) {
      seen = true;
      if (value !== undefined) out[k] = value;
    } else out[k] = v;
  }
  if (!seen && value !== undefined) out[key] = value;
  return out as T;
}

/** A copy of a list with item `index` replaced. */
export function replaceAt<T>(list: readonly T[], index: number, item: T): T[] {
  return list.map((current, i) => (i === index ? item : current));
}

/** A copy of a list with items `i` and `j` exchanged (reordering tasks: their order is the run order). */
export function swap<T>(list: readonly T[], i: number, j: number): T[] {
  const out = [...list];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

export function removeAt<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/** Rename a mapping key in place (same position), keeping its value. */
export function renameKey(target: Mapping, from: string, to: string): Mapping {
  return Object.fromEntries(Object.entries(target).map(([k, v]) => [k === from ? to : k, v]));
}

/** Text of a JSON value for a textarea (empty for undefined). */
export function jsonText(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

/** A string field as written, or undefined when it is not a string. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Set a text key; an empty text removes an optional key (required ones pass `keepEmpty`). */
export function assocText<T extends object>(target: T, key: string, text: string, keepEmpty = false): T {
  return assoc(target, key, text === "" && !keepEmpty ? undefined : text);
}

/** A name `<base>_<n>` not in `taken`. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}

/** A flag as CrewAI reads it (pydantic's lax booleans: true, "yes", "on", 1 …). */
export function isTrue(value: unknown): boolean {
  const parsed = laxBool.safeParse(value);
  return parsed.success && parsed.data;
}
