// Input schemas of the API. Objects are strict (an unknown key is a BAD_REQUEST naming it), ids and
// texts are bounded. JSON values (inputs, patch values) are zod's JSON type, as the runtime's JsonValue.
import { z } from "zod";
import { RUN_STATUSES } from "../core/statuses";

export const MAX_TEXT = 2_000_000;

export const id = z.string().min(1).max(200);
export const jsonValue = z.json();
/** Run inputs: a JSON object (the state schema is checked when the run starts). */
export const inputs = z.record(z.string().max(200), jsonValue);
export const flowText = z.string().min(1).max(MAX_TEXT);
export const versionNumber = z.int().min(1).max(1_000_000_000);
export const flowName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]+$/u, "must not contain control characters");

/** A step: its number in the run's step log, or the seq of the event that ended it. */
export const stepAt = z.union([z.strictObject({ step: z.int().min(1) }), z.strictObject({ seq: z.int().min(1) })]);

/** One RFC 6902 operation of a fork's state patch (what store-prisma records as the fork's patch). */
export const patchOperation = z.union([
  z.strictObject({ op: z.enum(["add", "replace"]), path: z.string().min(1).max(1000), value: jsonValue }),
  z.strictObject({ op: z.literal("remove"), path: z.string().min(1).max(1000) }),
]);
/** `path=value` assignments, as the CLI's `--set` (turned into a patch against the step's state). */
export const assignment = z.strictObject({ path: z.string().min(1).max(1000), value: jsonValue });

/** Lists come in pages: at most `limit` items (default `DEFAULT_PAGE`), then `nextCursor` for the next page. */
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;
export const pageLimit = z.int().min(1, "must be at least 1").max(MAX_PAGE, `must be at most ${MAX_PAGE}`);
/** A previous page's `nextCursor`, unchanged (the store checks it). */
export const pageCursor = z.string().min(1).max(1000);

export const runStatus = z.enum(RUN_STATUSES);
export const isoTime = z.iso.datetime({ offset: true });

export const flowsInput = {
  list: z.strictObject({ includeDeleted: z.boolean().optional(), limit: pageLimit.optional(), cursor: pageCursor.optional() }).optional(),
  get: z.strictObject({ flowId: id, version: versionNumber.optional() }),
  create: z.union([z.strictObject({ text: flowText }), z.strictObject({ name: flowName })]),
  save: z.strictObject({ flowId: id, baseVersion: versionNumber, text: flowText }),
  versions: z.strictObject({ flowId: id, limit: pageLimit.optional(), cursor: pageCursor.optional() }),
  diffVersions: z.strictObject({ flowId: id, from: versionNumber, to: versionNumber }),
  delete: z.strictObject({ flowId: id }),
  restore: z.strictObject({ flowId: id }),
  importYaml: z.strictObject({ yaml: flowText, replace: z.boolean().optional() }),
  exportYaml: z.strictObject({ flowId: id, version: versionNumber.optional() }),
  validate: z.strictObject({ text: flowText }),
};

export const runsInput = {
  start: z.strictObject({ flowId: id, version: versionNumber.optional(), inputs: inputs.optional() }),
  cancel: z.strictObject({ runId: id }),
  resume: z.strictObject({ runId: id, feedback: z.string().max(100_000).optional() }),
  fork: z.strictObject({
    runId: id,
    at: stepAt,
    patch: z.array(patchOperation).max(1000).optional(),
    set: z.array(assignment).max(1000).optional(),
  }),
  replay: z.strictObject({ runId: id }),
  list: z
    .strictObject({
      flowId: id.optional(),
      status: runStatus.optional(),
      since: isoTime.optional(),
      until: isoTime.optional(),
      limit: pageLimit.optional(),
      cursor: id.optional(),
    })
    .optional(),
  get: z.strictObject({ runId: id }),
  steps: z.strictObject({ runId: id }),
  stateAt: z.strictObject({ runId: id, at: stepAt.optional() }),
  diffSteps: z.strictObject({ runId: id, from: stepAt, to: stepAt }),
  diffRuns: z.strictObject({ left: id, right: id }),
  lineage: z.strictObject({ runId: id }),
};

export const feedbackInput = {
  pending: z.strictObject({ flowId: id.optional(), limit: pageLimit.optional(), cursor: pageCursor.optional() }).optional(),
  submit: z.strictObject({ runId: id, feedback: z.string().max(100_000) }),
};

export const eventsInput = {
  live: z.strictObject({ runId: id }),
  /** `lastEventId` is the seq of the last event received; tRPC's client sends it back on reconnect. */
  run: z.strictObject({
    runId: id,
    lastEventId: z
      .string()
      .regex(/^\d{1,12}$/, "must be the seq of an event")
      .nullish(),
  }),
};
