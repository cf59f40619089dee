// The right-hand panel: the run step's details while a run step is selected (W3), else the selected
// method's inspector or, with nothing selected, the flow's (W2), and the problems list below.
import { type FlowDefinition } from "@crewflow/definition";
import { useCallback, useMemo } from "react";
import { FlowInspector, MethodInspector, type Problem, ProblemsList } from "../inspector";
import { RunInspector, useRunInspectorActive } from "../runs";
import { isMethodId } from "./graph";
import { useFlowEditor } from "./store";

export function InspectorPanel() {
  const runActive = useRunInspectorActive();
  const definition = useFlowEditor((s) => s.definition);
  const problems = useFlowEditor((s) => s.problems);
  const readOnly = useFlowEditor((s) => s.readOnly);
  const selected = useFlowEditor((s) => s.selected);
  const { edit, rename, focusNode } = useFlowEditor.getState();
  const methodName = selected.length === 1 && isMethodId(selected[0]!) && Object.hasOwn(definition.methods ?? {}, selected[0]!) ? selected[0]! : null;
  const methodProblems = useMemo(() => (methodName ? problems.filter((p) => p.method === methodName) : problems), [problems, methodName]);

  const onChange = useCallback(
    (next: FlowDefinition) => edit(methodName ? `Edit ${methodName}` : "Edit flow", () => next),
    [edit, methodName],
  );
  const onSelectProblem = useCallback((problem: Problem) => (problem.method ? focusNode(problem.method) : useFlowEditor.getState().select([])), [focusNode]);

  return (
    <section className="cf-inspector" aria-label="Inspector">
      {runActive ? (
        <RunInspector />
      ) : methodName ? (
        <MethodInspector
          key={methodName}
          definition={definition}
          name={methodName}
          problems={methodProblems}
          onChange={onChange}
          onRename={rename}
          readOnly={readOnly}
        />
      ) : selected.length > 1 ? (
        <p className="cf-muted">{selected.length} items selected. Delete, copy or drag them together.</p>
      ) : (
        <FlowInspector definition={definition} problems={problems} onChange={onChange} readOnly={readOnly} />
      )}
      <ProblemsList problems={problems} onSelect={onSelectProblem} />
    </section>
  );
}
