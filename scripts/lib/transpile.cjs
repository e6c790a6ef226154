/**
 * How the project's TypeScript becomes JavaScript outside `tsc`: esbuild strips the types of one file at a time
 * (nothing is checked here; `npm test` type-checks with tsc), to CommonJS with the ES2022 class-field semantics of
 * tsconfig.json's target. `npm run plan` (typescript.cjs) and Jest (tests/support/jestTransform.cjs) both use it.
 */
const { transformSync, version } = require("esbuild");

const OPTIONS = { loader: "ts", format: "cjs", target: "node20" };

/** JavaScript for one TypeScript file, with a source map when asked (Jest maps failures back to the .ts lines). */
function transpile(source, filename, sourcemap = false) {
  return transformSync(source, { ...OPTIONS, sourcefile: filename, sourcemap });
}

/** What a cached result depends on besides the file itself. */
const TRANSPILER_KEY = JSON.stringify(["esbuild", version, OPTIONS]);

module.exports = { transpile, TRANSPILER_KEY };
