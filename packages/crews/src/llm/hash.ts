// A call's identity: sha256 of the RFC 8785 canonical JSON of its request, so key order and number
// formatting never change the hash (replay matches on it).
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { LlmRequest } from "./types";

export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? "null";
}

export function requestHash(request: LlmRequest): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

/** A stable small number from text, for the simulated model's deterministic choices. */
export function textHash(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}
