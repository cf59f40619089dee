// The only way the web app talks to the server: a typed tRPC client over HTTP (batched queries and
// mutations) and SSE (subscriptions: live run events). The router type is imported as a type only.
import type { AppRouter } from "@crewflow/server";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

/** Relative to the page, so the app works behind any host/port the server is given. */
function apiUrl(): string {
  const origin = typeof location === "undefined" ? "http://localhost" : location.origin;
  return `${origin}/trpc`;
}

export const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink({ url: apiUrl() }),
      // The server refuses batches of more than 50 calls (TRPC_MAX_BATCH_SIZE in apps/server).
      false: httpBatchLink({ url: apiUrl(), maxItems: 50 }),
    }),
  ],
});

/** The server's error code (CONFLICT, BAD_REQUEST, …) of a failed call, if it was a tRPC error. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<AppRouter>).data as { code?: unknown } | undefined;
    return typeof data?.code === "string" ? data.code : undefined;
  }
  return undefined;
}

/** A message fit to show a user. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
