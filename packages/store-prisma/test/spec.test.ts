// The RunStore spec (the one every store passes) on SQLite and on PostgreSQL.
import { runStoreSpec } from "@crewflow/runtime/store-spec";
import { DATABASES } from "../src/test-databases";

for (const db of DATABASES) runStoreSpec(db.name, () => db.open());
