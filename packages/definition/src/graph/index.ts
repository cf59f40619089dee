// The canvas' graph view of a flow definition and the pure edits it makes (no React here).
export type {
  EventNode,
  EventNodeData,
  FlowGraph,
  GraphEdge,
  GraphLayout,
  GraphNode,
  GraphPosition,
  JoinNode,
  JoinNodeData,
  MethodBody,
  MethodKind,
  MethodNode,
  MethodNodeData,
  ProduceEdgeData,
  TriggerEdgeData,
  TriggerSlot,
} from "./types";
export { DONE_HANDLE, IN_HANDLE, OUT_HANDLE } from "./types";
export { emitHandle, eventNodeId, joinNodeId, labelOfHandle, methodNodeId } from "./ids";
export { definitionToGraph } from "./toGraph";
export { graphToDefinition } from "./fromGraph";
export { graphLayout, layeredPositions } from "./layout";
export { connect, disconnect, FlowEditError, removeMethod, renameMethod } from "./edit";
