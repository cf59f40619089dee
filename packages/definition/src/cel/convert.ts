// Conversions between plain JSON data and @bufbuild/cel values.
import {
  celList,
  celMap,
  isCelError,
  isCelList,
  isCelMap,
  isCelType,
  isCelUint,
  type CelInput,
  type CelMap,
  type CelValue,
} from "@bufbuild/cel";
import { toJson } from "@bufbuild/protobuf";
import { isReflectMessage } from "@bufbuild/protobuf/reflect";
import type { JsonValue } from "./errors.js";
import { pyJsonFloat, pyJsonKey, pyJsonString, pythonJsonDumps } from "./python.js";

// Integers beyond int64 cannot be CEL ints; keep them as doubles like a JSON float.
const INT64_LIMIT = 2 ** 63;

/**
 * JSON → CEL input. Integral JS numbers become CEL `int` (bigint) so `state.n + 1` type-checks
 * and `1/0` errors as in CrewAI (Python's json gives ints there); other numbers stay `double`.
 * Objects are wrapped lazily: a flow's state can be large and an expression usually reads a few
 * fields, so values are converted only when CEL reads them.
 */
export function toCelInput(value: unknown): CelInput {
  switch (typeof value) {
    case "undefined":
      return null;
    case "number":
      return Number.isInteger(value) && Math.abs(value) < INT64_LIMIT ? BigInt(value) : value;
    case "boolean":
    case "string":
    case "bigint":
      return value;
    case "object":
      break;
    default:
      throw new TypeError(`unsupported context value of type ${typeof value}`);
  }
  if (value === null) return null;
  if (Array.isArray(value)) return celList(value.map(toCelInput));
  if (value instanceof Uint8Array || isCelList(value) || isCelMap(value) || isCelUint(value)) return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return celMap(new ConvertingMap(value));
  const view = new JsonObjectMap(value as Record<string, unknown>);
  return CEL_MAP_BRAND === undefined ? celMap(view) : (view as unknown as CelMap);
}

// @bufbuild/cel 0.6.1 wraps a ReadonlyMap in a CelMap whose has() is `get(key) != undefined`,
// so a key holding null looks absent: `has(state.note)` and `'note' in state` would be false
// where cel-python says true. @bufbuild/cel recognises its maps by a brand symbol; taken from a
// map it built, the brand lets JsonObjectMap act as a CelMap itself with a correct has(). If a
// future version changes the brand, the celMap() wrapper (with the null quirk) is used instead.
const CEL_MAP_BRAND: symbol | undefined = Object.getOwnPropertySymbols(celMap(new Map())).find(
  (s) => s.description === "@bufbuild/cel/map",
);

// Read-only, lazily converting Map view of a JSON object (string keys only, like JSON).
class JsonObjectMap implements ReadonlyMap<string, CelInput> {
  constructor(private readonly obj: Record<string, unknown>) {
    if (CEL_MAP_BRAND !== undefined) Object.defineProperty(this, CEL_MAP_BRAND, { value: {} });
  }
  get size(): number {
    return Object.keys(this.obj).length;
  }
  get(key: unknown): CelInput | undefined {
    return typeof key === "string" && Object.hasOwn(this.obj, key) ? toCelInput(this.obj[key]) : undefined;
  }
  has(key: unknown): boolean {
    return typeof key === "string" && Object.hasOwn(this.obj, key);
  }
  *entries(): MapIterator<[string, CelInput]> {
    for (const key of Object.keys(this.obj)) yield [key, toCelInput(this.obj[key])];
  }
  *keys(): MapIterator<string> {
    yield* Object.keys(this.obj);
  }
  *values(): MapIterator<CelInput> {
    for (const key of Object.keys(this.obj)) yield toCelInput(this.obj[key]);
  }
  [Symbol.iterator](): MapIterator<[string, CelInput]> {
    return this.entries();
  }
  forEach(callback: (value: CelInput, key: string, map: ReadonlyMap<string, CelInput>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

type CelKey = string | bigint | boolean;

// Same for a JS Map (integral number keys become int keys, as values do).
class ConvertingMap implements ReadonlyMap<CelKey, CelInput> {
  constructor(private readonly map: ReadonlyMap<unknown, unknown>) {}
  get size(): number {
    return this.map.size;
  }
  get(key: unknown): CelInput | undefined {
    for (const [k, v] of this.map) if (celKey(k) === key) return toCelInput(v);
    return undefined;
  }
  has(key: unknown): boolean {
    return this.get(key) !== undefined;
  }
  *entries(): MapIterator<[CelKey, CelInput]> {
    for (const [k, v] of this.map) yield [celKey(k), toCelInput(v)];
  }
  *keys(): MapIterator<CelKey> {
    for (const k of this.map.keys()) yield celKey(k);
  }
  *values(): MapIterator<CelInput> {
    for (const v of this.map.values()) yield toCelInput(v);
  }
  [Symbol.iterator](): MapIterator<[CelKey, CelInput]> {
    return this.entries();
  }
  forEach(callback: (value: CelInput, key: CelKey, map: ReadonlyMap<CelKey, CelInput>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

function celKey(key: unknown): CelKey {
  if (typeof key === "string" || typeof key === "boolean" || typeof key === "bigint") return key;
  if (typeof key === "number" && Number.isInteger(key)) return BigInt(key);
  return String(key);
}

/** Raised while converting a result that contains a CEL error value. */
export class NestedCelError extends Error {}

/**
 * CEL value → JSON, as CrewAI's `json.loads(json.dumps(result, cls=CELJSONEncoder))`:
 * int/uint → number (precision is lost past 2^53), map keys → strings, bytes → base64 text,
 * timestamp → RFC 3339 text, duration → protobuf JSON seconds text ("1.500s"),
 * a type value → its name. A nested error value throws.
 */
export function celToJson(value: CelValue): JsonValue {
  switch (typeof value) {
    case "boolean":
    case "string":
    case "number":
      return value;
    case "bigint":
      return Number(value);
  }
  if (value === null) return null;
  if (isCelError(value)) throw new NestedCelError(value.message, { cause: value });
  if (isCelUint(value)) return Number(value.value);
  if (isCelList(value)) {
    const out: JsonValue[] = [];
    for (const item of value) out.push(celToJson(item));
    return out;
  }
  if (isCelMap(value)) {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, v] of value) setKey(out, pyJsonKey(isCelUint(k) ? k.value : k), celToJson(v));
    return out;
  }
  return celLeafToJson(value);
}

// Values with no JSON counterpart that Python's CELJSONEncoder writes as text.
function celLeafToJson(value: CelValue): JsonValue {
  if (value instanceof Uint8Array) return base64(value);
  if (isCelType(value)) return value.name;
  if (isReflectMessage(value)) return toJson(value.desc, value.message) as JsonValue;
  throw new TypeError(`cannot convert CEL value ${String(value)} to JSON`);
}

/**
 * CEL value → text for a template that mixes literals and expressions: strings as is, null as
 * empty text, everything else as Python's json.dumps text. Works on the CEL value rather than its
 * JSON form so that a double keeps its Python spelling (`3.0`, `1e+16`).
 */
export function celToText(value: CelValue): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (isLeaf(value)) {
    // Bytes, timestamps, durations and types become JSON strings in CrewAI: inserted unquoted.
    const json = celLeafToJson(value);
    return typeof json === "string" ? json : pythonJsonDumps(json);
  }
  return celDumps(value);
}

function isLeaf(value: CelValue): boolean {
  return value instanceof Uint8Array || isCelType(value) || isReflectMessage(value);
}

function celDumps(value: CelValue): string {
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return pyJsonString(value);
    case "number":
      return pyJsonFloat(value);
    case "bigint":
      return value.toString();
  }
  if (value === null) return "null";
  if (isCelError(value)) throw new NestedCelError(value.message, { cause: value });
  if (isCelUint(value)) return value.value.toString();
  if (isCelList(value)) {
    const parts: string[] = [];
    for (const item of value) parts.push(celDumps(item));
    return "[" + parts.join(", ") + "]";
  }
  if (isCelMap(value)) {
    const parts: string[] = [];
    for (const [k, v] of value) {
      parts.push(`${pyJsonString(pyJsonKey(isCelUint(k) ? k.value : k))}: ${celDumps(v)}`);
    }
    return "{" + parts.join(", ") + "}";
  }
  // Leaf values: their JSON form (a string or a generic message's JSON) has no floats to keep.
  return pythonJsonDumps(celLeafToJson(value));
}

// Own property even for "__proto__", which plain assignment would turn into a prototype change.
function setKey(out: { [k: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 (what Python's base64.b64encode gives); no Buffer so the web bundle works too.
function base64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += b === undefined ? "=" : B64[(n >> 6) & 63]!;
    out += c === undefined ? "=" : B64[n & 63]!;
  }
  return out;
}

