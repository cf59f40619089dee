// Who executes a run. Every execution holds the run's lease: a holder name (`cli@host#pid`,
// `server@host#pid`), a fencing number every commit is checked against, and a time it lapses unless
// renewed. A second process (a CLI `--resume`, a second server on the same data directory) is refused
// while the holder is alive; a holder on this machine whose process is gone is taken over at once,
// one elsewhere once its lease lapses.
import { hostname } from "node:os";

/** How long a lease holds without renewal; holders renew it every third of that. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** This process as a lease holder. */
export function leaseHolder(kind: string): string {
  return `${kind}@${hostname()}#${process.pid}`;
}

/** Whether `holder` names a process of this machine that no longer exists (a crash or kill -9). */
export function holderIsDead(holder: string): boolean {
  const match = /^(.*)@(.*)#(\d+)$/.exec(holder);
  if (!match || match[2] !== hostname()) return false;
  const pid = Number(match[3]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** `cli@box#123` as words for an error message. */
export function describeHolder(holder: string): string {
  const match = /^(.*)@(.*)#(\d+)$/.exec(holder);
  return match ? `${match[1] === "cli" ? "a crewflow CLI process" : `a ${match[1]}`} (pid ${match[3]} on ${match[2]})` : JSON.stringify(holder);
}
