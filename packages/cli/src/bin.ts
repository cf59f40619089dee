#!/usr/bin/env node
// `crewflow` entry point: dispatches to one command module per verb and maps outcomes to exit codes.
// Paths are relative to where the user ran `pnpm -s crewflow` (INIT_CWD), not the repo root pnpm runs in.
import { main } from "./main";

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.env.INIT_CWD ?? process.cwd() }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`crewflow: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
