import type { JsonValue } from "@crewflow/definition";

/**
 * A JSON-safe deep copy (CrewAI's `to_serializable`): events and the CEL context get copies, never
 * live objects. Objects with `toJSON` (e.g. crew results) use it; functions and cycles become text.
 */
export function toJson(value: unknown, seen: Set<object> = new Set()): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return Number(value);
    case "function":
      return `<function ${value.name || "anonymous"}>`;
    case "symbol":
      return value.toString();
  }
  const object = value as object;
  if (seen.has(object)) return "<cycle>";
  if (object instanceof Date) return object.toISOString();
  const withToJson = object as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === "function") return toJson(withToJson.toJSON(), seen);
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => toJson(item, seen));
    if (object instanceof Map) return Object.fromEntries([...object].map(([k, v]) => [String(k), toJson(v, seen)]));
    if (object instanceof Set) return [...object].map((item) => toJson(item, seen));
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(object)) if (item !== undefined) out[key] = toJson(item, seen);
    return out;
  } finally {
    seen.delete(object);
  }
}
