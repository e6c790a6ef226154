/**
 * Stands in for @pulumi/pulumi's closure serializer and code-path packager under Jest (tests/support/jestResolver.cjs).
 * The SDK's runtime loads both at start-up, and with them the TypeScript compiler and npm's own tooling; they serve
 * `dynamic.Resource` and serverless functions, and our custom resources store their providers bundled instead
 * (components/azure/providers/dynamicResource.ts). Anything that calls them fails, loudly.
 */
function notLoaded(name) {
  return () => {
    throw new Error(`@pulumi/pulumi's closure serializer is not loaded under Jest (tests/support/closureNotLoaded.cjs): ${name} was called`);
  };
}

module.exports = {
  serializeFunction: notLoaded("serializeFunction"),
  serializeFunctionAsync: notLoaded("serializeFunctionAsync"),
  computeCodePaths: notLoaded("computeCodePaths"),
};
