export { Flow, labelOf, runLimits, setDefaultPersistence, errorInfo } from "./engine/flow";
export type { Checkpoint, FlowOptions, KickoffOptions, KickoffResult, RunLimits } from "./engine/flow";
export { compileFlow, satisfied } from "./engine/compile";
export type { CompiledFlow, CompiledMethod, RacingGroup } from "./engine/compile";
export { Cancelled, HumanFeedbackPending, isHumanFeedbackResult, namedError } from "./engine/errors";
export { collapseByText, pausingProvider } from "./engine/feedback";
export type { FeedbackOptions, HumanFeedbackProvider, OutcomeCollapser } from "./engine/feedback";
export type { FlowEvent, FlowEventType, NewFlowEvent, ErrorInfo, EventListener, JsonValue } from "./events";
export { InMemoryPersistence } from "./persistence";
export type { FlowPersistence, PendingFeedbackContext, PersistenceFactory, StoredSnapshot } from "./persistence";
export type { ActionContext, CrewRunner, FlowHandle, HumanFeedbackResult } from "./actions/types";
export { cancellableCrewRunner } from "./actions/cancellable";
export { FlowScriptExecutionDisabledError, scriptsAllowed } from "./actions/compile";
export { SCRIPT_LIMITS, ScriptError } from "./actions/script";
export { RefError, resolveRef } from "./refs";
export type { RefContext } from "./refs";
export { toJson } from "./json";
export type { State, StateModel } from "./state/model";
export { FlowBuilder, and_, defineFlow, or_ } from "./authoring";
export type { FlowSpec, MethodBody, MethodSpec } from "./authoring";
export { checkpointFromEvents, pendingPause, traceOf } from "./store/run-store";
export { ReplayCursor, resumePointFromEvents } from "./engine/resume";
export type { RecordedExecution, ResumePoint } from "./engine/resume";
export type { TraceEntry } from "./store/run-store";
export { FencedError } from "./store/port";
export type {
  CreateRunOptions,
  FlowRecord,
  FlowSummary,
  FlowVersionInfo,
  FlowVersionRecord,
  FlowVersionRef,
  LeaseClaim,
  LineageRow,
  ListRunsFilter,
  PatchOperation,
  PausedRun,
  RecordedLlmCall,
  RunOrigin,
  RunRecord,
  RunsPageFilter,
  RunStatus,
  RunStore,
  StepView,
  StoredRun,
} from "./store/port";
export { callColumns, sha256 } from "./store/calls";
export { InvalidCursorError, decodeCursor, encodeCursor, pageOf } from "./store/cursor";
export type { CursorParts, Page, PageRequest } from "./store/cursor";
export { DEFAULT_LEASE_TTL_MS, describeHolder, holderIsDead, leaseHolder } from "./store/lease";
