/**
 * Jest only transpiles: esbuild strips each file's types on its own (tests/support/jestTransform.cjs), as `npm run plan`
 * does. Type-checking is `tsgo --noEmit`, its own step of `npm test`, so Jest never type-checks azure-native.
 *
 * hyparquet and hyparquet-writer ship only as ES modules, which Jest's CommonJS runtime cannot load: the same transformer
 * turns their sources into CommonJS, so tests read and write Parquet in-process instead of in a child process.
 * @type {import('jest').Config}
 */
const ESM_ONLY = ["hyparquet", "hyparquet-writer"];

module.exports = {
  // Jest's node environment with an ordinary global object per file, not a contextified one (see the file).
  testEnvironment: "<rootDir>/tests/support/fastGlobalsEnvironment.cjs",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": "<rootDir>/tests/support/jestTransform.cjs",
    [`/node_modules/(${ESM_ONLY.join("|")})/src/.+\\.js$`]: "<rootDir>/tests/support/jestTransform.cjs",
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join("|")})/)`],
  // @pulumi/pulumi loads its automation API and its closure serializer (with npm's tooling and the TypeScript compiler)
  // at start-up, which nothing here uses: each resolves to a stand-in that fails if used (see the resolver).
  resolver: "<rootDir>/tests/support/jestResolver.cjs",
  moduleFileExtensions: ["ts", "js", "json"],
  // One folder a run for the plans that several test files read (tests/support/sharedPlans.ts).
  globalSetup: "<rootDir>/tests/support/planFolderSetup.cjs",
  globalTeardown: "<rootDir>/tests/support/planFolderTeardown.cjs",
  testTimeout: 30000,
  // Three workers on two cores: much of the suite waits (child processes, the stand-ins' Retry-After and polling), and a
  // third worker fills those waits. Measured on 2 cores: idle, the same as two; with one core busy, 46 s against 57 s.
  maxWorkers: 3,
  // `npm test` starts Jest with --max-semi-space-size=64 (package.json), which its workers inherit: the SDK makes many
  // short-lived objects, and with V8's default young generation a test file spent a fifth of its CPU collecting them;
  // 64 MB took 15% off the CPU of a plan test.
  reporters: ["default", "<rootDir>/tests/plainSummaryReporter.js"],
};
