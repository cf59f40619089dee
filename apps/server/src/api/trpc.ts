// tRPC's setup (create-t3-turbo style): the context, the error shape and the procedure builders.
// Error responses carry a code, a message and the located problems (zod issue paths, flow
// diagnostics, policy refusals); never a stack, and internal errors never their message.
import { timingSafeEqual, createHash } from "node:crypto";
import { TRPCError, initTRPC } from "@trpc/server";
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import { ProblemsError, type Problem, fromLibraryError } from "../core/errors";
import type { Services } from "../core/services";

export interface Context {
  services: Services;
  /** Whether the request carried the configured bearer token (always true when none is configured). */
  authorized: boolean;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string | null | undefined, expected: string | null): boolean {
  if (expected === null) return true;
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `Authorization: Bearer <token>`'s token. */
export function bearer(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(.+)$/i.exec(value ?? "");
  return match ? match[1]!.trim() : null;
}

export function createContextFactory(services: Services) {
  return ({ req, info }: CreateFastifyContextOptions): Context => {
    // Browsers' EventSource cannot send headers: subscriptions may pass the token as a connection param.
    const param = info.connectionParams?.token;
    const presented = bearer(req.headers.authorization) ?? (typeof param === "string" ? param : null);
    return { services, authorized: tokenMatches(presented, services.config.token) };
  };
}

type IssueLike = { path?: readonly unknown[]; message?: unknown };

/** zod / Standard Schema issues as `{path, message}` with dotted paths (`inputs.topic`, `patch[0].op`). */
export function issueProblems(issues: readonly IssueLike[]): Problem[] {
  return issues.map((issue) => {
    let path = "";
    for (const raw of issue.path ?? []) {
      const part = raw !== null && typeof raw === "object" && "key" in raw ? (raw as { key: unknown }).key : raw;
      if (typeof part === "number") path += `[${part}]`;
      else path += (path ? "." : "") + String(part);
    }
    return { path, message: typeof issue.message === "string" ? issue.message : "invalid" };
  });
}

function problemsOf(error: TRPCError): Problem[] | null {
  const cause: unknown = error.cause;
  if (cause instanceof ProblemsError) return [...cause.problems];
  const issues = cause !== null && typeof cause === "object" ? (cause as { issues?: unknown }).issues : undefined;
  return Array.isArray(issues) ? issueProblems(issues as IssueLike[]) : null;
}

export interface ErrorData {
  code: TRPCError["code"];
  httpStatus: number;
  path: string | null;
  /** Located problems: zod issues (`path` as in the input), flow diagnostics, policy refusals. */
  problems: Problem[] | null;
}

const t = initTRPC.context<Context>().create({
  isDev: false,
  sse: {
    ping: { enabled: true, intervalMs: 5_000 },
    client: { reconnectAfterInactivityMs: 20_000 },
  },
  errorFormatter({ shape, error }) {
    const problems = problemsOf(error);
    let message = shape.message;
    if (error.code === "INTERNAL_SERVER_ERROR") message = "Internal server error (logged on the server).";
    else if (problems && error.cause && !(error.cause instanceof ProblemsError))
      message = `Invalid input: ${problems
        .slice(0, 5)
        .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
        .join("; ")}`;
    const data: ErrorData = { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path ?? null, problems };
    return { code: shape.code, message, data };
  },
});

export const createTRPCRouter = t.router;

/** Maps library errors (a patch that does not apply, a missing step) to API codes. */
const errors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && !(result.error.cause instanceof ProblemsError) && result.error.code === "INTERNAL_SERVER_ERROR" && result.error.cause) {
    const mapped = fromLibraryError(result.error.cause);
    if (mapped.code !== "INTERNAL_SERVER_ERROR") throw mapped;
  }
  return result;
});

/** Every procedure: the bearer token when one is configured. */
export const procedure = t.procedure.use(errors).use(({ ctx, next }) => {
  if (!ctx.authorized) throw new TRPCError({ code: "UNAUTHORIZED", message: "A valid bearer token is required (Authorization: Bearer …)." });
  return next({ ctx });
});
