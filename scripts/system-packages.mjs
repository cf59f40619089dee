#!/usr/bin/env node
// `pnpm test` needs three programs npm cannot install: Debian's chromium (the browser tests drive it
// through playwright-core; browser downloads are impossible here), and PostgreSQL and redis-server
// (the scale-out suite starts throwaway servers of each). When one is missing and this runs as root
// on a Debian-like system, it is installed with apt-get (what `.ci/run` does too); otherwise this says
// what to install and stops, rather than letting those suites fail later with less to go on.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const onPath = (command) => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const postgresInstalled = () => existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").length > 0;

const needed = [
  { apt: ["chromium", "fonts-liberation"], present: () => existsSync("/usr/bin/chromium"), why: "browser tests (tests/e2e)" },
  { apt: ["postgresql"], present: () => Boolean(process.env.CREWFLOW_TEST_PG_URL) || postgresInstalled(), why: "scale-out tests (tests/scaleout)" },
  { apt: ["redis-server"], present: () => Boolean(process.env.CREWFLOW_TEST_REDIS_URL) || onPath("redis-server"), why: "scale-out tests on Redis (tests/scaleout)" },
];
const missing = needed.filter((n) => !n.present());
if (missing.length === 0) process.exit(0);

const packages = missing.flatMap((m) => m.apt);
const isRoot = process.getuid?.() === 0;
if (!isRoot || !onPath("apt-get")) {
  console.error(`pnpm test needs Debian packages npm cannot install: ${packages.join(" ")}`);
  for (const m of missing) console.error(`  ${m.apt.join(" ")}: ${m.why}`);
  console.error(`Install them (e.g. sudo apt-get install -y --no-install-recommends ${packages.join(" ")}) and run again.`);
  process.exit(1);
}
console.log(`Installing ${packages.join(" ")} with apt-get (for the ${missing.map((m) => m.why).join(", ")})…`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { stdio: "inherit", env });
