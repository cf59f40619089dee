// The real services the scale-out suite needs, on loopback: a PostgreSQL database (a fresh database on
// CREWFLOW_TEST_PG_URL's server when set, as in CI; else a throwaway cluster of Debian's PostgreSQL) and
// redis-server (CREWFLOW_TEST_REDIS_URL's when set, else one of its own on a free port).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface Service {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `child` prints a line matching `pattern` (rejects when it exits first or after `ms`). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, ms = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern} in: ${seen.slice(-2000)}`)), ms);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) done(null, match[0]);
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before ${pattern}: ${seen.slice(-2000)}`));
    function done(err: Error | null, line = "") {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(line);
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** CREWFLOW_TEST_REDIS_URL's server when set (CI starts one; every test uses its own queue name), else a fresh redis-server. */
export async function startRedis(): Promise<Service> {
  const shared = process.env.CREWFLOW_TEST_REDIS_URL;
  if (shared) return { url: shared, stop: async () => undefined };
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  await waitForOutput(child, /Ready to accept connections/);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

const pgBin = (): string => {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error("PostgreSQL is not installed (apt-get install postgresql) and CREWFLOW_TEST_PG_URL is not set");
  return join(root, versions[0], "bin");
};

export async function startPostgres(): Promise<Service> {
  const server = process.env.CREWFLOW_TEST_PG_URL ?? (await startCluster());
  const name = `crewflow_scaleout_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: typeof server === "string" ? server : server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const base = new URL(typeof server === "string" ? server : server.url);
  base.pathname = `/${name}`;
  return {
    url: base.toString(),
    async stop() {
      if (typeof server !== "string") return server.stop();
      const dropper = new pg.Client({ connectionString: server });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** A throwaway cluster (initdb refuses root: as root it runs as the postgres user). */
async function startCluster(): Promise<Service> {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), "crewflow-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) =>
    root ? execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", [cmd, ...args].map((a) => `'${a}'`).join(" ")]) : execFileSync(cmd, args);
  if (root) {
    chmodSync(dir, 0o777);
  }
  as(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres"]);
  as(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=300`, "start"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      as(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
