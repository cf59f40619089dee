// Stable, readable ids: a node keeps its id (and so its stored position) while the flow is edited.
import type { TriggerSlot } from "./types";

export const methodNodeId = (name: string): string => `method:${name}`;
export const eventNodeId = (label: string): string => `event:${label}`;
export const joinNodeId = (method: string, slot: TriggerSlot, path: readonly number[]): string =>
  `join:${method}:${[slot, ...path].join(".")}`;

const EMIT_PREFIX = "emit:";
export const emitHandle = (label: string): string => `${EMIT_PREFIX}${label}`;
/** The label of an `emit:<label>` handle, or null for any other handle. */
export function labelOfHandle(handle: string | null | undefined): string | null {
  return handle?.startsWith(EMIT_PREFIX) ? handle.slice(EMIT_PREFIX.length) : null;
}
