import { runCommand } from "./commands/run";
import { validateCommand } from "./commands/validate";
import type { CliIo } from "./io";

const USAGE = `Usage: crewflow <command> [options]

Commands:
  validate FILE… [--json]   check flow files (crewai.flow/v1, YAML or JSON); exit 0 valid, 2 invalid
  run FILE [--inputs JSON] [--json] [--resume RUN_ID] [--fork STATE_ID] [--checkpoint RUN_ID[@SEQ]]
           [--feedback TEXT] [--data DIR] [--modules DIR]…
                            run a flow; exit 0 completed or paused, 1 failed, 2 invalid definition
`;

/** Runs one CLI invocation and returns its exit code (no process.exit, so tests can call it in-process). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "validate":
      return validateCommand(rest, io);
    case "run":
      return runCommand(rest, io);
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
