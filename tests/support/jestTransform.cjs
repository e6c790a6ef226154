/**
 * Jest's transformer for the project's TypeScript: esbuild (scripts/tooling/transpile.cjs), the same transpiler
 * `npm run plan` uses. Jest caches the result by the key below; type-checking is tsc's step of `npm test`.
 */
const crypto = require("node:crypto");
const { transpile, TRANSPILER_KEY } = require("../../scripts/tooling/transpile.cjs");

module.exports = {
  process(source, filename) {
    const { code, map } = transpile(source, filename, true);
    return { code, map };
  },
  getCacheKey(source, filename) {
    return crypto.createHash("sha256").update(TRANSPILER_KEY).update("\0").update(filename).update("\0").update(source).digest("hex");
  },
};
