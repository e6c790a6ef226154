/**
 * What Pulumi runs for `pulumi preview`, `up` and `destroy`: package.json's "main". Pulumi.yaml sets `typescript: false`,
 * so Pulumi's language host loads this file as plain JavaScript and never registers its vendored ts-node; the stack's
 * TypeScript loads through the hook every npm script uses (typescript.cjs: esbuild, cached). ts-node installs
 * source-map-support, which maps every stack trace the SDK records (one per promise it makes) and took over a second of
 * every start-up. Nothing is type-checked here either way (`npm test` type-checks); the one difference is that a stack
 * trace of an unexpected error points at the transpiled lines of a .ts file.
 */
require("./typescript.cjs");

module.exports = require("../../infra/index.ts");
