// The run side of the editor (issue #7): what the editor shell (W1) mounts. See notes/web-contract.md.
export type { NodeRunStatus } from "./types";
export { RunButton } from "./RunButton";
export { RunPanel } from "./RunPanel";
export { RunInspector } from "./RunInspector";
export { NodeFeedback } from "./NodeFeedback";
export { useNodeRunStatus, useNodeStream, useNodeWaiting, useEdgeTraversed, useRunInspectorActive } from "./hooks";
