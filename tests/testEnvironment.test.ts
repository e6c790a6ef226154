/**
 * The environment every test file runs in (jest.config.js): Jest's node environment, with an ordinary global object per
 * file instead of a contextified one (tests/support/fastGlobalsEnvironment.cjs).
 */
import * as path from "node:path";
import * as vm from "node:vm";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestConfig = require(path.join(PROJECT_ROOT, "jest.config.js")) as { testEnvironment: string };
const ENVIRONMENT_FILE = path.join(PROJECT_ROOT, "tests", "support", "fastGlobalsEnvironment.cjs");

interface Environment {
  readonly global: typeof globalThis;
  getVmContext(): vm.Context | null;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

/** An environment built as Jest builds one, from the config it would pass. */
function makeEnvironment(): Environment {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Environment = require(ENVIRONMENT_FILE) as new (config: object, context: object) => Environment;
  const projectConfig = { testEnvironmentOptions: {}, globals: {}, fakeTimers: {} };
  return new Environment({ projectConfig, globalConfig: {} }, { console, docblockPragmas: {}, testPath: __filename });
}

describe("the test environment", () => {
  it("is the one jest.config.js names", () => {
    expect(jestConfig.testEnvironment.replace("<rootDir>", PROJECT_ROOT)).toBe(ENVIRONMENT_FILE);
  });

  (vm.constants?.DONT_CONTEXTIFY ? it : it.skip)("gives each file an ordinary global object: the context Jest runs code in is that global itself", async () => {
    const environment = makeEnvironment();
    const context = environment.getVmContext()!;
    // A contextified context is a sandbox object in front of the global that code sees; this one is the global.
    expect(vm.runInContext("globalThis", context)).toBe(context);
    expect(environment.global).toBe(context);
    // ...with what Jest puts on a test file's global.
    expect(vm.runInContext("typeof process.cpuUsage + typeof setTimeout + typeof Buffer", context)).toBe("functionfunctionfunction");
    await environment.teardown();
  });

  it("keeps files apart: each environment has its own global, and this file's is not Node's own", async () => {
    const [one, two] = [makeEnvironment(), makeEnvironment()];
    vm.runInContext("globalThis.leaked = 1", one.getVmContext()!);
    expect(vm.runInContext("typeof leaked", two.getVmContext()!)).toBe("undefined");
    expect(globalThis).not.toBe(vm.runInThisContext("globalThis"));
    await Promise.all([one.teardown(), two.teardown()]);
  });

  it("leaves vm.createContext as it was once the environment is built: a sandbox given to it is contextified", async () => {
    const before = vm.createContext;
    const environment = makeEnvironment();
    expect(vm.createContext).toBe(before);
    const sandbox = vm.createContext({ a: 1 });
    expect(vm.runInContext("globalThis", sandbox)).not.toBe(sandbox);
    expect(vm.runInContext("a", sandbox)).toBe(1);
    await environment.teardown();
  });
});
