/**
 * Jest only transpiles (SWC); type-checking is `tsc --noEmit`, its own step of `npm test`,
 * so that Jest never type-checks all of azure-native.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 30000,
  reporters: ["default", "<rootDir>/tests/plainSummaryReporter.js"],
};
