// Value helpers shared by the YAML and JSON writers: JSON-like equality and the structural plan of
// what changed between a mapping/list in the file and the one the editor hands back.

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value written as one YAML/JSON scalar. */
export function isScalarValue(value: unknown): boolean {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    value instanceof Date
  );
}

/** Structural equality of parsed data: key order of mappings does not matter, list order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** Assign without tripping the `__proto__` setter (a flow may use any string as a key). */
export function setOwn(target: PlainObject, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * The editor's value as JSON would see it: `undefined` properties dropped, `undefined` list items
 * null. Everything else is kept (Dates stay Dates, as YAML timestamps parse to them).
 */
export function normalizeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : normalizeValue(item)));
  if (isPlainObject(value)) {
    const out: PlainObject = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) setOwn(out, key, normalizeValue(item));
    return out;
  }
  return value;
}

export interface MapPlan {
  /** Old keys that stay, in old order, with the key they have in `next` (a rename when different). */
  kept: Array<{ from: string; to: string }>;
  /** Old keys that go. */
  deleted: Set<string>;
  /** New keys, grouped by the old key they follow (`null`: before the first old entry), in `next` order. */
  inserted: Map<string | null, string[]>;
}

/**
 * What happens to a mapping. A new key standing where a deleted key stood, with the same value, is
 * a rename (the entry keeps its place, comments and formatting); other new keys go right after the
 * key that precedes them in `next`.
 */
export function planMap(oldKeys: readonly string[], old: PlainObject, next: PlainObject): MapPlan {
  const oldSet = new Set(oldKeys);
  const gone = new Set(oldKeys.filter((key) => !Object.hasOwn(next, key)));
  const renamedTo = new Map<string, string>();
  const renamedFrom = new Map<string, string>();
  let lastOld = -1;
  for (const key of Object.keys(next)) {
    if (oldSet.has(key)) {
      lastOld = oldKeys.indexOf(key);
      continue;
    }
    for (let index = lastOld + 1; index < oldKeys.length; index += 1) {
      const candidate = oldKeys[index]!;
      if (!gone.has(candidate)) break;
      if (!renamedTo.has(candidate) && deepEqual(old[candidate], next[key])) {
        renamedTo.set(candidate, key);
        renamedFrom.set(key, candidate);
        lastOld = index;
        break;
      }
    }
  }
  const kept = oldKeys
    .filter((key) => !gone.has(key) || renamedTo.has(key))
    .map((key) => ({ from: key, to: renamedTo.get(key) ?? key }));
  const deleted = new Set([...gone].filter((key) => !renamedTo.has(key)));
  const inserted = new Map<string | null, string[]>();
  let anchor: string | null = null;
  for (const key of Object.keys(next)) {
    if (oldSet.has(key)) anchor = key;
    else if (renamedFrom.has(key)) anchor = renamedFrom.get(key)!;
    else {
      const group = inserted.get(anchor) ?? [];
      group.push(key);
      inserted.set(anchor, group);
    }
  }
  return { kept, deleted, inserted };
}

export interface SeqPlan {
  /** `next` index for each old index, or -1 when the old item is deleted. */
  target: number[];
  /** New items (indices into `next`) and the old index they follow (-1: before the first). */
  insertAfter: number;
  inserted: number[];
}

/**
 * What happens to a list: the common head and tail stay, the middle is edited item by item and the
 * surplus deleted or appended. Good enough for the editor's edits (one item added, removed or changed).
 */
export function planSeq(old: readonly unknown[], next: readonly unknown[]): SeqPlan {
  let head = 0;
  while (head < old.length && head < next.length && deepEqual(old[head], next[head])) head += 1;
  let tail = 0;
  while (
    tail < old.length - head &&
    tail < next.length - head &&
    deepEqual(old[old.length - 1 - tail], next[next.length - 1 - tail])
  )
    tail += 1;
  const oldMiddle = old.length - head - tail;
  const newMiddle = next.length - head - tail;
  const paired = Math.min(oldMiddle, newMiddle);
  const target = old.map((_, index) => {
    if (index < head + paired) return index;
    if (index >= old.length - tail) return index - old.length + next.length;
    return -1;
  });
  const inserted: number[] = [];
  for (let index = head + paired; index < head + newMiddle; index += 1) inserted.push(index);
  return { target, insertAfter: head + paired - 1, inserted };
}
