/**
 * Jest's resolver, but for three modules @pulumi/pulumi loads at start-up and nothing under Jest uses, which Jest would
 * load again for every test file (a tenth of the SDK's load, and through the closure serializer npm's tooling and the
 * TypeScript compiler): the SDK index's automation API and the runtime's closure serializer and code-path packager.
 * Each resolves to a stand-in that fails, naming itself, if it is used. Every other request resolves as Jest's own
 * resolver resolves it.
 */
const path = require("node:path");
const { DEFERRED_SDK_REQUIRES } = require("../../scripts/tooling/sdkOnDemand.cjs");

const SDK_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

/**
 * `require(request)` from `basedir` -> the stand-in: the requires that `pulumi up` and the plan defer until used
 * (scripts/tooling/sdkOnDemand.cjs), which nothing under Jest uses at all.
 */
const STAND_INS = DEFERRED_SDK_REQUIRES.map(({ from, request }) => ({
  basedir: path.join(SDK_DIR, path.dirname(from)),
  request,
  standIn: request === "./automation" ? "automationNotLoaded.cjs" : "closureNotLoaded.cjs",
}));

module.exports = (request, options) => {
  const match = STAND_INS.find((s) => s.request === request && s.basedir === options.basedir);
  return match ? path.join(__dirname, match.standIn) : options.defaultResolver(request, options);
};
