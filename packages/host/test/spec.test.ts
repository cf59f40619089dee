// The host spec on the in-memory store.
import { MemoryRunStore } from "@crewflow/store-memory";
import { runHostSpec } from "../src/spec";

runHostSpec("memory", async () => new MemoryRunStore({ name: "host-spec" }));
