/** A CEL expression or `${…}` template failed to parse, validate, render or evaluate. */
export class ExpressionError extends Error {
  override name = "ExpressionError";
}

/** Plain JSON data: what flow state/outputs hold and what CEL results are converted back to. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
