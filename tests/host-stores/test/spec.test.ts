// The host spec (`@crewflow/host/spec`) on the Prisma store: SQLite and PostgreSQL (`@crewflow/store-prisma/testing/databases`).
import { runHostSpec } from "@crewflow/host/spec";
import { DATABASES } from "@crewflow/store-prisma/testing/databases";

for (const db of DATABASES) runHostSpec(db.name, () => db.open());
