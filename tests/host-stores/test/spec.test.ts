// The host spec (`@crewflow/host/spec`) on the Prisma store: SQLite and PostgreSQL (see support/databases.ts).
import { runHostSpec } from "@crewflow/host/spec";
import { DATABASES } from "./support/databases";

for (const db of DATABASES) runHostSpec(db.name, () => db.open());
