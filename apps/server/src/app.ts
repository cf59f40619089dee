import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { PrismaRunStore } from "@crewflow/store-prisma";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { type AppRouter, appRouter } from "./api/root";
import { createContextFactory } from "./api/trpc";
import { type ServerConfig, resolveConfig } from "./config";
import { type Services, createServices } from "./core/services";
import { registerGuard } from "./http/guard";
import { registerKickoffApi } from "./http/kickoff";

// The router's type is what the web app imports (`import type`); nothing else of the server reaches it.
export type { AppRouter } from "./api/root";
export type { ErrorData } from "./api/trpc";
// The run events the API streams, for the web app (which may only `import type` from the server).
export type { ErrorInfo, FlowEvent } from "@crewflow/runtime";
export type { ServerConfig } from "./config";
export { ConfigError, configFromEnv, isLoopback, resolveConfig } from "./config";
export type { Services } from "./core/services";

/** Calls one tRPC batch request may carry (clients set `httpBatchLink`'s `maxItems` to at most this). */
export const TRPC_MAX_BATCH_SIZE = 50;

/** Where `pnpm --filter @crewflow/web build` writes the web app. */
export const DEFAULT_WEB_DIST = resolve(dirname(fileURLToPath(import.meta.url)), "../../web/dist");

export type CreateServerOptions = {
  /** The built web app (a folder holding index.html); false serves the API only. */
  webDist?: string | false;
  logger?: FastifyServerOptions["logger"];
  /** Database, workspace, token, policy and limits; see `resolveConfig` for the defaults. */
  config?: Partial<ServerConfig>;
  /** An already open store (it is not closed with the server). */
  store?: PrismaRunStore;
};

declare module "fastify" {
  interface FastifyInstance {
    /** The API's services (the store, flows, runs, executor), for tests and tools. */
    crewflow: Services;
    /** Every route registered (method and routed URL pattern), for the authorization tests. */
    crewflowRoutes: readonly { method: string; url: string }[];
  }
}

export class WebDistMissingError extends Error {
  constructor(readonly webDist: string) {
    super(
      `The web app is not built: ${join(webDist, "index.html")} does not exist. ` +
        "Build it with `pnpm --filter @crewflow/web build` (or run `pnpm start`, which builds it first).",
    );
    this.name = "WebDistMissingError";
  }
}

/** Throws WebDistMissingError unless `webDist` holds a built web app. */
export function assertWebDist(webDist: string): void {
  if (!existsSync(join(webDist, "index.html"))) throw new WebDistMissingError(webDist);
}

const runIdOf = (input: unknown): string | undefined => {
  if (input === null || typeof input !== "object") return undefined;
  const record = input as Record<string, unknown>;
  const value = record.runId ?? record.left;
  return typeof value === "string" ? value : undefined;
};

/**
 * Builds the HTTP server: the web app's static files, the tRPC API under /trpc and the HTTP kickoff
 * API under /api, on one port. Opens (and migrates) the database; not yet listening.
 */
export async function createServer(options: CreateServerOptions = {}): Promise<FastifyInstance> {
  const webDist = options.webDist === false ? null : resolve(options.webDist ?? DEFAULT_WEB_DIST);
  if (webDist) assertWebDist(webDist);
  const config = resolveConfig(options.config);

  const app = Fastify({
    logger: options.logger ?? false,
    // tRPC batch calls put every procedure name in one path segment (STACK.md §4).
    routerOptions: { maxParamLength: 5000 },
    bodyLimit: 4 * 1024 * 1024,
    // Live SSE subscriptions must not hold a shutdown open.
    forceCloseConnections: true,
  });

  const routes: { method: string; url: string }[] = [];
  app.decorate("crewflowRoutes", routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  const services = await createServices(config, app.log, options.store ? { store: options.store } : {});
  app.decorate("crewflow", services);
  // Stop the runs first (their subscribers complete), then close the database.
  app.addHook("preClose", async () => services.execution.close());
  app.addHook("onClose", async () => services.close());

  // Errors Fastify itself raises (a body that is not JSON, a body too large): JSON, no stack.
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error, url: request.url }, "request failed");
    return reply.code(status).send({ error: error.code ?? "ERROR", message: status >= 500 ? "Internal server error (logged on the server)." : error.message, problems: null });
  });

  // Host allow-list, cross-origin refusal and the bearer token, on the routed path (src/http/guard.ts).
  registerGuard(app, { token: config.token, allowedHosts: [...config.allowedHosts, config.host] });
  app.get("/api/health", async () => ({ ok: true }));
  registerKickoffApi(app, services);

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      // One HTTP request may carry at most this many calls (a larger batch is a 400): an unbounded batch
      // of list queries once held gigabytes. The web app's client sends at most as many.
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      createContext: createContextFactory(services),
      onError({ error, path, input, req }) {
        const runId = runIdOf(input);
        const entry = { path, code: error.code, runId, err: error.code === "INTERNAL_SERVER_ERROR" ? (error.cause ?? error) : error.message };
        if (error.code === "INTERNAL_SERVER_ERROR") req.log.error(entry, "trpc call failed");
        else req.log.info(entry, "trpc call refused");
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  if (webDist) await app.register(fastifyStatic, { root: webDist, prefix: "/", wildcard: true });

  // Client-side routes: a browser navigating to an unknown page gets the app; API paths get a JSON 404.
  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url.startsWith("/api/") || request.url.startsWith("/trpc/");
    if (webDist && request.method === "GET" && !isApi && (request.headers.accept ?? "").includes("text/html")) {
      return reply.type("text/html").sendFile("index.html");
    }
    return reply.code(404).send({ error: "NOT_FOUND", message: `${request.method} ${request.url} not found`, problems: null });
  });

  return app;
}
