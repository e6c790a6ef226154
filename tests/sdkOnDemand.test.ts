/**
 * The SDK's closure serializer and automation API load when used, not when the stack starts
 * (scripts/tooling/sdkOnDemand.cjs). It hooks Node's module loader, which Jest's module registry never calls, so a Node
 * process loads a stand-in of the SDK's files from a temporary folder here; tests/loader.test.ts runs the real SDK that
 * way under Pulumi's entry. The last test holds the table to the installed SDK's files.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFERRED_SDK_REQUIRES } = require("../scripts/tooling/sdkOnDemand.cjs") as {
  DEFERRED_SDK_REQUIRES: { from: string; request: string; functions: string[] }[];
};

/** Each stand-in module records its loading in loads.js. */
const FILES: Record<string, string> = {
  "loads.js": "module.exports = [];",
  "node_modules/@pulumi/pulumi/index.js": [
    'require("../../../loads.js").push("index");',
    "var __importStar = (mod) => (mod && mod.__esModule ? mod : Object.assign({}, mod));",
    'exports.automation = __importStar(require("./automation"));',
    'exports.runtime = require("./runtime");',
    'exports.output = require("./output");',
  ].join("\n"),
  "node_modules/@pulumi/pulumi/output.js": 'require("../../../loads.js").push("output"); exports.output = (v) => v;',
  "node_modules/@pulumi/pulumi/automation/index.js": [
    'require("../../../../loads.js").push("automation");',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    "exports.LocalWorkspace = class LocalWorkspace {};",
  ].join("\n"),
  "node_modules/@pulumi/pulumi/runtime/index.js": [
    'require("../../../../loads.js").push("runtime");',
    'var serializeClosure_1 = require("./closure/serializeClosure");',
    "exports.serializeFunctionAsync = serializeClosure_1.serializeFunctionAsync;",
    "exports.serializeFunction = serializeClosure_1.serializeFunction;",
    'var codePaths_1 = require("./closure/codePaths");',
    "exports.computeCodePaths = codePaths_1.computeCodePaths;",
  ].join("\n"),
  "node_modules/@pulumi/pulumi/runtime/closure/serializeClosure.js": [
    'require("../../../../../loads.js").push("serializeClosure");',
    "exports.serializeFunction = async (f, options) => ({ text: `exports.handler = ${f}`, options });",
    "exports.serializeFunctionAsync = async (f) => `${f}`;",
  ].join("\n"),
  "node_modules/@pulumi/pulumi/runtime/closure/codePaths.js": 'require("../../../../../loads.js").push("codePaths"); exports.computeCodePaths = () => new Map();',
  // Another package with a module of the same name: azure-native has ./automation (Azure Automation's enums).
  "node_modules/other/index.js": 'exports.automation = require("./automation");',
  "node_modules/other/automation.js": 'require("../../loads.js").push("other automation"); exports.RunbookType = { Script: "Script" };',
};

/**
 * Run by Node in the folder: installs the deferral, then uses the stand-in SDK as a program would, and prints what had
 * loaded (loads.js) after each step.
 */
const SCENARIO = `
const { loadSdkPartsOnDemand } = require(process.argv[2]);
loadSdkPartsOnDemand();
loadSdkPartsOnDemand();
const loads = require("./loads.js");
const seen = {};
const sdk = require("@pulumi/pulumi");
seen.sdk = [...loads];
const handler = () => 42;
sdk.runtime.serializeFunction(handler, { isFactoryFunction: false }).then((serialized) => {
  seen.serialized = serialized;
  seen.serializer = [...loads];
  seen.codePaths = sdk.runtime.computeCodePaths() instanceof Map;
  seen.afterCodePaths = [...loads];
  seen.esModule = sdk.automation.__esModule;
  seen.afterEsModule = [...loads];
  seen.workspace = new sdk.automation.LocalWorkspace().constructor.name;
  seen.automationKeys = Object.keys(sdk.automation);
  seen.afterAutomation = [...loads];
  seen.other = require("other").automation.RunbookType;
  seen.afterOther = [...loads];
  process.stdout.write(JSON.stringify(seen));
});
`;

let seen: Record<string, unknown>;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phi3-sdk-on-demand-"));
  try {
    for (const [file, text] of Object.entries({ ...FILES, "scenario.js": SCENARIO })) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const hook = path.join(PROJECT_ROOT, "scripts", "tooling", "sdkOnDemand.cjs");
    seen = JSON.parse(execFileSync(process.execPath, [path.join(dir, "scenario.js"), hook], { cwd: dir, encoding: "utf8" }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("the SDK's parts that load when used (scripts/tooling/sdkOnDemand.cjs)", () => {
  it("loads neither the closure serializer nor the automation API with the SDK", () => {
    expect(seen.sdk).toEqual(["index", "runtime", "output"]);
  });

  it("loads the serializer's module at the first call of one of its functions, which answers as the module does", () => {
    expect(seen.serialized).toEqual({ text: "exports.handler = () => 42", options: { isFactoryFunction: false } });
    expect(seen.serializer).toEqual(["index", "runtime", "output", "serializeClosure"]);
    expect(seen.codePaths).toBe(true);
    expect(seen.afterCodePaths).toEqual(["index", "runtime", "output", "serializeClosure", "codePaths"]);
  });

  it("loads the automation API at the first read of one of its exports, once", () => {
    expect(seen.esModule).toBe(true);
    expect(seen.afterEsModule).not.toContain("automation");
    expect(seen.workspace).toBe("LocalWorkspace");
    expect(seen.automationKeys).toEqual(["LocalWorkspace"]);
    expect((seen.afterAutomation as string[]).filter((name) => name === "automation")).toEqual(["automation"]);
  });

  it("loads every other module as Node does, another package's ./automation included", () => {
    expect(seen.other).toEqual({ Script: "Script" });
    expect((seen.afterOther as string[]).at(-1)).toBe("other automation");
  });

  it("defers exactly what the installed @pulumi/pulumi requires at start-up, and hands out only the functions its files read", () => {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    for (const { from, request, functions } of DEFERRED_SDK_REQUIRES) {
      const text = fs.readFileSync(path.join(sdk, from), "utf8");
      // As Node resolves a relative request (Jest resolves these to its stand-ins: tests/support/jestResolver.cjs).
      const base = path.join(path.dirname(path.join(sdk, from)), request);
      const required = [`${base}.js`, path.join(base, "index.js")].find((file) => fs.existsSync(file));
      expect(required).toBeDefined();
      if (functions.length === 0) {
        // Read through TypeScript's __importStar, which hands on a module marked __esModule as it is.
        expect(text).toContain(`__importStar(require("${request}"))`);
        expect(fs.readFileSync(required!, "utf8")).toContain('Object.defineProperty(exports, "__esModule", { value: true });');
      } else {
        const binding = new RegExp(`var (\\w+) = require\\("${request.replace(/[./]/g, "\\$&")}"\\);`).exec(text)?.[1];
        expect(binding).toBeDefined();
        const read = [...text.matchAll(new RegExp(`\\b${binding}\\.(\\w+)`, "g"))].map((m) => m[1]);
        expect(new Set(read)).toEqual(new Set(functions));
        for (const name of functions) expect(fs.readFileSync(required!, "utf8")).toMatch(new RegExp(`^function ${name}\\(|exports\\.${name} = ${name};`, "m"));
      }
    }
  });
});
