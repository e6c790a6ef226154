/**
 * Stands in for @npmcli/arborist under Jest (jest.config.js). @pulumi/pulumi's runtime requires it, and through it some
 * 400 modules of npm's own tooling, only for computeCodePaths, which packages a function's node_modules for serverless
 * functions; nothing this project runs calls it. Jest loads every test file's modules afresh, so that was a quarter of
 * each file's start. Anything that does reach it fails here, loudly.
 */
class Arborist {
  constructor() {
    throw new Error("@npmcli/arborist is not loaded under Jest (tests/support/arboristNotLoaded.cjs): computeCodePaths was called");
  }
}

module.exports = { Arborist };
