import { z } from "zod";

// Crewflow's own data under the top-level `x-crewflow` key (CrewAI ignores it). Every part is
// optional and unknown keys are ignored, so older and newer Crewflow versions read each other's files.

/** A method node's place on the canvas, keyed by method name. */
export const nodeLayoutSchema = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
  collapsed: z.boolean().optional(),
});
export type NodeLayout = z.output<typeof nodeLayoutSchema>;

export const viewportSchema = z.object({
  x: z.number(),
  y: z.number(),
  zoom: z.number().positive(),
});
export type Viewport = z.output<typeof viewportSchema>;

/** A free-standing sticky note on the canvas. */
export const canvasNoteSchema = z.object({
  id: z.string(),
  text: z.string(),
  x: z.number(),
  y: z.number(),
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
});
export type CanvasNote = z.output<typeof canvasNoteSchema>;

/** A labelled group of methods (by method name). */
export const methodGroupSchema = z.object({
  id: z.string(),
  label: z.string(),
  members: z.array(z.string()),
});
export type MethodGroup = z.output<typeof methodGroupSchema>;

export const CREWFLOW_EXTENSION_VERSION = 1;

export const crewflowExtensionSchema = z.object({
  version: z.literal(CREWFLOW_EXTENSION_VERSION).optional(),
  nodes: z.record(z.string(), nodeLayoutSchema).optional(),
  viewport: viewportSchema.optional(),
  notes: z.array(canvasNoteSchema).optional(),
  groups: z.array(methodGroupSchema).optional(),
});
export type CrewflowExtension = z.output<typeof crewflowExtensionSchema>;
