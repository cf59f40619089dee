// The lossless document layer: flow files opened, edited and written back with minimal changes.
export {
  type DocumentFormat,
  type FlowDocument,
  type JsonFlowDocument,
  type OpenDocumentOptions,
  type YamlFlowDocument,
  detectFormat,
  openDocument,
  serializeDocument,
  updateDocument,
} from "./document";
export { INVALID_EXTENSION, readExtension, setLayout } from "./extension";
export { CREWAI_INCOMPATIBLE, compatibilityWarnings, exportForCrewAI } from "./compatibility";
export { deepEqual } from "./values";
