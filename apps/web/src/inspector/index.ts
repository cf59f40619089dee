// The inspector: pure React editors of a flow definition (props in, `onChange(next)` out; no store,
// no server), and the problem list the canvas and the problems panel share.
import "./inspector.css";

export { MethodInspector } from "./MethodInspector";
export { FlowInspector } from "./FlowInspector";
export { ProblemsList, type ProblemsListProps } from "./ProblemsList";
export { methodOfPath, problemsOf } from "./problems";
export type { DefinitionChange, FlowInspectorProps, MethodInspectorProps, Problem } from "./types";
export { formatCondition, parseCondition } from "./condition";
