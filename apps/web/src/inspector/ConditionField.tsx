import { formatCondition, mergeCondition, parseCondition } from "./condition";
import { DraftField } from "./fields";

/** A listen/start condition typed as `a`, `or(a, b)` or `and(a, or(b, c))`; committed once it parses. */
export function ConditionField({
  label,
  path,
  value,
  onChange,
  hint,
  empty,
}: {
  label: string;
  path: string;
  value: unknown;
  onChange: (value: unknown) => void;
  hint?: string;
  /** The value empty text stands for (default: no condition). */
  empty?: unknown;
}) {
  const isEmpty = (v: unknown): boolean => empty !== undefined && JSON.stringify(v) === JSON.stringify(empty);
  return (
    <DraftField<unknown>
      label={label}
      path={path}
      hint={hint ?? "A method or router label, or and(…) / or(…) of them."}
      placeholder="e.g. or(research, retry)"
      value={value}
      format={(v) => (isEmpty(v) ? "" : formatCondition(v))}
      parse={(text) => (!text.trim() && empty !== undefined ? { ok: true, value: empty } : parseCondition(text))}
      onCommit={(next) => onChange(mergeCondition(next, value))}
    />
  );
}
