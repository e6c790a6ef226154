/**
 * What Pulumi runs for `pulumi preview`, `up` and `destroy`: package.json's "main". Pulumi.yaml sets `typescript: false`,
 * so Pulumi's language host loads this file as plain JavaScript and never registers its vendored ts-node; the stack's
 * TypeScript loads through the hook every npm script uses (typescript.cjs: esbuild, cached). Nothing is type-checked
 * here either way (`npm test` type-checks).
 *
 * Pulumi's entry (@pulumi/pulumi/cmd/run) installs source-map-support, which formats every stack trace through the
 * source maps it finds, and the SDK records one for each promise it makes: with it the program's start took 0.8 s more.
 * It maps nothing of ours (the hook writes no source maps) and maps the SDK's frames to its TypeScript sources, which
 * the package does not ship, so the stack's traces are Node's own: the SDK's lines are those of its JavaScript.
 */
Error.prepareStackTrace = undefined;

// The SDK's closure serializer and automation API load if used, not at start-up (see the file).
require("./sdkOnDemand.cjs").loadSdkPartsOnDemand();
require("./typescript.cjs");

module.exports = require("../../infra/index.ts");
