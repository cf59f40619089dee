// The HTTP API for callers that are not TypeScript, in CrewAI AMP's shape: kick a flow off with
// inputs, poll the run's status and result, resume it with feedback. Plus `POST /api/flows` to add a
// flow from a YAML body. Same services, same checks and errors as the tRPC API.
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type Problem, ProblemsError, badRequest, fromLibraryError } from "../core/errors";
import type { Services } from "../core/services";
import type { RunView } from "../core/runs";
import { flowText, id, inputs } from "../api/schemas";
import { issueProblems } from "../api/trpc";

export const kickoffBody = z.strictObject({ inputs: inputs.optional() }).nullish();
export const resumeBody = z.strictObject({ feedback: z.string().max(100_000).optional() }).nullish();
const params = z.strictObject({ id });
const runQuery = z.strictObject({ wait: z.coerce.number().min(0).max(60).optional() });
const flowQuery = z.strictObject({ replace: z.enum(["0", "1", "true", "false"]).optional() });

/** The run as AMP-style callers poll it: status, result (the flow's output) and the open question, if any. */
export function runStatusBody(run: RunView) {
  return {
    runId: run.runId,
    status: run.status,
    result: run.output,
    error: run.error,
    flow: run.flowName,
    flowId: run.flowId,
    version: run.version,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    pending: run.pending ? { method: run.pending.method, message: run.pending.message, emit: run.pending.emit } : null,
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = issueProblems(result.error.issues).map((p) => ({ ...p, path: p.path ? `${where}.${p.path}` : where }));
  throw badRequest(`Invalid ${where}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems);
}

function send(reply: FastifyReply, request: FastifyRequest, err: unknown, runId?: string): FastifyReply {
  const error = err instanceof TRPCError ? err : fromLibraryError(err);
  const status = getHTTPStatusCodeFromError(error);
  const internal = error.code === "INTERNAL_SERVER_ERROR";
  const problems: Problem[] | null = error.cause instanceof ProblemsError ? [...error.cause.problems] : null;
  const log = { runId, url: request.url, code: error.code, err: internal ? (error.cause ?? error) : error.message };
  if (internal) request.log.error(log, "request failed");
  else request.log.info(log, "request refused");
  return reply.code(status).send({ error: error.code, message: internal ? "Internal server error (logged on the server)." : error.message, problems });
}

export function registerKickoffApi(app: FastifyInstance, services: Services): void {
  app.addContentTypeParser(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"], { parseAs: "string" }, (_req, body, done) =>
    done(null, body),
  );

  /** Adds a flow from its YAML (or JSON) text; `?replace=1` saves it as a new version of the flow of that name. */
  app.post("/api/flows", async (request, reply) => {
    try {
      const query = parse(flowQuery, request.query, "query");
      const yaml = parse(flowText, request.body, "body");
      const result = await services.flows.importYaml({ yaml, replace: query.replace === "1" || query.replace === "true" });
      return reply
        .code(result.created ? 201 : 200)
        .send({ flowId: result.flow.id, name: result.flow.name, version: result.flow.head.number, warnings: result.warnings });
    } catch (err) {
      return send(reply, request, err);
    }
  });

  app.post("/api/flows/:id/kickoff", async (request, reply) => {
    try {
      const { id: flow } = parse(params, request.params, "params");
      const body = parse(kickoffBody, request.body ?? null, "body");
      const started = await services.runs.start({ flowId: flow, inputs: body?.inputs });
      return reply.code(202).send(started);
    } catch (err) {
      return send(reply, request, err);
    }
  });

  /** `?wait=SECONDS` (at most 60) holds the answer until the run stops running, or the time is up. */
  app.get("/api/runs/:id", async (request, reply) => {
    let runId: string | undefined;
    try {
      runId = parse(params, request.params, "params").id;
      const query = parse(runQuery, request.query, "query");
      if (query.wait) await services.runs.settle(runId, query.wait * 1000);
      return reply.send(runStatusBody(await services.runs.get(runId)));
    } catch (err) {
      return send(reply, request, err, runId);
    }
  });

  /** Answers a paused run's question (`feedback`), or continues an interrupted or failed run. */
  app.post("/api/runs/:id/resume", async (request, reply) => {
    let runId: string | undefined;
    try {
      runId = parse(params, request.params, "params").id;
      const body = parse(resumeBody, request.body ?? null, "body");
      const run = await services.runs.get(runId);
      const resumed =
        run.status === "paused" && body?.feedback !== undefined
          ? await services.runs.submitFeedback({ runId, feedback: body.feedback })
          : await services.runs.resume({ runId, ...(body?.feedback !== undefined ? { feedback: body.feedback } : {}) });
      return reply.code(202).send(resumed);
    } catch (err) {
      return send(reply, request, err, runId);
    }
  });
}
