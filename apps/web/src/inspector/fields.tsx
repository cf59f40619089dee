// Form building blocks of the inspector: every control has a visible <label>, shows the problems
// whose path is its own under it, and parse errors of what is being typed in role="alert".
import { validateExpression, validateTemplate } from "@crewflow/definition";
import { createContext, type ReactNode, useContext, useId, useState } from "react";
import { jsonText } from "./edit";
import type { Problem } from "./types";

const ProblemsContext = createContext<readonly Problem[]>([]);
const ReadOnlyContext = createContext(false);

/** What CEL in this flow can read, for hints: state fields and method names (`outputs.<name>`). */
export interface CelScope {
  stateFields: readonly string[];
  methods: readonly string[];
}
const CelScopeContext = createContext<CelScope>({ stateFields: [], methods: [] });

export function CelScopeProvider({ scope, children }: { scope: CelScope; children: ReactNode }) {
  return <CelScopeContext.Provider value={scope}>{children}</CelScopeContext.Provider>;
}

/** "state.topic, state.audience, outputs.research …" (a few, for a hint under CEL fields). */
function useCelHint(roots: readonly string[]): string {
  const scope = useContext(CelScopeContext);
  const names = [
    ...(roots.includes("item") ? ["item"] : []),
    ...scope.stateFields.map((f) => `state.${f}`),
    ...scope.methods.map((m) => `outputs.${m}`),
  ];
  const shown = names.slice(0, 6).join(", ");
  return names.length ? `CEL; can read ${shown}${names.length > 6 ? ", …" : ""}` : `CEL over ${roots.join(", ")}`;
}

/**
 * What every field reads: the definition's problems and whether editing is off. (The inspector's
 * <fieldset disabled> also disables its buttons; the flag makes each control say so itself.)
 */
export function ProblemsProvider({ problems, readOnly = false, children }: { problems: readonly Problem[]; readOnly?: boolean; children: ReactNode }) {
  return (
    <ProblemsContext.Provider value={problems}>
      <ReadOnlyContext.Provider value={readOnly}>{children}</ReadOnlyContext.Provider>
    </ProblemsContext.Provider>
  );
}

function useReadOnly(): boolean {
  return useContext(ReadOnlyContext);
}

/** Problems located exactly at `path`. */
export function useProblemsAt(path: string | undefined): Problem[] {
  const problems = useContext(ProblemsContext);
  return path === undefined ? [] : problems.filter((p) => p.path === path);
}

/** The definition's problems at `path` under a field (not alerts: they are already known, not news). */
export function FieldProblems({ path, skip }: { path: string | undefined; skip?: string | null }) {
  const problems = useProblemsAt(path).filter((p) => p.message !== skip);
  if (problems.length === 0) return null;
  return (
    <ul className="cf-field-problems">
      {problems.map((p, i) => (
        <li key={i} className={`cf-field-${p.severity}`}>
          {p.message}
        </li>
      ))}
    </ul>
  );
}

/** An error about what the user is typing right now. */
export function FieldAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="cf-field-alert">
      {message}
    </p>
  );
}

interface FieldProps {
  label: string;
  /** The definition path the field edits; problems there are shown under it. */
  path?: string;
  hint?: string;
}

function Hint({ text }: { text: string | undefined }) {
  return text ? <small className="cf-hint">{text}</small> : null;
}

export function TextField({
  label,
  value,
  onChange,
  path,
  hint,
  multiline = false,
  placeholder,
  rows = 3,
}: FieldProps & {
  value: string | null | undefined;
  onChange: (value: string) => void;
  multiline?: boolean;
  placeholder?: string;
  rows?: number;
}) {
  const id = useId();
  const disabled = useReadOnly();
  return (
    <div className="cf-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea id={id} disabled={disabled} rows={rows} value={value ?? ""} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input id={id} disabled={disabled} type="text" value={value ?? ""} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
      )}
      <Hint text={hint} />
      <FieldProblems path={path} />
    </div>
  );
}

/**
 * A text field whose text is checked before it reaches the definition (names, conditions, numbers).
 * The draft stays local while it does not parse; a new value from outside (undo) replaces it.
 */
export function DraftField<T>({
  label,
  value,
  format,
  parse,
  onCommit,
  path,
  hint,
  multiline = false,
  rows = 4,
  commitOn = "change",
  placeholder,
}: FieldProps & {
  value: T;
  format: (value: T) => string;
  /** The parsed value, or an error message. */
  parse: (text: string) => { ok: true; value: T } | { ok: false; error: string };
  onCommit: (value: T) => void;
  multiline?: boolean;
  rows?: number;
  /** "blur": commit on leaving the field or Enter (for edits with far-reaching effects, like renames). */
  commitOn?: "change" | "blur";
  placeholder?: string;
}) {
  const id = useId();
  const disabled = useReadOnly();
  const external = format(value);
  const [draft, setDraft] = useState(external);
  const [shown, setShown] = useState(external);
  const [error, setError] = useState<string | null>(null);
  if (external !== shown) {
    // The value changed outside this field: show it unless the draft already means the same.
    setShown(external);
    const current = parse(draft);
    if (!current.ok || format(current.value) !== external) {
      setDraft(external);
      setError(null);
    }
  }
  const check = (text: string): void => {
    const parsed = parse(text);
    setError(parsed.ok ? null : parsed.error);
    if (parsed.ok && format(parsed.value) !== external) onCommit(parsed.value);
  };
  const change = (text: string): void => {
    setDraft(text);
    if (commitOn === "change") check(text);
    else setError(null);
  };
  const common = {
    id,
    disabled,
    value: draft,
    placeholder,
    "aria-invalid": error ? true : undefined,
    onBlur: commitOn === "blur" ? () => check(draft) : undefined,
  };
  return (
    <div className="cf-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={rows} spellCheck={false} onChange={(e) => change(e.target.value)} />
      ) : (
        <input
          {...common}
          type="text"
          onChange={(e) => change(e.target.value)}
          onKeyDown={commitOn === "blur" ? (e) => e.key === "Enter" && check(draft) : undefined}
        />
      )}
      <Hint text={hint} />
      <FieldAlert message={error} />
      <FieldProblems path={path} />
    </div>
  );
}

/** An optional integer; empty removes it. */
export function IntegerField({
  label,
  value,
  onChange,
  path,
  hint,
}: FieldProps & { value: unknown; onChange: (value: number | undefined) => void }) {
  return (
    <DraftField<number | undefined>
      label={label}
      path={path}
      hint={hint}
      value={typeof value === "number" ? value : typeof value === "string" && value.trim() ? Number(value) : undefined}
      format={(v) => (v === undefined ? "" : String(v))}
      parse={(text) => {
        if (!text.trim()) return { ok: true, value: undefined };
        return /^\s*[-+]?\d+\s*$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, error: `${label} must be a whole number` };
      }}
      onCommit={onChange}
    />
  );
}

/** A JSON value in a textarea; parse errors show as you type, only valid JSON is committed. */
export function JsonField({
  label,
  value,
  onChange,
  path,
  hint,
  rows = 5,
  validate,
  expect = "any",
}: FieldProps & {
  value: unknown;
  onChange: (value: unknown) => void;
  rows?: number;
  /** An extra check of the parsed value (e.g. the zod schema of the field): an error message or null. */
  validate?: (value: unknown) => string | null;
  expect?: "any" | "object" | "array";
}) {
  return (
    <DraftField<unknown>
      label={label}
      path={path}
      hint={hint}
      multiline
      rows={rows}
      value={value}
      format={jsonText}
      parse={(text) => {
        if (!text.trim()) return { ok: true, value: undefined };
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          return { ok: false, error: `${label}: invalid JSON (${e instanceof Error ? e.message : String(e)})` };
        }
        if (expect === "object" && (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)))
          return { ok: false, error: `${label} must be a JSON object ({…})` };
        if (expect === "array" && !Array.isArray(parsed)) return { ok: false, error: `${label} must be a JSON list ([…])` };
        const problem = validate?.(parsed) ?? null;
        return problem ? { ok: false, error: problem } : { ok: true, value: parsed };
      }}
      onCommit={onChange}
    />
  );
}

/** A list of strings, one per line (empty lines dropped; an empty list removes the key). */
export function LinesField({
  label,
  value,
  onChange,
  path,
  hint,
}: FieldProps & { value: readonly string[] | null | undefined; onChange: (value: string[] | undefined) => void }) {
  return (
    <DraftField<string[] | undefined>
      label={label}
      path={path}
      hint={hint ?? "One per line."}
      multiline
      rows={3}
      value={value ? [...value] : undefined}
      format={(v) => (v ?? []).join("\n")}
      parse={(text) => {
        const lines = text
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean);
        return { ok: true, value: lines.length ? lines : undefined };
      }}
      onCommit={onChange}
    />
  );
}

/**
 * A list whose items may be strings or mappings (tools, guardrails, MCP servers): one string per line
 * while all items are strings, JSON as soon as one is not.
 */
export function MixedListField({
  label,
  value,
  onChange,
  path,
  hint,
}: FieldProps & { value: readonly unknown[] | null | undefined; onChange: (value: unknown[] | undefined) => void }) {
  const list = value ?? [];
  if (list.every((item) => typeof item === "string"))
    return <LinesField label={label} path={path} hint={hint} value={list as string[]} onChange={onChange} />;
  return (
    <JsonField
      label={label}
      path={path}
      hint={hint}
      expect="array"
      value={list}
      onChange={(next) => onChange(Array.isArray(next) && next.length ? next : undefined)}
    />
  );
}

export function CheckboxField({
  label,
  checked,
  onChange,
  path,
  hint,
}: FieldProps & { checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  const disabled = useReadOnly();
  return (
    <div className="cf-field cf-field-check">
      <input id={id} disabled={disabled} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
      <Hint text={hint} />
      <FieldProblems path={path} />
    </div>
  );
}

export interface Choice {
  value: string;
  label: string;
}

export function SelectField({
  label,
  value,
  choices,
  onChange,
  path,
  hint,
}: FieldProps & { value: string; choices: readonly Choice[]; onChange: (value: string) => void }) {
  const id = useId();
  const disabled = useReadOnly();
  const known = choices.some((c) => c.value === value);
  return (
    <div className="cf-field">
      <label htmlFor={id}>{label}</label>
      <select id={id} disabled={disabled} value={value} onChange={(e) => onChange(e.target.value)}>
        {!known && <option value={value}>{value || "(none)"}</option>}
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <Hint text={hint} />
      <FieldProblems path={path} />
    </div>
  );
}

/**
 * An explicit CEL expression (`expr`, `each.in`, a step's `if`): checked as you type with the
 * definition package's checker (parse + allowed roots), the same one the loader runs.
 */
export function CelField({
  label,
  value,
  onChange,
  path,
  roots,
  hint,
  multiline = false,
}: FieldProps & {
  path: string;
  value: string | null | undefined;
  onChange: (value: string) => void;
  roots: readonly string[];
  multiline?: boolean;
}) {
  const id = useId();
  const disabled = useReadOnly();
  const scopeHint = useCelHint(roots);
  const error = validateExpression(value ?? "", roots, path);
  return (
    <div className="cf-field cf-field-cel">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea
          id={id}
          disabled={disabled}
          rows={3}
          spellCheck={false}
          value={value ?? ""}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <input
          id={id}
          disabled={disabled}
          type="text"
          spellCheck={false}
          value={value ?? ""}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      <Hint text={hint ?? scopeHint} />
      <FieldAlert message={error} />
      <FieldProblems path={path} skip={error} />
    </div>
  );
}

/** A text whose `${…}` parts are CEL (an agent's input, crew inputs): each part checked as you type. */
export function TemplateField({
  label,
  value,
  onChange,
  path,
  roots,
  hint,
  rows = 3,
}: FieldProps & {
  path: string;
  value: string | null | undefined;
  onChange: (value: string) => void;
  roots: readonly string[];
  rows?: number;
}) {
  const id = useId();
  const disabled = useReadOnly();
  const errors = validateTemplate(value ?? "", roots, path);
  const shown = errors.join("\n") || null;
  return (
    <div className="cf-field cf-field-cel">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        disabled={disabled}
        rows={rows}
        value={value ?? ""}
        aria-invalid={shown ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <Hint text={hint ?? "Text; ${…} parts are CEL, e.g. ${state.topic}"} />
      <FieldAlert message={shown} />
      <FieldProblems path={path} skip={errors.length === 1 ? errors[0] : null} />
    </div>
  );
}

/** A group of fields, collapsible; `open` only decides how it starts (the user's toggling wins after). */
export function Section({
  title,
  children,
  open = true,
  className,
}: {
  title: ReactNode;
  children: ReactNode;
  open?: boolean;
  className?: string;
}) {
  const [initiallyOpen] = useState(open);
  return (
    <details className={`cf-section ${className ?? ""}`} open={initiallyOpen}>
      <summary>{title}</summary>
      <div className="cf-section-body">{children}</div>
    </details>
  );
}
