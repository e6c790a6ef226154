/**
 * `node -r ./scripts/lib/typescript.cjs file.ts`: runs the project's TypeScript under plain Node. A `.ts` file is
 * transpiled by esbuild when it is first required (types stripped, nothing checked: `npm test` type-checks; ES2022
 * class fields as tsconfig.json's target has them), and the JavaScript is kept in node_modules/.cache, keyed by the
 * file's content, so later runs start esbuild only for changed files. Every other module loads exactly as Node loads
 * it: tsx does the same work with resolver hooks on every module, which cost the plan a third of its time in
 * @pulumi/pulumi's hundreds of files.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const OPTIONS = { loader: "ts", format: "cjs", target: "node20" };
const CACHE = path.join(__dirname, "..", "..", "node_modules", ".cache", "phi3-foundry-ts");

function transpile(source, filename) {
  const esbuild = require("esbuild");
  const key = crypto.createHash("sha256").update(JSON.stringify([esbuild.version, OPTIONS, filename, source])).digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
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
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
