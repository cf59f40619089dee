// @ts-check
/**
 * The import rules of docs/architecture.md, as data. Both enforcers read this file:
 *   - the root eslint.config.js (turns them into `@typescript-eslint/no-restricted-imports` overrides), and
 *   - the architecture test in this folder (checks every package.json and every .ts/.tsx file under
 *     apps/ and packages/, including dynamic import(), require() and `import("x").T` types).
 * Change the rules here and in docs/architecture.md together.
 *
 * A module pattern is either a package name ("react"), which also covers its subpaths ("react/jsx-runtime"),
 * or a scope wildcard ("@xyflow/*"), which covers every package of the scope and their subpaths.
 */

/** The scope of this repository's own packages. */
import { builtinModules } from "node:module";

export const WORKSPACE_SCOPE = "@crewflow/";

/** UI libraries: the browser editor only. */
export const UI_LIBRARIES = ["react", "react-dom", "@xyflow/*"];
/** Server and transport libraries. */
export const SERVER_LIBRARIES = ["@trpc/*", "fastify", "@fastify/*"];
/** Database libraries: owned by the persistence adapter (packages/store-prisma). */
export const DB_LIBRARIES = ["@prisma/*", "prisma", "better-sqlite3", "pg", "@electric-sql/*"];

/**
 * @typedef {object} Layer
 * @property {string} name        short name used in messages
 * @property {string} dir         the package folder, relative to the repository root
 * @property {string} package     its package.json name
 * @property {string[]} workspace the workspace packages it may import (any other package of the scope is forbidden)
 * @property {string[]} [typeOnlyWorkspace] workspace packages it may import with `import type` only
 * @property {string[]} forbidden module patterns it may not import or depend on
 * @property {boolean} nodeBuiltins whether its src/ may import Node builtins (node:fs, fs, path, ...)
 * @property {string} why         one line shown with every violation
 */

/** @type {Layer[]} */
export const LAYERS = [
  {
    name: "definition",
    dir: "packages/definition",
    package: "@crewflow/definition",
    workspace: [],
    forbidden: [...UI_LIBRARIES, ...SERVER_LIBRARIES, ...DB_LIBRARIES, "openai"],
    nodeBuiltins: false,
    why: "the definition package is the pure, isomorphic bottom layer (the web app bundles it): schemas, loading and graph functions only",
  },
  {
    name: "runtime",
    dir: "packages/runtime",
    package: "@crewflow/runtime",
    workspace: ["@crewflow/definition"],
    forbidden: [...UI_LIBRARIES, ...SERVER_LIBRARIES, ...DB_LIBRARIES],
    nodeBuiltins: true,
    why: "the runtime executes flows behind ports; UI, transport and storage live in the apps",
  },
  {
    name: "crews",
    dir: "packages/crews",
    package: "@crewflow/crews",
    workspace: ["@crewflow/definition", "@crewflow/runtime"],
    forbidden: [...UI_LIBRARIES, ...SERVER_LIBRARIES, ...DB_LIBRARIES],
    nodeBuiltins: true,
    why: "crews run agents on LLMs behind the runtime's CrewRunner port; UI, transport and storage live in the apps",
  },
  {
    name: "store-prisma",
    dir: "packages/store-prisma",
    package: "@crewflow/store-prisma",
    workspace: ["@crewflow/definition", "@crewflow/runtime"],
    forbidden: [...UI_LIBRARIES, ...SERVER_LIBRARIES, "openai"],
    nodeBuiltins: true,
    why: "the Prisma run store (SQLite/PostgreSQL) implements the runtime's RunStore port; models come in through the replay-model factory, transport and UI live in the apps",
  },
  {
    name: "store-memory",
    dir: "packages/store-memory",
    package: "@crewflow/store-memory",
    workspace: ["@crewflow/definition", "@crewflow/runtime"],
    forbidden: [...UI_LIBRARIES, ...SERVER_LIBRARIES, ...DB_LIBRARIES, "openai"],
    nodeBuiltins: true,
    why: "the in-memory run store implements the runtime's RunStore port in process memory: no database, transport, UI or model libraries",
  },
  {
    name: "host",
    dir: "packages/host",
    package: "@crewflow/host",
    // store-memory only for its tests (the host spec runs on it); never store-prisma.
    workspace: ["@crewflow/definition", "@crewflow/runtime", "@crewflow/crews", "@crewflow/store-memory"],
    forbidden: [...UI_LIBRARIES, ...SERVER_LIBRARIES, ...DB_LIBRARIES],
    nodeBuiltins: true,
    why: "the run host drives runs over the runtime's RunStore port only; the database (store-prisma, Prisma and its drivers), transport and UI belong to the apps",
  },
  {
    name: "executor-bullmq",
    dir: "packages/executor-bullmq",
    package: "@crewflow/executor-bullmq",
    workspace: ["@crewflow/definition", "@crewflow/runtime", "@crewflow/crews", "@crewflow/host"],
    forbidden: [...UI_LIBRARIES, ...SERVER_LIBRARIES, "@prisma/*", "prisma", "better-sqlite3", "@electric-sql/*"],
    nodeBuiltins: true,
    why: "the scale-out executor drives runs through BullMQ and the run host; it reads and writes runs only through the RunStore port it is given, and transport and UI live in the apps",
  },
  {
    name: "cli",
    dir: "packages/cli",
    package: "@crewflow/cli",
    workspace: ["@crewflow/definition", "@crewflow/runtime", "@crewflow/crews", "@crewflow/host", "@crewflow/store-prisma", "@crewflow/executor-bullmq"],
    forbidden: [...UI_LIBRARIES, "@prisma/*", "prisma"],
    nodeBuiltins: true,
    why: "the CLI sits on top of definition and runtime and never imports the apps",
  },
  {
    name: "server",
    dir: "apps/server",
    package: "@crewflow/server",
    workspace: ["@crewflow/definition", "@crewflow/runtime", "@crewflow/crews", "@crewflow/host", "@crewflow/store-prisma", "@crewflow/executor-bullmq"],
    forbidden: [...UI_LIBRARIES, "@prisma/*", "prisma"],
    nodeBuiltins: true,
    why: "the server hosts the runtime, crews and persistence; it serves the built web app as files, never imports it",
  },
  {
    name: "web",
    dir: "apps/web",
    package: "@crewflow/web",
    workspace: ["@crewflow/definition"],
    typeOnlyWorkspace: ["@crewflow/server"],
    forbidden: [...SERVER_LIBRARIES.filter((p) => p !== "@trpc/*"), ...DB_LIBRARIES, "openai"],
    nodeBuiltins: false,
    why: "the web app runs in the browser and talks to the server only through tRPC (it may `import type` the router); model calls and keys stay on the server",
  },
];

/**
 * The storage port (docs/architecture.md): the run host and its users reach the database only through the runtime's
 * `RunStore`. No Prisma client outside the store package, and hosts name the concrete store only to
 * construct one (`PrismaRunStore.open`), except in the composition roots listed here.
 */
export const STORE_PORT = {
  /** The one package that may use a Prisma client. */
  owner: "packages/store-prisma",
  /** The concrete store class. */
  concreteStore: "PrismaRunStore",
  /** Host sources that must type their store as the port. */
  hosts: ["packages/host/src", "apps/server/src", "packages/cli/src", "packages/executor-bullmq/src"],
  /** Files that may keep the concrete type: the server's run threads reopen the database from its options. */
  concreteAllowed: ["apps/server/src/app.ts", "apps/server/src/core/services.ts"],
};

/** @param {string} text */
function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * @param {string} specifier an import specifier
 * @param {string} pattern a module pattern
 */
export function matchesPattern(specifier, pattern) {
  if (pattern.endsWith("/*")) return specifier.startsWith(pattern.slice(0, -1));
  return specifier === pattern || specifier.startsWith(`${pattern}/`);
}

/**
 * The same pattern as a regular expression source (for ESLint's `patterns[].regex`).
 * @param {string} pattern
 */
export function patternRegex(pattern) {
  if (pattern.endsWith("/*")) return `^${escapeRegex(pattern.slice(0, -1))}`;
  return `^${escapeRegex(pattern)}(/|$)`;
}

/**
 * A regular expression source matching every workspace package except `allowed` (and their subpaths).
 * @param {string[]} allowed
 */
export function workspaceRegex(allowed) {
  const scope = escapeRegex(WORKSPACE_SCOPE);
  if (allowed.length === 0) return `^${scope}`;
  const names = allowed.map((a) => escapeRegex(a.slice(WORKSPACE_SCOPE.length))).join("|");
  return `^${scope}(?!(${names})(/|$))`;
}

/** Node's builtin modules without the `node:` prefix ("fs", "fs/promises", ...). */
const BUILTINS = builtinModules.filter((m) => !m.startsWith("_"));

/**
 * Whether `specifier` names a Node builtin (`node:fs`, `fs`, `fs/promises`).
 * @param {string} specifier
 */
export function isNodeBuiltin(specifier) {
  return specifier.startsWith("node:") || BUILTINS.includes(specifier);
}

/** A regular expression source matching every Node builtin specifier. */
export function nodeBuiltinRegex() {
  return `^(node:|(${BUILTINS.map(escapeRegex).join("|")})$)`;
}
