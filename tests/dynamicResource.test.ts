/**
 * How a dynamic resource stores its provider (components/azure/providers/dynamicResource.ts): the provider's module
 * bundled, loaded as the SDK's dynamic-provider server loads `__provider` text (its own `require-from-string`, then
 * `handler()`). tests/dynamicProviders.test.ts and tests/promptFlow.test.ts run our real providers in that server.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundledModule, providerText } from "../components/azure/providers/dynamicResource";

// The SDK's server loads the text with this package (@pulumi/pulumi cmd/dynamic-provider/index.js).
const requireFromString = require(require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] })) as (code: string) => {
  handler(): Record<string, unknown>;
};

let root: string;

/** A project of two modules: the provider, which imports a module of ours and a package. */
function writeProject(dir: string, suffix: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "provider.ts"), `import { greeting } from "./greeting";\nimport { join } from "node:path";\nimport * as yaml from "js-yaml";\nexport const theProvider = {\n  async create(inputs: { name: string }) {\n    return { id: join(greeting(inputs.name), String(typeof yaml.load)), outs: { key: (this as { rerunKey?: string }).rerunKey } };\n  },\n};\n`);
  fs.writeFileSync(path.join(dir, "greeting.ts"), `export function greeting(name: string): string {\n  return "hello " + name + "${suffix}";\n}\n`);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "phi3-dynamic-resource-"));
  writeProject(root, ".");
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("providerText", () => {
  it("is loaded by the SDK's loader into the provider, our modules inlined, packages required, the extras on it", async () => {
    const text = providerText({ file: path.join(root, "provider.ts"), exportName: "theProvider", extras: { rerunKey: "phi3-foundry:fineTuneRun" } }, root);
    expect(text).toContain('require("js-yaml")');
    expect(text).toContain('return "hello " + name + ".";');
    expect(text).not.toContain('from "./greeting"');

    const provider = requireFromString(text).handler() as { create(inputs: { name: string }): Promise<{ id: string; outs: { key: string } }>; rerunKey: string };
    expect(provider.rerunKey).toBe("phi3-foundry:fineTuneRun");
    await expect(provider.create({ name: "flow" })).resolves.toEqual({ id: "hello flow./function", outs: { key: "phi3-foundry:fineTuneRun" } });
  });

  it("is the same text in another checkout: it names files relative to the project", () => {
    const elsewhere = path.join(root, "elsewhere");
    writeProject(elsewhere, ".");
    const here = providerText({ file: path.join(root, "provider.ts"), exportName: "theProvider" }, root);
    expect(here).not.toContain(root);
    expect(here).toContain("// provider.ts: theProvider, bundled");
    expect(providerText({ file: path.join(elsewhere, "provider.ts"), exportName: "theProvider" }, elsewhere)).toBe(here);
  });
});

describe("bundledModule's cache", () => {
  const cacheFiles = () => fs.readdirSync(path.join(root, "node_modules", ".cache", "phi3-foundry-providers"));

  it("serves a bundle whose files are unchanged from the cache, and builds again when a file it imports changes", () => {
    const entry = path.join(root, "provider.ts");
    const first = bundledModule(entry, root);
    const [cacheFile] = cacheFiles();
    const cached = JSON.parse(fs.readFileSync(path.join(root, "node_modules", ".cache", "phi3-foundry-providers", cacheFile), "utf8"));
    expect(Object.keys(cached.inputs).sort()).toEqual(["greeting.ts", "provider.ts"]);

    // What the cache holds is what comes back while no input changed.
    fs.writeFileSync(path.join(root, "node_modules", ".cache", "phi3-foundry-providers", cacheFile), JSON.stringify({ ...cached, code: "// from the cache" }));
    expect(bundledModule(entry, root)).toBe("// from the cache");

    writeProject(root, "!");
    const rebuilt = bundledModule(entry, root);
    expect(rebuilt).toContain('return "hello " + name + "!";');
    expect(rebuilt).not.toBe(first);
    expect(cacheFiles()).toEqual([cacheFile]);
  });

  it("builds when the cache is unreadable, and builds anyway when it cannot write one", () => {
    const entry = path.join(root, "provider.ts");
    bundledModule(entry, root);
    const [cacheFile] = cacheFiles();
    fs.writeFileSync(path.join(root, "node_modules", ".cache", "phi3-foundry-providers", cacheFile), "{ not json");
    expect(bundledModule(entry, root)).toContain('return "hello " + name + ".";');

    fs.rmSync(path.join(root, "node_modules"), { recursive: true });
    fs.writeFileSync(path.join(root, "node_modules"), "a file where the cache folder would be");
    expect(bundledModule(entry, root)).toContain('return "hello " + name + ".";');
  });
});
