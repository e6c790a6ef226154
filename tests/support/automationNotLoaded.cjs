/**
 * Stands in for @pulumi/pulumi's automation API under Jest (tests/support/jestResolver.cjs). The SDK's index loads it
 * eagerly, and with it execa, yargs, semver and npm's package readers, about a tenth of the SDK's load, which Jest
 * repeats for every test file; nothing here drives Pulumi through it. Anything that reads it fails, loudly.
 */
module.exports = new Proxy(
  {},
  {
    get(_target, key) {
      if (key === "__esModule" || typeof key === "symbol") return undefined;
      throw new Error(`@pulumi/pulumi's automation API is not loaded under Jest (tests/support/automationNotLoaded.cjs): automation.${String(key)} was read`);
    },
    ownKeys: () => [],
  },
);
