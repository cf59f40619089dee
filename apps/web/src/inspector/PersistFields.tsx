import { assoc, asMapping, isMapping, isTrue } from "./edit";
import { CheckboxField, SelectField } from "./fields";

/**
 * `persist` (CrewAI §4: `enabled` defaults to false). Flow level: on/off. Method level: inherit the
 * flow's, or its own block, which overrides the flow's even when off. Other keys (the persistence
 * backend) are kept.
 */
export function PersistFields({
  value,
  path,
  scope,
  onChange,
}: {
  value: unknown;
  path: string;
  scope: "flow" | "method";
  onChange: (next: unknown) => void;
}) {
  const persist = asMapping(value);
  const enabled = isMapping(value) && isTrue(persist.enabled);
  const turnOff = (): unknown => {
    const rest = assoc(assoc(persist, "enabled", undefined), "verbose", undefined);
    return Object.keys(rest).length ? assoc(persist, "enabled", false) : undefined;
  };
  return (
    <>
      {scope === "flow" ? (
        <CheckboxField
          label="Persist state"
          path={path}
          hint="Save the state after every method (methods may opt out)."
          checked={enabled}
          onChange={(on) => onChange(on ? assoc(persist, "enabled", true) : turnOff())}
        />
      ) : (
        <SelectField
          label="Persist state"
          path={path}
          value={!isMapping(value) ? "inherit" : enabled ? "on" : "off"}
          choices={[
            { value: "inherit", label: "as the flow says" },
            { value: "on", label: "after this method" },
            { value: "off", label: "never for this method" },
          ]}
          onChange={(mode) => onChange(mode === "inherit" ? undefined : assoc(persist, "enabled", mode === "on"))}
        />
      )}
      {enabled && (
        <CheckboxField
          label="Verbose persistence"
          path={`${path}.verbose`}
          checked={isTrue(persist.verbose)}
          onChange={(v) => onChange(assoc(persist, "verbose", v ? true : undefined))}
        />
      )}
    </>
  );
}
