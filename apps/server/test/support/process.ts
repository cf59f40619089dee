// A server in its own process (support/serve.ts) on a data directory and workspace, for tests that
// kill -9 it, run two of them on one database, or race a CLI against it. Every process started here
// is SIGKILLed when the test file ends, whatever state the test left it in.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import type { ServerConfig } from "../../src/app";
import { SLOW_FLOW, STEPS_MODULE } from "./fixtures";
import { type Client, makeClient } from "./server";

const SERVE = join(dirname(fileURLToPath(import.meta.url)), "serve.ts");
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

export interface ServerProcess {
  child: ChildProcess;
  url: string;
}

/**
 * Starts the server; `env` replaces the inherited environment (PATH and HOME are kept) when given;
 * `config` adds server settings (a PostgreSQL `databaseUrl`, say).
 */
export function spawnServer(dataDir: string, workspace: string, env?: Record<string, string>, config: Partial<ServerConfig> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVE, dataDir, workspace, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "inherit"],
    ...(env ? { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? dataDir, ...env } } : {}),
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolve({ child, url: (JSON.parse(line) as { url: string }).url }));
  });
}

export interface GatedRun {
  dataDir: string;
  workspace: string;
  /** The server process executing the run, and a client of it. */
  first: ServerProcess;
  client: Client;
  /** The file whose creation lets the run go on past its first step. */
  gate: string;
  runId: string;
}

/**
 * A server process on `root`'s data directory and workspace (STEPS_MODULE in it) that runs SLOW_FLOW.
 * The run holds after its first step until the gate file exists, however slow this machine is.
 */
export async function startGatedRun(root: string): Promise<GatedRun> {
  const dataDir = join(root, "data");
  const workspace = join(root, "workspace");
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, "steps.mjs"), STEPS_MODULE);

  const first = await spawnServer(dataDir, workspace);
  const client = makeClient(first.url);
  const { flow } = await client.flows.create.mutate({ text: SLOW_FLOW });
  const gate = join(root, "gate");
  const { runId } = await client.runs.start.mutate({ flowId: flow.id, inputs: { delay: 1, gate } });
  return { dataDir, workspace, first, client, gate, runId };
}
