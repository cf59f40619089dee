// The real server, as `pnpm start` runs it (apps/server/src/main.ts), in its own process: port 0, a
// throwaway data dir (SQLite file, migrated on start) and the built web app from apps/web/dist. The
// model is the simulated one unless `openaiBaseURL` points the server at an OpenAI-compatible endpoint.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppRouter } from "@crewflow/server";
import { type TRPCClient, createTRPCClient, httpBatchLink } from "@trpc/client";
import { REPO_ROOT } from "./paths";

export type Api = TRPCClient<AppRouter>;

export interface ServerOptions {
  /** An OpenAI-compatible base URL (e.g. a FakeOpenAI's `/v1`); omitted: the simulated model. */
  openaiBaseURL?: string;
  /** `call: script` actions (javascript, QuickJS sandbox) may run. */
  allowScripts?: boolean;
}

export interface RunningServer {
  url: string;
  api: Api;
  dataDir: string;
  /** Everything the server printed (shown when something fails). */
  output(): string;
  close(): Promise<void>;
}

const WEB_DIST = join(REPO_ROOT, "apps/web/dist");
const SERVER_DIR = join(REPO_ROOT, "apps/server");
const START_TIMEOUT_MS = 45_000;

export function makeApi(url: string): Api {
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/trpc`, maxURLLength: 4000, maxItems: 50 })] });
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  if (!existsSync(join(WEB_DIST, "index.html")))
    throw new Error(`The web app is not built (${WEB_DIST}/index.html is missing): run \`pnpm turbo run build --filter=@crewflow/web\`.`);
  const dataDir = mkdtempSync(join(tmpdir(), "crewflow-e2e-"));
  // Only what the server needs: no inherited DATABASE_URL/OPENAI_*/PORT can leak into the test.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CHECKPOINT_DISABLE: "1",
    HOST: "127.0.0.1",
    PORT: "0",
    CREWFLOW_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    ...(options.allowScripts ? { CREWFLOW_ALLOW_SCRIPTS: "1" } : {}),
    ...(options.openaiBaseURL ? { OPENAI_BASE_URL: options.openaiBaseURL, OPENAI_API_KEY: "e2e-fake-key" } : {}),
  };
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: SERVER_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
  // Never leave a server behind, even when the test process ends without closing it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the server did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`${error.message}\n--- server output ---\n${output}`));
    };
    const exitedEarly = (code: number | null) => fail(new Error(`the server exited with code ${code} before listening`));
    child.once("exit", exitedEarly);
    child.stdout.on("data", () => {
      const match = /Crewflow listening on (http:\/\/[^\s]+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.removeListener("exit", exitedEarly);
      resolve(match[1]!);
    });
  });

  return {
    url,
    api: makeApi(url),
    dataDir,
    output: () => output,
    async close() {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
