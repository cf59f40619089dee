// The RunStore spec on the in-memory store: a fresh store per block.
import { runStoreSpec } from "@crewflow/runtime/store-spec";
import { MemoryRunStore } from "../src";

runStoreSpec("memory", async () => new MemoryRunStore({ name: "spec" }));
