import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Diagnostic, loadDefinitionText } from "@crewflow/definition";
import type { CliIo } from "../io";

export interface FileVerdict {
  file: string;
  valid: boolean;
  errors: { path: string; message: string }[];
  warnings: { path: string; message: string; code?: string }[];
}

/** Validate one file from disk; unreadable files become an error diagnostic, never a stack trace. */
export async function validateFile(file: string, cwd: string): Promise<FileVerdict> {
  const absolute = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    return { file, valid: false, errors: [{ path: "", message: `Unable to read ${file}: ${reason}` }], warnings: [] };
  }
  const result = loadDefinitionText(text, { sourcePath: absolute });
  return {
    file,
    valid: result.errors.length === 0,
    errors: result.errors.map(({ path, message }) => ({ path, message })),
    warnings: result.warnings.map(({ path, message, code }) => (code ? { path, message, code } : { path, message })),
  };
}

export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean", default: false } } });
  } catch (err) {
    io.stderr.write(`crewflow validate: ${(err as Error).message}\n`);
    return 2;
  }
  const files = parsed.positionals;
  if (files.length === 0) {
    io.stderr.write("crewflow validate: give at least one FILE\n");
    return 2;
  }
  const verdicts = await Promise.all(files.map((file) => validateFile(file, io.cwd)));
  if (parsed.values.json) {
    const body = verdicts.length === 1 ? omitFile(verdicts[0]!) : verdicts;
    io.stdout.write(JSON.stringify(body, null, 2) + "\n");
  } else {
    for (const verdict of verdicts) printHuman(verdict, verdicts.length > 1, io);
  }
  return verdicts.every((v) => v.valid) ? 0 : 2;
}

function omitFile({ file: _file, ...rest }: FileVerdict): Omit<FileVerdict, "file"> {
  return rest;
}

function printHuman(verdict: FileVerdict, several: boolean, io: CliIo): void {
  const prefix = several ? `${verdict.file}: ` : "";
  const line = (d: Pick<Diagnostic, "path" | "message">, tag = "") =>
    io.stdout.write(`${prefix}${d.path || verdict.file}: ${tag}${d.message}\n`);
  verdict.errors.forEach((d) => line(d));
  verdict.warnings.forEach((d) => line(d, "warning: "));
  const counts = `${verdict.errors.length} error(s), ${verdict.warnings.length} warning(s)`;
  io.stderr.write(`${verdict.file}: ${verdict.valid ? "valid" : "invalid"} (${counts})\n`);
}
