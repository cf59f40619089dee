// Vitest global setup of every package: one scratch folder per test run, so whatever a test leaves
// behind — temp directories, and the processes it started (servers, workers, database clusters) — is
// removed even when the test, or the whole run, was killed.
// - The run's folder becomes TMPDIR, so every `mkdtemp(tmpdir())` of the tests, and of the processes
//   they start, lands inside it; CREWFLOW_TEST_SCRATCH marks each of those processes' environment.
// - At the end of the run, processes that still carry the mark are killed and the folder is removed.
// - A run killed before its end cannot do that, so each run first sweeps the folders (and marked
//   processes) of runs whose process no longer exists.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "crewflow-test-";
const MARK = "CREWFLOW_TEST_SCRATCH";

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
};

/** Kills every other process whose environment carries the mark of `folder` (Linux's /proc; elsewhere none). */
function killMarked(folder) {
  let pids;
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  const mark = `${MARK}=${folder}\0`;
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      if (`${readFileSync(`/proc/${pid}/environ`, "latin1")}\0`.includes(mark)) process.kill(pid, "SIGKILL");
    } catch {
      // gone already, or not ours to read
    }
  }
}

function remove(folder) {
  killMarked(folder);
  rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
}

export function setup() {
  // Nested runs (a test that runs vitest) share the outer run's folder.
  if (process.env[MARK]) return () => undefined;
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (owner && !alive(Number(owner[1]))) remove(join(base, name));
  }
  const folder = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  process.env.TMPDIR = folder;
  process.env[MARK] = folder;
  return () => {
    process.env.TMPDIR = base;
    delete process.env[MARK];
    remove(folder);
  };
}
