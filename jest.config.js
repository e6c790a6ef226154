/**
 * Jest only transpiles: esbuild strips each file's types on its own (tests/support/jestTransform.cjs), as `npm run plan`
 * does. Type-checking is `tsc --noEmit`, its own step of `npm test`, so Jest never type-checks azure-native.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/tests/support/jestTransform.cjs" },
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 30000,
  // Both cores: most of the time goes to starting Pulumi runtimes and child processes, not to CPU-bound work.
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/tests/plainSummaryReporter.js"],
};
