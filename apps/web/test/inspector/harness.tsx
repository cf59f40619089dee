// Renders an inspector the way the editor does: the definition lives in the parent, every
// onChange replaces it, and problems are recomputed from it. Records what the inspector sent.
import type { FlowDefinition } from "@crewflow/definition";
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { FlowInspector, MethodInspector, problemsOf } from "../../src/inspector";

export interface Recorded {
  changes: FlowDefinition[];
  renames: [string, string][];
  /** The latest definition (the input when nothing changed). */
  latest: () => FlowDefinition;
}

export function renderMethod(initial: unknown, name: string, readOnly = false) {
  const recorded = record(initial);
  function Harness() {
    const [definition, setDefinition] = useState(initial as FlowDefinition);
    return (
      <MethodInspector
        definition={definition}
        name={name}
        problems={problemsOf(definition)}
        readOnly={readOnly}
        onChange={(next) => {
          recorded.changes.push(next);
          setDefinition(next);
        }}
        onRename={(from, to) => recorded.renames.push([from, to])}
      />
    );
  }
  const user = userEvent.setup({ delay: null });
  return { user, recorded, ...render(<Harness />) };
}

export function renderFlow(initial: unknown) {
  const recorded = record(initial);
  function Harness() {
    const [definition, setDefinition] = useState(initial as FlowDefinition);
    return (
      <FlowInspector
        definition={definition}
        problems={problemsOf(definition)}
        onChange={(next) => {
          recorded.changes.push(next);
          setDefinition(next);
        }}
      />
    );
  }
  const user = userEvent.setup({ delay: null });
  return { user, recorded, ...render(<Harness />) };
}

function record(initial: unknown): Recorded {
  const recorded: Recorded = {
    changes: [],
    renames: [],
    latest: () => recorded.changes[recorded.changes.length - 1] ?? (initial as FlowDefinition),
  };
  return recorded;
}

/** A deep-frozen copy: an inspector that mutated its input would throw. */
export function frozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (v && typeof v === "object") {
      Object.freeze(v);
      Object.values(v).forEach(freeze);
    }
  };
  freeze(copy);
  return copy;
}
