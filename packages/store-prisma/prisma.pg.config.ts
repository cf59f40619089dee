// Prisma CLI config for the PostgreSQL half of prisma/ (STACK.md §5b): the JS (wasm) schema engine over
// @prisma/adapter-pg with the three patches 6.19 needs. Author a migration against a scratch server:
//   DATABASE_URL=postgres://… pnpm --filter @crewflow/store-prisma exec prisma migrate dev --config prisma.pg.config.ts --name NAME
import { resolve } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

const root = resolve(import.meta.dirname, "../..");
// The url must resolve for `generate` (which never connects); migrate commands need a real server.
if (!/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "")) process.env.DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/crewflow";
const url = new URL(process.env.DATABASE_URL!);
// Discrete fields, not connectionString: the shadow pool spreads this config with another database,
// and a connectionString would win over it (the "shadow" would be the real database).
const config: pg.PoolConfig = {
  host: decodeURIComponent(url.hostname),
  port: Number(url.port || 5432),
  user: decodeURIComponent(url.username || "postgres"),
  password: decodeURIComponent(url.password),
  database: decodeURIComponent(url.pathname.slice(1) || "postgres"),
  allowExitOnIdle: true, // otherwise `migrate status` lingers on idle clients
  idleTimeoutMillis: 200,
};

// Introspection returns `name` (19), `char` (18) and their arrays, which 6.19's column-type mapping
// lacks ("Column type 'name' could not be deserialized"): read them as text / text[].
const REMAP: Record<number, number> = { 19: 25, 18: 25, 1003: 1009, 1002: 1009 };
let patched = false;
function patchNameType(adapter: object): void {
  if (patched) return;
  const proto = Object.getPrototypeOf(Object.getPrototypeOf(adapter)) as { performIO: (query: unknown) => Promise<{ fields: { dataTypeID: number }[] }> };
  const performIO = proto.performIO;
  proto.performIO = async function (this: unknown, query: unknown) {
    const result = await performIO.call(this, query);
    for (const field of result.fields ?? []) field.dataTypeID = REMAP[field.dataTypeID] ?? field.dataTypeID;
    return result;
  };
  patched = true;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: resolve(root, "prisma/postgres"),
  migrations: { path: resolve(root, "prisma/postgres/migrations") },
  async adapter() {
    const factory = new PrismaPg(config);
    const connect = factory.connect.bind(factory);
    factory.connect = async () => {
      const adapter = await connect();
      patchNameType(adapter);
      return adapter;
    };
    // The built-in shadow drops its database before closing the pool that uses it: create it with a
    // plain client, connect a fresh adapter to it, and drop it WITH (FORCE) on dispose.
    factory.connectToShadowDb = async () => {
      const database = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
      const admin = new pg.Client(config);
      await admin.connect();
      await admin.query(`CREATE DATABASE "${database}"`);
      await admin.end();
      const shadow = await new PrismaPg({ ...config, database }).connect();
      patchNameType(shadow);
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        const dropper = new pg.Client(config);
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await dropper.end();
      };
      return shadow;
    };
    return factory;
  },
});
