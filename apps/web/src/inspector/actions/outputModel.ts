import { outputModelSchema } from "@crewflow/definition";

/** The definition's own check of a structured-output model (JSON Schema or `{python: "module.Model"}`). */
export function outputModelProblem(value: unknown): string | null {
  const parsed = outputModelSchema.safeParse(value);
  return parsed.success ? null : parsed.error.issues.map((issue) => issue.message).join("; ");
}
