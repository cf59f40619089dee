import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** Screenshots of every test (gitignored: `artifacts` in the root .gitignore). */
export const ARTIFACTS = join(REPO_ROOT, "tests/e2e/artifacts");
