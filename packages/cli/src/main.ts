import type { CliIo } from "./io";

// Commands load on use: a `crewflow run` on SQLite never pays for BullMQ, ioredis or pg (about a second
// of start-up per process, which the crash tests pay hundreds of times).
const COMMANDS: Record<string, () => Promise<(args: string[], io: CliIo) => Promise<number>>> = {
  validate: async () => (await import("./commands/validate")).validateCommand,
  run: async () => (await import("./commands/run")).runCommand,
  runs: async () => (await import("./commands/runs")).runsCommand,
  show: async () => (await import("./commands/show")).showCommand,
  diff: async () => (await import("./commands/diff")).diffCommand,
  worker: async () => (await import("./commands/worker")).workerCommand,
};

const USAGE = `Usage: crewflow <command> [options]

Commands:
  validate FILE… [--json]   check flow files (crewai.flow/v1, YAML or JSON); exit 0 valid, 2 invalid
  run FILE [--inputs JSON] [--json] [--modules DIR]… [DB]
                            run a flow, recorded in the database; exit 0 completed or paused,
                            1 failed, 2 invalid definition
      --resume RUN_ID [--feedback TEXT]
                            continue an interrupted or paused run (FILE may be left out)
      --fork RUN_ID#STEP | RUN_ID@SEQ [--set path=value]…
                            a new run from that step's state (completed steps are not run again)
      --fork STATE_ID [--set path=value]…
                            CrewAI's restore_from_state_id: hydrate the state, run every method
      --checkpoint RUN_ID[@SEQ]
                            CrewAI's from_checkpoint (same state id, completed methods skipped)
      --replay RUN_ID       re-execute a run from its recorded LLM calls (no live calls); with FILE,
                            report where that version diverges; exit 1 if it does
  runs [--flow NAME] [--status S] [--limit N] [--json] [DB]
                            list recorded runs, newest first
  show RUN_ID [--states] [--json] [DB]
                            a run's step log (--json: run, steps with snapshots, events)
  diff RUN#STEP RUN#STEP | RUN RUN [--json] [DB]
                            state diff between two steps of a run, or the aligned steps of two runs

  worker [--db URL] [--backend postgres|redis] [--redis URL] [--concurrency N]
         [--global-concurrency N] [--workspace DIR]
                            execute runs from the BullMQ queue (scale-out, PostgreSQL database) until
                            SIGTERM/SIGINT, which lets running segments finish first

DB: --db URL (file:PATH or postgres://…), else --data DIR (its crewflow.db), else DATABASE_URL,
else CREWFLOW_DATA_DIR or data/ at the repository root (SQLite, created and migrated on first use).
`;

/** Runs one CLI invocation and returns its exit code (no process.exit, so tests can call it in-process). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const load = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load) return (await load())(rest, io);
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr.write(`crewflow: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}
