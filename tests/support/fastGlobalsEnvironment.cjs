/**
 * Jest's node environment, with each test file's global object an ordinary one.
 *
 * jest-environment-node runs every test file in a context made by `vm.createContext()`, which "contextifies" its
 * global: each lookup of a global (`Math`, `Object`, `Promise`, `Error`) from code in that context goes through Node's
 * C++ interceptors, and V8 cannot optimize it. The SDK's promise machinery and our data generators look globals up in
 * their hot paths; in Jest's context a seeded random number took 17 times as long as in plain Node, and the suite
 * spent about a quarter of its CPU in those lookups.
 *
 * `vm.constants.DONT_CONTEXTIFY` (Node 20.18 and 22.8 on) makes a context whose global is an ordinary global object,
 * still one per test file, so files stay isolated. Jest's own constructor builds the environment; only the context it
 * asks for is this kind. On an older Node the constant is missing and Jest's default context is used.
 */
const vm = require("node:vm");
const { TestEnvironment } = require("jest-environment-node");

const DONT_CONTEXTIFY = vm.constants?.DONT_CONTEXTIFY;

class FastGlobalsEnvironment extends TestEnvironment {
  constructor(config, context) {
    const createContext = vm.createContext;
    // jest-environment-node calls vm.createContext() once, first thing in its constructor.
    if (DONT_CONTEXTIFY) vm.createContext = (contextObject) => (contextObject === undefined ? createContext(DONT_CONTEXTIFY) : createContext(contextObject));
    try {
      super(config, context);
    } finally {
      vm.createContext = createContext;
    }
  }
}

module.exports = FastGlobalsEnvironment;
