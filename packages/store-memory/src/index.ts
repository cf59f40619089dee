// @crewflow/store-memory: the runtime's RunStore port in process memory (tests, embedding, one-shot runs).
export { MemoryRunStore } from "./store";
export type { MemoryStoreOptions } from "./store";
