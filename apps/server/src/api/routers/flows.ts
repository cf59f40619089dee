// flows: documents and their immutable versions. Saves name the version they were based on (a stale
// one is a CONFLICT); delete is a recoverable soft delete (restore undoes it).
import type { JsonValue } from "@crewflow/runtime";
import { DEFAULT_PAGE, flowsInput } from "../schemas";
import { createTRPCRouter, procedure } from "../trpc";

export const flowsRouter = createTRPCRouter({
  /** One page of flows by name; `nextCursor` fetches the next page. */
  list: procedure
    .input(flowsInput.list)
    .query(({ ctx, input }) => ctx.services.flows.list({ includeDeleted: input?.includeDeleted ?? false, limit: input?.limit ?? DEFAULT_PAGE, cursor: input?.cursor })),

  /** A flow with one version's text (the head unless `version` is given) and its mapping as written. */
  get: procedure.input(flowsInput.get).query(async ({ ctx, input }) => {
    const flow = await ctx.services.flows.require(input.flowId);
    const loaded = await ctx.services.flows.load(flow, input.version);
    return { flow, version: loaded.version, text: loaded.text, data: (await ctx.services.flows.writtenData(loaded)) as JsonValue };
  }),

  create: procedure.input(flowsInput.create).mutation(({ ctx, input }) => ctx.services.flows.create(input)),

  save: procedure.input(flowsInput.save).mutation(({ ctx, input }) => ctx.services.flows.save(input)),

  /** The flow and one page of its versions, newest first; `nextCursor` fetches the next page. */
  versions: procedure.input(flowsInput.versions).query(async ({ ctx, input }) => {
    const flow = await ctx.services.flows.require(input.flowId);
    return { flow, ...(await ctx.services.flows.versions(flow.id, { limit: input.limit ?? DEFAULT_PAGE, cursor: input.cursor })) };
  }),

  diffVersions: procedure.input(flowsInput.diffVersions).query(({ ctx, input }) => ctx.services.flows.diffVersions(input)),

  delete: procedure.input(flowsInput.delete).mutation(({ ctx, input }) => ctx.services.flows.setDeleted(input.flowId, true)),

  restore: procedure.input(flowsInput.restore).mutation(({ ctx, input }) => ctx.services.flows.setDeleted(input.flowId, false)),

  importYaml: procedure
    .input(flowsInput.importYaml)
    .mutation(({ ctx, input }) => ctx.services.flows.importYaml({ yaml: input.yaml, replace: input.replace ?? false })),

  exportYaml: procedure.input(flowsInput.exportYaml).query(({ ctx, input }) => ctx.services.flows.exportYaml(input)),

  /** Diagnostics with paths: the loader's and this server's ref policy (nothing is saved). */
  validate: procedure.input(flowsInput.validate).query(async ({ ctx, input }) => {
    const { definition: _definition, ...result } = await ctx.services.flows.validate(input.text);
    return result;
  }),
});
