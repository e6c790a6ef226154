/**
 * Stands in for `typescript` under Jest (jest.config.js) and loads the real compiler on first use. @pulumi/pulumi's
 * runtime requires it at start-up for its closure serializer (runtime/closure/parseFunction), which nothing here calls:
 * our dynamic resources store their provider bundled (components/azure/providers/dynamicResource.ts). Jest loads every
 * test file's modules afresh, so the 9 MB compiler was loaded some 30 times for nothing. Whoever touches it gets the
 * real module.
 */
const path = require("node:path");

// Not `require("typescript")`: under Jest that name maps back to this file.
const file = path.join(path.dirname(require.resolve("typescript/package.json")), require("typescript/package.json").main);
let compiler;
const real = () => (compiler ??= require(file));

module.exports = new Proxy(
  {},
  {
    get: (_, key) => real()[key],
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  },
);
