import { type FlowDefinition, FLOW_ROOTS, type MethodDefinition, emitLabels, isRouter, NAME_PATTERN } from "@crewflow/definition";
import { ActionEditor } from "./actions/ActionEditor";
import { ConditionField } from "./ConditionField";
import { assoc, asMapping, isMapping, removeAt, replaceAt, isTrue } from "./edit";
import { CelScopeProvider, CheckboxField, DraftField, FieldProblems, ProblemsProvider, Section, SelectField, TextField } from "./fields";
import { readFields } from "./flow/stateFields";
import { HumanFeedbackEditor } from "./HumanFeedbackEditor";
import { PersistFields } from "./PersistFields";
import type { Mapping, MethodInspectorProps } from "./types";

const EMPTY_START = { or: [] };

type StartMode = "no" | "yes" | "condition";

function startMode(start: unknown): StartMode {
  if (start === true) return "yes";
  if (isMapping(start) || (typeof start === "string" && start !== "")) return "condition";
  return "no";
}

/** Every field of one method: trigger, routing, action, human feedback, persistence. */
export function MethodInspector({ definition, name, problems, onChange, onRename, readOnly = false }: MethodInspectorProps) {
  const methods = asMapping((definition as Mapping).methods);
  const raw = methods[name];
  if (!isMapping(raw)) return <p className="cf-muted">There is no method named {name}.</p>;
  const method = raw;
  const path = `methods.${name}`;
  const setMethod = (next: Mapping): void =>
    onChange(assoc(definition, "methods", assoc(methods, name, next)) as FlowDefinition);
  const set = (key: string, value: unknown): void => setMethod(assoc(method, key, value));
  const mode = startMode(method.start);
  const router = isTrue(method.router);
  const emits = Array.isArray(method.emit) ? (method.emit as unknown[]).map((e) => (typeof e === "string" ? e : String(e))) : [];
  const scope = {
    stateFields: readFields(asMapping((definition as Mapping).state)).map((f) => f.name),
    methods: Object.keys(methods).filter((m) => m !== name),
  };
  return (
    <ProblemsProvider problems={problems} readOnly={readOnly}>
      <CelScopeProvider scope={scope}>
        <fieldset className="cf-inspector-form" disabled={readOnly}>
          <p className="cf-method-kind">{kindText(method)}</p>
          <Section title="Method">
            <DraftField<string>
              label="Method name"
              path={path}
              commitOn="blur"
              value={name}
              format={(v) => v}
              parse={(text) => {
                const next = text.trim();
                if (!NAME_PATTERN.test(next)) return { ok: false, error: "A method name is letters, digits and _ (not starting with a digit)" };
                if (next !== name && next in methods) return { ok: false, error: `There is already a method named '${next}'` };
                return { ok: true, value: next };
              }}
              onCommit={(to) => onRename(name, to)}
            />
            <TextField
              label="Description"
              path={`${path}.description`}
              multiline
              rows={2}
              value={typeof method.description === "string" ? method.description : ""}
              onChange={(v) => set("description", v === "" ? undefined : v)}
            />
          </Section>
          <Section title="Trigger">
            <SelectField
              label="Start"
              path={`${path}.start`}
              value={mode}
              choices={[
                { value: "no", label: "no (runs when its condition is met)" },
                { value: "yes", label: "yes (runs at kickoff)" },
                { value: "condition", label: "on a condition (conditional start)" },
              ]}
              onChange={(next) => set("start", next === "yes" ? true : next === "condition" ? EMPTY_START : undefined)}
            />
            {mode === "condition" && (
              <ConditionField
                label="Start condition"
                path={`${path}.start`}
                value={method.start}
                // Empty text keeps the method a conditional start (one that waits); "Start: no" ends that.
                empty={EMPTY_START}
                onChange={(v) => set("start", v)}
              />
            )}
            <ConditionField label="Listens to" path={`${path}.listen`} value={method.listen ?? undefined} onChange={(v) => set("listen", v)} />
            <CheckboxField
              label="Router"
              path={`${path}.router`}
              hint="The method's result is a label; listeners of that label run next."
              checked={router}
              onChange={(on) => set("router", on ? true : undefined)}
            />
            {(router || emits.length > 0) && (
              <fieldset className="cf-emits">
                <legend>Emits</legend>
                {emits.map((label, i) => (
                  <div key={i} className="cf-emit">
                    <TextField label={`Emit label ${i + 1}`} value={label} onChange={(v) => set("emit", replaceAt(emits, i, v))} />
                    <button
                      type="button"
                      className="cf-remove cf-icon"
                      title={`Remove emit label ${i + 1}`}
                      onClick={() => set("emit", emits.length > 1 ? removeAt(emits, i) : undefined)}
                    >
                      {/* Named by its text, not aria-label: a label search for "Emit label 1" must find only the textbox. */}
                      <span aria-hidden="true">×</span>
                      <span className="cf-visually-hidden">Remove emit label {i + 1}</span>
                    </button>
                  </div>
                ))}
                <button type="button" onClick={() => set("emit", [...emits, nextLabel(emits)])}>
                  Add emit label
                </button>
                <FieldProblems path={`${path}.emit`} />
              </fieldset>
            )}
          </Section>
          <Section title="Action">
            <ActionEditor
              action={method.do}
              path={`${path}.do`}
              roots={FLOW_ROOTS}
              prefix=""
              allowEach
              onChange={(next) => set("do", next)}
            />
          </Section>
          <Section title="Human feedback" open={isMapping(method.human_feedback)}>
            <HumanFeedbackEditor value={method.human_feedback} path={`${path}.human_feedback`} onChange={(v) => set("human_feedback", v)} />
          </Section>
          <Section title="Persistence" open={isMapping(method.persist)}>
            <PersistFields value={method.persist} path={`${path}.persist`} scope="method" onChange={(v) => set("persist", v)} />
          </Section>
        </fieldset>
      </CelScopeProvider>
    </ProblemsProvider>
  );
}

/** "start · router → yes, no": what the method is, as the canvas draws it. */
function kindText(method: Mapping): string {
  const typed = method as MethodDefinition;
  const roles = [startMode(method.start) === "yes" ? "start" : startMode(method.start) === "condition" ? "conditional start" : method.listen != null ? "listener" : "no trigger"];
  if (isRouter(typed)) roles.push(`router${emitLabels(typed).length ? ` → ${emitLabels(typed).join(", ")}` : ""}`);
  if (isMapping(method.human_feedback)) roles.push("human feedback");
  return `Kind: ${roles.join(" · ")}`;
}

function nextLabel(taken: readonly string[]): string {
  for (let n = 1; ; n++) if (!taken.includes(`label_${n}`)) return `label_${n}`;
}
