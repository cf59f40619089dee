import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";

/** Where `pnpm --filter @crewflow/web build` writes the web app. */
export const DEFAULT_WEB_DIST = resolve(dirname(fileURLToPath(import.meta.url)), "../../web/dist");

export type CreateServerOptions = {
  /** The built web app (a folder holding index.html). */
  webDist?: string;
  logger?: FastifyServerOptions["logger"];
};

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

/** Builds the HTTP server: the web app's static files plus the JSON API under /api. Not yet listening. */
export async function createServer(options: CreateServerOptions = {}): Promise<FastifyInstance> {
  const webDist = resolve(options.webDist ?? DEFAULT_WEB_DIST);
  assertWebDist(webDist);

  const app = Fastify({
    logger: options.logger ?? false,
    // tRPC batch calls put every procedure name in one path segment (STACK.md §4).
    routerOptions: { maxParamLength: 5000 },
  });

  app.get("/api/health", async () => ({ ok: true }));

  await app.register(fastifyStatic, { root: webDist, prefix: "/", wildcard: true });

  // Client-side routes: a browser navigating to an unknown page gets the app; API paths get a JSON 404.
  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url.startsWith("/api/") || request.url.startsWith("/trpc/");
    if (request.method === "GET" && !isApi && (request.headers.accept ?? "").includes("text/html")) {
      return reply.type("text/html").sendFile("index.html");
    }
    return reply.code(404).send({ error: "Not Found", message: `${request.method} ${request.url} not found` });
  });

  return app;
}
