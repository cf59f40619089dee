// The API's failures. Services throw TRPCError with one of these causes; the tRPC error formatter and
// the HTTP kickoff routes turn them into responses that carry paths and messages, never stacks.
import { InvalidCursorError } from "@crewflow/runtime";
import { DiffError, PatchError, ReplayUnavailable } from "@crewflow/host";
import { TRPCError } from "@trpc/server";

/** A problem located in the submitted data (a flow text, a state patch, inputs). */
export interface Problem {
  path: string;
  message: string;
}

/** The cause of a BAD_REQUEST/CONFLICT that has located problems (diagnostics, policy refusals). */
export class ProblemsError extends Error {
  override name = "ProblemsError";
  constructor(
    message: string,
    readonly problems: readonly Problem[],
  ) {
    super(message);
  }
}

export function badRequest(message: string, problems: readonly Problem[] = []): TRPCError {
  return new TRPCError({ code: "BAD_REQUEST", message, cause: new ProblemsError(message, problems) });
}

export function notFound(message: string): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message });
}

export function conflict(message: string): TRPCError {
  return new TRPCError({ code: "CONFLICT", message });
}

/** `path: message; …`, for a one-line error message. */
export function summarize(problems: readonly Problem[], max = 5): string {
  const shown = problems.slice(0, max).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  return shown.join("; ") + (problems.length > max ? `; … (${problems.length - max} more)` : "");
}

/**
 * Errors the libraries raise for bad requests (a state patch that does not apply, a diff of a step
 * that does not exist), mapped to the API's codes; anything else is an internal error.
 */
export function fromLibraryError(err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  if (err instanceof PatchError) return badRequest(err.message, [{ path: "patch", message: err.message }]);
  if (err instanceof DiffError) return notFound(err.message);
  if (err instanceof InvalidCursorError) return badRequest(err.message, [{ path: "cursor", message: err.message }]);
  if (err instanceof ReplayUnavailable) return conflict(err.message);
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error", cause: err });
}
