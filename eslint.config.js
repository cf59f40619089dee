// @ts-check
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";
import { LAYERS, nodeBuiltinRegex, patternRegex, workspaceRegex } from "./tests/architecture/rules.js";

/**
 * The architecture import rules (docs/architecture.md; data in tests/architecture/rules.js) as
 * `@typescript-eslint/no-restricted-imports` overrides, one set per layer. ESLint replaces a rule's
 * options per matching block, so the src/ block repeats the package-wide patterns plus Node builtins.
 * @param {import("./tests/architecture/rules.js").Layer} layer
 * @param {boolean} withNodeBuiltins
 */
function restrictedImports(layer, withNodeBuiltins) {
  const patterns = [
    {
      regex: workspaceRegex([...layer.workspace, layer.package, ...(layer.typeOnlyWorkspace ?? [])]),
      caseSensitive: true,
      message: `${layer.name} may import only these workspace packages: ${layer.workspace.join(", ") || "none"}. See docs/architecture.md.`,
    },
    ...(layer.typeOnlyWorkspace ?? []).map((name) => ({
      regex: patternRegex(name),
      caseSensitive: true,
      allowTypeImports: true,
      message: `${layer.name} may import ${name} with \`import type\` only. See docs/architecture.md.`,
    })),
    ...layer.forbidden.map((pattern) => ({
      regex: patternRegex(pattern),
      caseSensitive: true,
      message: `${layer.name} may not import ${pattern}: ${layer.why}. See docs/architecture.md.`,
    })),
  ];
  if (withNodeBuiltins) {
    patterns.push({
      regex: nodeBuiltinRegex(),
      caseSensitive: true,
      message: `${layer.name}/src may not import Node builtins: ${layer.why}. See docs/architecture.md.`,
    });
  }
  return ["error", { patterns }];
}

const SOURCE = "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}";

export default defineConfig(
  globalIgnores(["**/dist/", "**/node_modules/", "**/generated/", "**/.turbo/", "**/coverage/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...LAYERS.flatMap((layer) => [
    {
      files: [`${layer.dir}/${SOURCE}`],
      rules: {
        "no-restricted-imports": "off",
        "@typescript-eslint/no-restricted-imports": restrictedImports(layer, false),
      },
    },
    ...(layer.nodeBuiltins
      ? []
      : [
          {
            files: [`${layer.dir}/src/${SOURCE}`],
            rules: { "@typescript-eslint/no-restricted-imports": restrictedImports(layer, true) },
          },
        ]),
  ]),
);
