/**
 * Jest's resolver, but for one module: @pulumi/pulumi's `require("./automation")`, from the SDK's index only, resolves
 * to tests/support/automationNotLoaded.cjs.
 */
const path = require("node:path");

const SDK_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const AUTOMATION_STAND_IN = path.join(__dirname, "automationNotLoaded.cjs");

module.exports = (request, options) =>
  request === "./automation" && options.basedir === SDK_DIR ? AUTOMATION_STAND_IN : options.defaultResolver(request, options);
