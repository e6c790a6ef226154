/**
 * What every test file runs in (jest.config.js): Jest's node environment with an ordinary global object per file
 * instead of a contextified one (tests/support/fastGlobalsEnvironment.cjs), the resolver's stand-ins for the parts of
 * the SDK nothing here uses (tests/support/jestResolver.cjs), and the folder of the plans files share.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
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

describe("the resolver (tests/support/jestResolver.cjs)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const resolver = require(path.join(PROJECT_ROOT, "tests", "support", "jestResolver.cjs")) as (request: string, options: object) => string;
  const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const defaultResolver = (request: string, options: { basedir: string }) => require.resolve(request, { paths: [options.basedir] });

  it("resolves the SDK index's ./automation to the stand-in, which fails when read", () => {
    const standIn = resolver("./automation", { basedir: sdk, defaultResolver });
    expect(standIn).toBe(path.join(PROJECT_ROOT, "tests", "support", "automationNotLoaded.cjs"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(() => (require(standIn) as { LocalWorkspace: unknown }).LocalWorkspace).toThrow(/automation API is not loaded under Jest.*automation\.LocalWorkspace/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect("LocalWorkspace" in (require("@pulumi/pulumi") as { automation: object }).automation).toBe(false);
  });

  it("resolves the runtime's closure serializer and code-path packager to a stand-in that fails when called", () => {
    const runtime = path.join(sdk, "runtime");
    const standIn = path.join(PROJECT_ROOT, "tests", "support", "closureNotLoaded.cjs");
    expect(resolver("./closure/serializeClosure", { basedir: runtime, defaultResolver })).toBe(standIn);
    expect(resolver("./closure/codePaths", { basedir: runtime, defaultResolver })).toBe(standIn);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    expect(() => pulumi.runtime.serializeFunction(() => 1)).toThrow(/closure serializer is not loaded under Jest.*serializeFunction was called/);
    expect(() => pulumi.runtime.computeCodePaths()).toThrow(/computeCodePaths was called/);
  });

  it("leaves every other ./automation as it is: azure-native's enums of Azure Automation", () => {
    const enums = path.join(path.dirname(require.resolve("@pulumi/azure-native/package.json")), "types", "enums");
    expect(resolver("./automation", { basedir: enums, defaultResolver })).toBe(path.join(enums, "automation", "index.js"));
    expect(resolver("./output", { basedir: sdk, defaultResolver })).toBe(path.join(sdk, "output.js"));
  });
});

describe("the shared plans' folder (tests/support/planFolderSetup.cjs)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { removeLeftFolders } = require(path.join(PROJECT_ROOT, "tests", "support", "planFolderSetup.cjs")) as { removeLeftFolders(dir: string): string[] };

  it("removes the folders of runs that ended without their teardown, and keeps those of runs still going", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-folders-"));
    try {
      const ended = spawnSync(process.execPath, ["-e", ""]).pid!;
      for (const name of [`phi3-plans-${ended}-abc123`, `phi3-plans-${process.pid}-def456`, "phi3-plans-xyz789", "other"]) fs.mkdirSync(path.join(dir, name));
      expect(removeLeftFolders(dir)).toEqual([`phi3-plans-${ended}-abc123`]);
      expect(fs.readdirSync(dir).sort()).toEqual(["other", `phi3-plans-${process.pid}-def456`, "phi3-plans-xyz789"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
