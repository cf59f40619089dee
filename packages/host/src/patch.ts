// State patches for forks: `path=value` assignments turned into RFC 6902 operations (the form recorded in
// runs.fork_patch) and applied with jsondiffpatch's atomic JSON-Patch implementation.
import type { JsonValue, PatchOperation } from "@crewflow/runtime";
import { patch as applyJsonPatch } from "jsondiffpatch/formatters/jsonpatch";

export class PatchError extends Error {
  override name = "ValueError";
}

/** `a.b.0` or a JSON pointer `/a/b/0` → path segments. */
export function pathSegments(path: string): string[] {
  if (path === "" || path === "/") throw new PatchError("a state patch path must name a field");
  if (path.startsWith("/")) return path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  return path.split(".");
}

export const pointer = (segments: readonly string[]): string => "/" + segments.map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

/**
 * `--set path=value`: the value is JSON when it parses as JSON (`5`, `true`, `"x"`, `{"a":1}`), else
 * the text itself (`--set topic=AI`).
 */
export function parseAssignment(text: string): { path: string; value: JsonValue } {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new PatchError(`--set expects path=value, got '${text}'`);
  const raw = text.slice(eq + 1);
  let value: JsonValue;
  try {
    value = JSON.parse(raw) as JsonValue;
  } catch {
    value = raw;
  }
  return { path: text.slice(0, eq), value };
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return value !== null && typeof value === "object";
}

/**
 * RFC 6902 operations that make each assignment true of `state`: `replace` where the field exists,
 * `add` where it does not (missing parent objects are added first).
 */
export function assignmentsToPatch(state: unknown, assignments: readonly { path: string; value: JsonValue }[]): PatchOperation[] {
  const draft = structuredClone(state);
  const ops: PatchOperation[] = [];
  for (const { path, value } of assignments) {
    const segments = pathSegments(path);
    let node: unknown = draft;
    for (let i = 0; i < segments.length - 1; i++) {
      const key = segments[i]!;
      if (!isContainer(node)) throw new PatchError(`cannot set '${path}': '${segments.slice(0, i).join(".")}' is not an object or array`);
      let child = (node as Record<string, unknown>)[key];
      if (child === undefined) {
        if (Array.isArray(node)) throw new PatchError(`cannot set '${path}': no index ${key}`);
        const op: PatchOperation = { op: "add", path: pointer(segments.slice(0, i + 1)), value: {} };
        ops.push(op);
        applyInPlace(draft, [op]);
        child = (node as Record<string, unknown>)[key];
      }
      node = child;
    }
    const last = segments[segments.length - 1]!;
    if (!isContainer(node)) throw new PatchError(`cannot set '${path}': its parent is not an object or array`);
    const exists = Array.isArray(node) ? /^\d+$/.test(last) && Number(last) < node.length : Object.prototype.hasOwnProperty.call(node, last);
    const op: PatchOperation = { op: exists ? "replace" : "add", path: pointer(segments), value };
    ops.push(op);
    applyInPlace(draft, [op]);
  }
  return ops;
}

/** A patched copy of `state` (the input is not modified); throws PatchError on a path that does not apply. */
export function applyPatch<T>(state: T, ops: readonly PatchOperation[]): T {
  const copy = structuredClone(state);
  applyInPlace(copy, ops);
  return copy;
}

function applyInPlace(target: unknown, ops: readonly PatchOperation[]): void {
  try {
    applyJsonPatch(
      target,
      ops.map((op) => (op.op === "remove" ? { op: "remove" as const, path: op.path } : { op: op.op, path: op.path, value: op.value })),
    );
  } catch (err) {
    throw new PatchError(`state patch does not apply: ${(err as Error).message}`);
  }
}
