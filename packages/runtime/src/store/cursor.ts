// Cursors of the port's pages: opaque to callers, validated when they come back. A cursor is the
// sort key of the last item of a page (base64url of a small JSON array), tagged with the list it
// belongs to, so a store can start the next page right after it with a keyset condition (never an
// offset): items added or removed meanwhile shift nothing, and no item is returned twice.

/** A page request: at most `limit` items after `cursor` (a previous page's `nextCursor`). */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** One page of a list; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A cursor that no page of this list gave out (malformed, or of another list). */
export class InvalidCursorError extends Error {
  override name = "InvalidCursorError";
  constructor(readonly list: string) {
    super(`The cursor is not valid for ${list}: pass the nextCursor of a previous page of the same list, unchanged.`);
  }
}

type PartKind = "string" | "number" | "time";
type PartValue<K extends PartKind> = K extends "number" ? number : string;
export type CursorParts<P extends readonly PartKind[]> = { -readonly [I in keyof P]: PartValue<P[I]> };

/** The cursor of `list` after an item whose sort key is `parts`. */
export function encodeCursor(list: string, parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...parts]), "utf8").toString("base64url");
}

/** The sort key a cursor of `list` carries, checked against `kinds`; InvalidCursorError otherwise. */
export function decodeCursor<const P extends readonly PartKind[]>(list: string, cursor: string, kinds: P): CursorParts<P> {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw new Error("not base64url");
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError(list);
  }
  if (!Array.isArray(value) || value.length !== kinds.length + 1 || value[0] !== list) throw new InvalidCursorError(list);
  const parts = value.slice(1) as unknown[];
  kinds.forEach((kind, i) => {
    const part = parts[i];
    const ok =
      kind === "number"
        ? typeof part === "number" && Number.isSafeInteger(part)
        : kind === "time"
          ? typeof part === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(part) && !Number.isNaN(Date.parse(part))
          : typeof part === "string" && part.length > 0 && part.length <= 500;
    if (!ok) throw new InvalidCursorError(list);
  });
  return parts as CursorParts<P>;
}

/** The page of `rows` (fetched with `limit + 1`, so one more tells that a next page exists). */
export function pageOf<R, T>(rows: readonly R[], limit: number, item: (row: R) => T, cursorOf: (row: R) => string): Page<T> {
  const page = rows.slice(0, limit);
  return { items: page.map(item), nextCursor: rows.length > limit && page.length > 0 ? cursorOf(page.at(-1)!) : null };
}
