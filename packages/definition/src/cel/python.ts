// Python-compatible text forms. CrewAI produces its messages with repr() and renders template
// values with json.dumps(ensure_ascii=False); a flow must print the same text in both tools.

// Characters for which Python's str.isspace() is true (str.strip() removes exactly these).
const PY_WS = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, "g");
const PY_BLANK = new RegExp(`^[${PY_WS}]*$`);

/** Python's `str.strip()` (JS `trim()` differs on \x1c-\x1f, \x85 and \ufeff). */
export function pyStrip(value: string): string {
  return value.replace(PY_STRIP, "");
}

/** `not value.strip()` in Python. */
export function pyIsBlank(value: string): boolean {
  return PY_BLANK.test(value);
}

// Characters Python's str.isprintable() rejects (besides the ASCII ones handled explicitly):
// control, format, surrogate, private-use, unassigned and separators other than the space.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr()` of a str: single quotes unless the text has a single quote and no double quote. */
export function pythonRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NON_PRINTABLE.test(ch)) out += pyEscapeCodePoint(ch.codePointAt(0) ?? 0);
    else out += ch;
  }
  return out + quote;
}

function pyEscapeCodePoint(code: number): string {
  if (code < 0x100) return "\\x" + code.toString(16).padStart(2, "0");
  if (code < 0x10000) return "\\u" + code.toString(16).padStart(4, "0");
  return "\\U" + code.toString(16).padStart(8, "0");
}

// json.dumps string escaping with ensure_ascii=False: only quote, backslash and C0 controls.
// eslint-disable-next-line no-control-regex -- matching C0 controls is the point
const JSON_ESCAPE = /["\\\x00-\x1f]/g;
const JSON_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A JSON string literal as Python's `json.dumps(s, ensure_ascii=False)` writes it. */
export function pyJsonString(value: string): string {
  return (
    '"' +
    value.replace(
      JSON_ESCAPE,
      (ch) => JSON_ESCAPES[ch] ?? "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
    ) +
    '"'
  );
}

/**
 * A float as `json.dumps` writes it (`float.__repr__`): shortest round-trip digits like JS, but
 * scientific notation outside 1e-4 <= |x| < 1e16, always a `.0` on integral values, and
 * NaN/Infinity spelled as Python's json module does.
 */
export function pyJsonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "", expText = "0"] = x.toExponential().split("e");
  const exp = Number(expText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * A JS number as Python would print the value json.loads produced: integral numbers were ints
 * in Python (JSON cannot tell 3 from 3.0 once parsed by JS), the rest floats.
 */
export function pyJsonNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return BigInt(x).toString();
  return pyJsonFloat(x);
}

/**
 * Python's `json.dumps(value, ensure_ascii=False)` with default separators (`", "`, `": "`).
 * Accepts JSON-like data (plus `undefined` → null, bigint → int, Map → object); anything else
 * is not serializable, as in Python, and throws a TypeError.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pyJsonNumber(value);
    case "bigint":
      return value.toString();
    case "string":
      return pyJsonString(value);
    case "object":
      break;
    default:
      throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  }
  if (Array.isArray(value)) return "[" + value.map(pythonJsonDumps).join(", ") + "]";
  let entries: Iterable<[unknown, unknown]>;
  if (value instanceof Map) entries = value.entries();
  else if (isPlainObject(value)) entries = Object.entries(value);
  else throw new TypeError(`Object of type ${value.constructor?.name ?? "object"} is not JSON serializable`);
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(`${pyJsonString(pyJsonKey(k))}: ${pythonJsonDumps(v)}`);
  return "{" + parts.join(", ") + "}";
}

/** Python's json key coercion: str as is, bool → true/false, None → null, numbers → their text. */
export function pyJsonKey(key: unknown): string {
  if (typeof key === "string") return key;
  if (key === null || key === undefined) return "null";
  if (typeof key === "boolean") return key ? "true" : "false";
  if (typeof key === "number") return pyJsonNumber(key);
  if (typeof key === "bigint") return key.toString();
  throw new TypeError(`keys must be str, int, float, bool or None, not ${typeof key}`);
}

/** A `{}` literal or `Object.create(null)` object, i.e. a JSON mapping rather than a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
