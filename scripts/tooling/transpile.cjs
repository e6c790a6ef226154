/**
 * How the project's TypeScript becomes JavaScript outside `tsc`: esbuild strips the types of one file at a time
 * (nothing is checked here; `npm test` type-checks with tsgo), to CommonJS with the ES2022 class-field semantics of
 * tsconfig.json's target. `npm run plan` (typescript.cjs) and Jest (tests/support/jestTransform.cjs) both use it.
 */
// esbuild itself loads on the first file to transpile: a start whose files are all cached never needs it.
const { version } = require("esbuild/package.json");

const OPTIONS = { format: "cjs", target: "node20" };
// Under Jest: source maps, and import() compiled to require() (see transpile).
const JEST_OPTIONS = { sourcemap: true, supported: { "dynamic-import": false } };

/**
 * CommonJS for one TypeScript file (or one ES module, which Jest cannot load as it is). For Jest (`forJest`): a source
 * map, so that failures point at the source lines, and `import()` as `require()`, since Jest's module registry serves
 * dynamic imports only behind --experimental-vm-modules; under plain Node `import()` stays Node's own.
 */
function transpile(source, filename, forJest = false) {
  return require("esbuild").transformSync(source, {
    ...OPTIONS,
    loader: filename.endsWith(".ts") ? "ts" : "js",
    sourcefile: filename,
    ...(forJest ? JEST_OPTIONS : {}),
  });
}

/** What a cached result depends on besides the file itself. */
const TRANSPILER_KEY = JSON.stringify(["esbuild", version, OPTIONS, JEST_OPTIONS]);

module.exports = { transpile, TRANSPILER_KEY };
