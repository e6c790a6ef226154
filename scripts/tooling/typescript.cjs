/**
 * `node -r ./scripts/tooling/typescript.cjs file.ts`: runs the project's TypeScript under plain Node. A `.ts` file is
 * transpiled (transpile.cjs) when it is first required, and the JavaScript is kept in node_modules/.cache, keyed by the
 * file's content, so later runs start esbuild only for changed files. Every other module loads exactly as Node loads
 * it: a loader that hooks the resolution of every module (tsx) cost the plan a third of its time in
 * @pulumi/pulumi's hundreds of files.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const { transpile: esbuildTranspile, TRANSPILER_KEY } = require("./transpile.cjs");

const CACHE = path.join(__dirname, "..", "..", "node_modules", ".cache", "phi3-foundry-ts");

function cachedTranspile(source, filename) {
  const key = crypto.createHash("sha256").update(JSON.stringify([TRANSPILER_KEY, filename, source])).digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    const { code } = esbuildTranspile(source, filename);
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      // Written aside and renamed, so that a concurrent run never reads half a file.
      const partial = `${cached}.${process.pid}`;
      fs.writeFileSync(partial, code);
      fs.renameSync(partial, cached);
    } catch {
      // A read-only install runs uncached.
    }
    return code;
  }
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  module._compile(cachedTranspile(fs.readFileSync(filename, "utf8"), filename), filename);
};
