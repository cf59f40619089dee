// Request checks that run before any route, decided on what Fastify routed, never on the raw URL:
// `/%61pi/flows` routes to `/api/flows`, so a check on the raw string would let it through.
//
// 1. Host allow-list (DNS rebinding): a page on evil.example that re-resolves its name to 127.0.0.1
//    sends `Host: evil.example`. Loopback names, IP literals (rebinding needs a name) and the names in
//    `allowedHosts` pass; anything else gets 403 on every route.
// 2. Cross-origin requests to the API (`/api`, `/trpc`): browsers mark them with `Sec-Fetch-Site`
//    and `Origin`; either naming another origin is refused, whatever the method. Without CORS headers a
//    foreign page can send some requests without asking first (a form post, `no-cors` fetch, an image);
//    this refuses them before they do anything.
// 3. Bodies a browser may send cross-origin without a preflight (text/plain, forms) are refused on
//    state-changing API requests, so even a browser without those headers cannot post one.
// 4. The bearer token: every routed API route except the health check needs it (new routes included:
//    the list below is of the public ones). tRPC procedures check it again, per procedure.
import { isIP } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { bearer, tokenMatches } from "../api/trpc";

/** Routed API URLs (Fastify's route patterns) anyone may call. */
const PUBLIC_ROUTES = new Set(["/api/health"]);
/** tRPC checks the token per procedure as well (its context); refusing here keeps streams from opening. */
const TRPC_ROUTE_PREFIX = "/trpc/";

/** The `token` of tRPC's `connectionParams` query parameter (a JSON object), if any. */
function connectionParamsToken(query: unknown): string | null {
  const text = query !== null && typeof query === "object" ? (query as Record<string, unknown>).connectionParams : undefined;
  if (typeof text !== "string" || text.length > 10_000) return null;
  try {
    const params: unknown = JSON.parse(text);
    const token = params !== null && typeof params === "object" ? (params as Record<string, unknown>).token : undefined;
    return typeof token === "string" ? token : null;
  } catch {
    return null;
  }
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);
/** Content types a browser sends cross-origin without a CORS preflight. */
const SIMPLE_CONTENT_TYPES = new Set(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface GuardOptions {
  /** Bearer token for `/api` routes (null: none needed). */
  token: string | null;
  /** Host names (no port) besides loopback names and IP literals; `*` allows any. */
  allowedHosts: readonly string[];
}

/** `Host`'s name without port or brackets, lower-cased; null when the header is missing or malformed. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  const plain = /^([a-z0-9._-]+)(?::\d+)?$/.exec(value);
  return plain ? plain[1]! : null;
}

export function hostAllowed(header: string | undefined, allowedHosts: readonly string[]): boolean {
  const name = hostName(header);
  if (name === null) return false;
  if (allowedHosts.includes("*")) return true;
  if (LOOPBACK_NAMES.has(name) || name.endsWith(".localhost") || isIP(name) !== 0) return true;
  return allowedHosts.some((allowed) => allowed.toLowerCase() === name);
}

/** Whether a browser marked the request as coming from a page of another origin. */
function crossOrigin(request: FastifyRequest): string | null {
  const site = request.headers["sec-fetch-site"];
  if (typeof site === "string" && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site: ${site}`;
  const origin = request.headers.origin;
  if (typeof origin === "string") {
    let originHost: string | null;
    try {
      originHost = origin === "null" ? null : new URL(origin).host.toLowerCase();
    } catch {
      originHost = null;
    }
    if (originHost === null || originHost !== (request.headers.host ?? "").trim().toLowerCase()) return `Origin: ${origin}`;
  }
  return null;
}

const isApiRoute = (route: string | undefined): route is string =>
  route !== undefined && (route.startsWith("/api/") || route.startsWith(TRPC_ROUTE_PREFIX));

function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).send({ error, message, problems: null });
}

export function registerGuard(app: FastifyInstance, options: GuardOptions): void {
  app.addHook("onRequest", async (request, reply) => {
    if (!hostAllowed(request.headers.host, options.allowedHosts)) {
      return refuse(
        reply,
        403,
        "FORBIDDEN",
        `Host ${JSON.stringify(request.headers.host ?? "")} is not allowed: add its name to CREWFLOW_ALLOWED_HOSTS to serve it.`,
      );
    }
    // The pattern Fastify matched (after decoding the path); undefined when nothing matched.
    const route = request.routeOptions.url;
    if (!isApiRoute(route)) return;

    const foreign = crossOrigin(request);
    if (foreign) return refuse(reply, 403, "FORBIDDEN", `Cross-origin requests to the API are refused (${foreign}).`);

    if (!SAFE_METHODS.has(request.method)) {
      const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (SIMPLE_CONTENT_TYPES.has(type))
        return refuse(reply, 415, "UNSUPPORTED_MEDIA_TYPE", `Content-Type ${type} is not accepted: send application/json or application/yaml.`);
    }

    if (PUBLIC_ROUTES.has(route)) return;
    // Browsers' EventSource cannot send headers: tRPC subscriptions carry the token in connectionParams.
    const presented = bearer(request.headers.authorization) ?? (route.startsWith(TRPC_ROUTE_PREFIX) ? connectionParamsToken(request.query) : null);
    if (tokenMatches(presented, options.token)) return;
    reply.header("www-authenticate", 'Bearer realm="crewflow"');
    return refuse(reply, 401, "UNAUTHORIZED", "A valid bearer token is required (Authorization: Bearer …).");
  });
}
