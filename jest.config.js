/**
 * Jest only transpiles: ts-jest with `isolatedModules: true` (tsconfig.json) compiles each file on its own, without
 * type-checking. Type-checking is `tsc --noEmit`, its own step of `npm test`, so Jest never type-checks azure-native.
 *
 * hyparquet and hyparquet-writer ship only as ES modules, which Jest's CommonJS runtime cannot load. ts-jest turns their
 * sources into CommonJS the same way, so tests read and write Parquet in-process instead of in a child process; Jest
 * caches the result, so it costs a few seconds once per cache.
 * @type {import('jest').Config}
 */
const ESM_ONLY = ["hyparquet", "hyparquet-writer"];

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }],
    [`/node_modules/(${ESM_ONLY.join("|")})/src/.+\\.js$`]: [
      "ts-jest",
      { tsconfig: { allowJs: true, module: "commonjs", target: "ES2022", isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join("|")})/)`],
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 30000,
  // Both cores: most of the time goes to starting Pulumi runtimes and child processes, not to CPU-bound work.
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/tests/plainSummaryReporter.js"],
};
