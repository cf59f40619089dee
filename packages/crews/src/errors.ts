// Python exception names are kept as `name`, so `--json` errors and the run log read like CrewAI's.
export function namedError(name: string, message: string, cause?: unknown): Error {
  const error = cause === undefined ? new Error(message) : new Error(message, { cause });
  error.name = name;
  return error;
}

export const valueError = (message: string, cause?: unknown): Error => namedError("ValueError", message, cause);

/** Raised by a hook to block a call (CrewAI's `HookAborted`); returning `false` does the same. */
export class HookAborted extends Error {
  override name = "HookAborted";
}
