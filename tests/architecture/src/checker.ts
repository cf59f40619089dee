import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { isNodeBuiltin, LAYERS, type Layer, matchesPattern, STORE_PORT, WORKSPACE_SCOPE } from "../rules.js";

export type { Layer };
export { LAYERS, STORE_PORT };

/** One module reference found in a source file. */
export type ImportRef = {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /** `import type`, `export type`, `import x = require()` with `type`, or a type position `import("x").T`. */
  typeOnly: boolean;
};

export type Violation = {
  /** Repository-relative path, always with `/`. */
  file: string;
  line: number;
  specifier: string;
  layer: string;
  reason: string;
};

/** `file:line: message`, the form printed on failure. */
export function formatViolation(v: Violation): string {
  const layer = LAYERS.find((l) => l.name === v.layer);
  return `${v.file}:${v.line}: ${v.layer} may not import "${v.specifier}": ${v.reason}${layer ? ` (${layer.why})` : ""}`;
}

const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".turbo", "generated", "coverage"]);
const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] as const;

function scriptKind(fileName: string): ts.ScriptKind {
  if (fileName.endsWith(".tsx")) return ts.ScriptKind.TSX;
  if (fileName.endsWith(".jsx")) return ts.ScriptKind.JSX;
  if (/\.[mc]?js$/.test(fileName)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** Every module specifier in `source`: static and dynamic imports, re-exports, require() and import types. */
export function extractImports(fileName: string, source: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, scriptKind(fileName));
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, typeOnly: boolean) => {
    if (!ts.isStringLiteralLike(node)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    refs.push({ specifier: node.text, line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const [first] = node.arguments;
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire =
        (ts.isIdentifier(node.expression) && node.expression.text === "require") ||
        (ts.isPropertyAccessExpression(node.expression) &&
          ts.isIdentifier(node.expression.expression) &&
          node.expression.expression.text === "require" &&
          node.expression.name.text === "resolve");
      if ((isDynamicImport || isRequire) && first) add(first, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** The package name a bare specifier refers to ("@a/b/c" → "@a/b", "x/y" → "x"). */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * Why `layer` may not name the module `name` (a specifier or a dependency name), or null if it may.
 * `typeOnly` lets through the layer's type-only workspace packages; `inSrc` applies the Node-builtin rule.
 */
export function forbiddenReason(layer: Layer, name: string, opts: { typeOnly: boolean; inSrc: boolean }): string | null {
  if (name.startsWith(WORKSPACE_SCOPE)) {
    const pkg = packageNameOf(name);
    if (pkg === layer.package) return null;
    if (layer.workspace.includes(pkg)) return null;
    if (layer.typeOnlyWorkspace?.includes(pkg)) {
      return opts.typeOnly ? null : `only \`import type\` is allowed from ${pkg}`;
    }
    const allowed = layer.workspace.length > 0 ? layer.workspace.join(", ") : "none";
    return `workspace package not allowed here (allowed: ${allowed})`;
  }
  const pattern = layer.forbidden.find((p) => matchesPattern(name, p));
  if (pattern) return `forbidden library (${pattern})`;
  if (!layer.nodeBuiltins && opts.inSrc && isNodeBuiltin(name)) return "Node builtin in browser-safe code";
  return null;
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}

/**
 * Checks one source file's text. `file` is repository-relative (e.g. "packages/definition/src/x.ts");
 * relative imports that leave the layer's folder are violations too.
 */
export function checkSource(layer: Layer, file: string, source: string): Violation[] {
  const posixFile = toPosix(file);
  const inSrc = posixFile.startsWith(`${layer.dir}/src/`);
  const violations: Violation[] = [];
  for (const ref of extractImports(posixFile, source)) {
    let reason: string | null;
    if (ref.specifier.startsWith(".")) {
      const target = toPosix(join(dirname(posixFile), ref.specifier));
      reason =
        target === layer.dir || target.startsWith(`${layer.dir}/`)
          ? null
          : `relative import leaves ${layer.dir} (import the package by name instead)`;
    } else {
      reason = forbiddenReason(layer, ref.specifier, { typeOnly: ref.typeOnly, inSrc });
    }
    if (reason) violations.push({ file: posixFile, line: ref.line, specifier: ref.specifier, layer: layer.name, reason });
  }
  return violations;
}

/** Checks a package.json's text: its name, and every dependency field against the layer's rules. */
export function checkPackageJson(layer: Layer, file: string, text: string): Violation[] {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  const lines = text.split("\n");
  const lineOf = (key: string) => {
    const i = lines.findIndex((l) => l.includes(`"${key}"`));
    return i >= 0 ? i + 1 : 1;
  };
  const violations: Violation[] = [];
  if (pkg.name !== layer.package) {
    violations.push({
      file,
      line: lineOf("name"),
      specifier: String(pkg.name),
      layer: layer.name,
      reason: `package name must be ${layer.package}`,
    });
  }
  for (const field of DEPENDENCY_FIELDS) {
    const deps = pkg[field];
    if (!deps || typeof deps !== "object") continue;
    for (const name of Object.keys(deps)) {
      // A type-only workspace dependency is fine in package.json; the source check restricts its use.
      const reason = forbiddenReason(layer, name, { typeOnly: true, inSrc: false });
      if (reason) violations.push({ file, line: lineOf(name), specifier: name, layer: layer.name, reason: `${field}: ${reason}` });
    }
  }
  return violations;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith(".")) yield* sourceFiles(join(dir, entry.name));
    } else if (entry.isFile() && SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      yield join(dir, entry.name);
    }
  }
}

export type ScanResult = {
  violations: Violation[];
  /** Repository-relative paths of the files checked (package.json files included). */
  checked: string[];
  /** Package folders under apps/ and packages/ that no layer describes. */
  unknownPackages: string[];
};

/** Checks every package.json and source file under apps/ and packages/ of the repository at `root`. */
export function scanRepository(root: string): ScanResult {
  const result: ScanResult = { violations: [], checked: [], unknownPackages: [] };
  for (const group of ["apps", "packages"]) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir).sort()) {
      const dir = join(groupDir, name);
      if (!statSync(dir).isDirectory()) continue;
      const rel = `${group}/${name}`;
      const layer = LAYERS.find((l) => l.dir === rel);
      if (!layer) {
        // A folder without package.json is not a workspace package yet; anything else must be described.
        if (existsSync(join(dir, "package.json")) || readdirSync(dir).length > 0) result.unknownPackages.push(rel);
        continue;
      }
      const pkgFile = join(dir, "package.json");
      if (existsSync(pkgFile)) {
        result.checked.push(`${rel}/package.json`);
        result.violations.push(...checkPackageJson(layer, `${rel}/package.json`, readFileSync(pkgFile, "utf8")));
      }
      for (const file of sourceFiles(dir)) {
        const relFile = toPosix(relative(root, file));
        result.checked.push(relFile);
        result.violations.push(...checkSource(layer, relFile, readFileSync(file, "utf8")));
      }
    }
  }
  return result;
}

/** The repository root (the folder holding pnpm-workspace.yaml) above `from`. */
export function findRepositoryRoot(from: string): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
  return dir;
}

/** A place where code goes around the storage port. */
export type PortBreach = { file: string; line: number; what: string };

const PRISMA_IDENTIFIERS = new Set(["PrismaClient", "prismaOf"]);

/**
 * Uses of a Prisma client in `source`: a `.prisma` property (a store's client), `x["prisma"]` or
 * `x["conn"]` (reaching a private client), `$queryRaw…`/`$executeRaw…`, `PrismaClient`, `prismaOf`,
 * and imports of `@prisma/*` or `prisma`. Comments and strings do not count.
 */
export function prismaClientUses(file: string, source: string): PortBreach[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, scriptKind(file));
  const found: PortBreach[] = [];
  const add = (node: ts.Node, what: string) => found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, what });
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      if (name === "prisma" || name.startsWith("$queryRaw") || name.startsWith("$executeRaw")) add(node.name, `.${name}`);
    } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      const key = node.argumentExpression.text;
      if (key === "prisma" || key === "conn") add(node.argumentExpression, `["${key}"]`);
    } else if (ts.isIdentifier(node) && PRISMA_IDENTIFIERS.has(node.text)) add(node, node.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  for (const ref of extractImports(file, source))
    if (matchesPattern(ref.specifier, "@prisma/*") || matchesPattern(ref.specifier, "prisma")) found.push({ file, line: ref.line, what: `import "${ref.specifier}"` });
  return found.sort((a, b) => a.line - b.line);
}

/** Type positions that name the concrete store (`x: PrismaRunStore`); `PrismaRunStore.open(…)` is a value and fine. */
export function concreteStoreTypes(file: string, source: string): PortBreach[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, scriptKind(file));
  const found: PortBreach[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && node.typeName.text === STORE_PORT.concreteStore) || (ts.isTypeQueryNode(node) && node.exprName.getText(sf) === STORE_PORT.concreteStore))
      found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, what: node.getText(sf) });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every source file below `dir` (tests, benches and config files included). */
export function sourceFilesUnder(dir: string): string[] {
  return existsSync(dir) ? [...sourceFiles(dir)] : [];
}

/**
 * Breaches of the storage port in the repository at `root`: Prisma client uses in any package but the
 * store's (apps/, packages/, tests/), and the concrete store as a type in host sources.
 */
export function scanStorePort(root: string): { clients: PortBreach[]; concrete: PortBreach[] } {
  const clients: PortBreach[] = [];
  for (const group of ["apps", "packages", "tests"]) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir).sort()) {
      const rel = `${group}/${name}`;
      if (rel === STORE_PORT.owner || !statSync(join(groupDir, name)).isDirectory()) continue;
      for (const file of sourceFilesUnder(join(groupDir, name))) clients.push(...prismaClientUses(toPosix(relative(root, file)), readFileSync(file, "utf8")));
    }
  }
  const concrete: PortBreach[] = [];
  for (const host of STORE_PORT.hosts)
    for (const file of sourceFilesUnder(join(root, host))) {
      const relFile = toPosix(relative(root, file));
      if (!STORE_PORT.concreteAllowed.includes(relFile)) concrete.push(...concreteStoreTypes(relFile, readFileSync(file, "utf8")));
    }
  return { clients, concrete };
}
