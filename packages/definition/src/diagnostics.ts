/** One problem found in a flow document, located by a dotted path (`methods.route.do.expr`). */
export interface Diagnostic {
  path: string;
  message: string;
  severity: "error" | "warning";
  /** A stable machine-readable code for warnings (`emit_without_router`, `unknown_label`, …). */
  code?: string;
}

/** `["methods", "a", "do", "do", 0, "if"]` → `methods.a.do.do[0].if`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += (out ? "." : "") + String(part);
  }
  return out;
}

export function error(path: string, message: string, code?: string): Diagnostic {
  return code ? { path, message, severity: "error", code } : { path, message, severity: "error" };
}

export function warning(path: string, message: string, code: string): Diagnostic {
  return { path, message, severity: "warning", code };
}
