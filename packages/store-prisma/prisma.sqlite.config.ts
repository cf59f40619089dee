// Prisma CLI config for the SQLite half of prisma/ (STACK.md §5a): the JS (wasm) schema engine over
// @prisma/adapter-better-sqlite3, so generate and migrate run offline. Author a migration with
//   pnpm --filter @crewflow/store-prisma exec prisma migrate dev --config prisma.sqlite.config.ts --name NAME
// (it works on a scratch file under data/; the app applies migrations itself, see src/migrate.ts).
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";

const root = resolve(import.meta.dirname, "../..");
// The schema's url must resolve or even `generate` tries to download an engine; a postgres URL meant
// for the app must not leak into the SQLite commands.
if (!process.env.DATABASE_URL?.startsWith("file:")) process.env.DATABASE_URL = `file:${resolve(root, "data/prisma-migrate.sqlite")}`;
const url = process.env.DATABASE_URL;
mkdirSync(dirname(url.slice("file:".length)), { recursive: true }); // a missing directory is an opaque "External error"

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: resolve(root, "prisma/sqlite"),
  migrations: { path: resolve(root, "prisma/sqlite/migrations") },
  async adapter() {
    const factory = new PrismaBetterSQLite3({ url });
    const connectToShadowDb = factory.connectToShadowDb.bind(factory);
    // The shadow database replays each migration through executeRaw, i.e. one prepare(): a
    // multi-statement migration fails with P3006. Route argument-less SQL to executeScript (exec()).
    factory.connectToShadowDb = async () => {
      const adapter = await connectToShadowDb();
      const executeRaw = adapter.executeRaw.bind(adapter);
      adapter.executeRaw = async (query) => (query.args.length === 0 ? (await adapter.executeScript(query.sql), 0) : executeRaw(query));
      return adapter;
    };
    return factory;
  },
});
