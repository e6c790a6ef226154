/**
 * The layout's rules, read from the code itself (README, CONTRIBUTING): which layer may import which, no import loops,
 * no test code in the product, small folders and small files. Every relative import of every production file is
 * resolved to a file, so a moved file that leaves an import behind fails here as well as in tsc.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
/** Folders of the product (everything a user runs or deploys); tests/ is not among them. */
const PRODUCTION = ["domain", "components", "infra", "scripts", "policy", "testing"];
const SOURCE = /\.(ts|cjs|js)$/;
const MAX_FILES_PER_FOLDER = 14;
const MAX_LINES = 400;

/**
 * Production files over {@link MAX_LINES} lines, each with why it is not split yet. The test fails when one of them
 * shrinks below the limit (so the list only shrinks) and when any other file grows over it.
 */
const LONG_FILE_EXCEPTIONS: Readonly<Record<string, string>> = {};

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules" || e.name.startsWith(".")) return [];
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full) : [full];
  });
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");
const productionFiles = PRODUCTION.flatMap((d) => walk(path.join(ROOT, d))).filter((f) => SOURCE.test(f));

/** Relative module names a file imports: `import ... from`, `export ... from`, `import()`, `require()`, side-effect imports. */
function importedNames(source: string): string[] {
  const names: string[] = [];
  const patterns = [/\bfrom\s+["'](\.[^"']*)["']/g, /\bimport\s*\(\s*["'](\.[^"']*)["']\s*\)/g, /\brequire\s*\(\s*["'](\.[^"']*)["']\s*\)/g, /^\s*import\s+["'](\.[^"']*)["']/gm];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) names.push(m[1]);
  return names;
}

function resolveImport(from: string, name: string): string | undefined {
  const base = path.resolve(path.dirname(from), name);
  const candidates = [base, `${base}.ts`, `${base}.cjs`, `${base}.js`, `${base}.json`, path.join(base, "index.ts")];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** file (relative to the root) -> the files it imports (relative to the root). */
const graph = new Map<string, string[]>(
  productionFiles.map((file) => {
    const source = fs.readFileSync(file, "utf8");
    const targets = importedNames(source).map((name) => {
      const target = resolveImport(file, name);
      if (!target) throw new Error(`${rel(file)} imports '${name}', which is no file`);
      return rel(target);
    });
    return [rel(file), targets];
  }),
);

/** Packages a file loads when it runs: imports of types only (`import type`, `export type`) load nothing. */
function packagesLoaded(file: string): string[] {
  const source = fs.readFileSync(path.join(ROOT, file), "utf8").replace(/^\s*(?:import|export)\s+type\b[^;]*?\bfrom\s+["'][^"']+["'];?/gms, "");
  return [...source.matchAll(/(?:\bfrom\s+|\brequire\s*\(\s*|^\s*import\s+)["']([^."'][^"']*)["']/gm)].map((m) => m[1]);
}

/** Every production file `file` reaches by its imports, itself included. */
function reachedFrom(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const next of graph.get(file) ?? []) reachedFrom(next, seen);
  return seen;
}

const importsOf = (prefix: string) =>
  [...graph].filter(([file]) => file.startsWith(prefix)).flatMap(([file, targets]) => targets.map((t) => `${file} -> ${t}`));

describe("layers", () => {
  it("finds the production files and their imports", () => {
    expect(graph.get("infra/index.ts")).toEqual(expect.arrayContaining(["infra/program.ts", "infra/pulumiConfig.ts"]));
    expect(packagesLoaded("infra/pulumiConfig.ts")).toEqual(["@pulumi/pulumi"]);
    expect(graph.size).toBeGreaterThan(80);
  });

  it("domain/ imports none of the layers above it", () => {
    expect(importsOf("domain/").filter((edge) => !/-> domain\//.test(edge))).toEqual([]);
  });

  it("components/ imports only domain/ and itself", () => {
    expect(importsOf("components/").filter((edge) => !/-> (domain|components)\//.test(edge))).toEqual([]);
  });

  it("infra/ imports only components/, domain/ and itself", () => {
    expect(importsOf("infra/").filter((edge) => !/-> (domain|components|infra)\//.test(edge))).toEqual([]);
  });

  it("the policy pack reads domain/limits.ts, which imports nothing", () => {
    expect(importsOf("policy/").filter((edge) => !/-> (policy\/|domain\/limits\.ts$)/.test(edge))).toEqual([]);
    expect(fs.readFileSync(path.join(ROOT, "domain/limits.ts"), "utf8")).not.toMatch(/^\s*import\s|\brequire\s*\(/m);
  });

  // A wrong setting is refused, and the preflight asks Azure, in a fraction of a second: the SDK takes a second to load.
  // The providers' modules are what a custom resource stores; they run where the SDK is loaded already.
  it("the settings' checks, the preflight, the price lookup and the providers load no Pulumi SDK, nor does domain/", () => {
    const providers = ["endpointTraffic", "jobCompletion", "pipelineJob", "promptFlow"].map((name) => `components/azure/providers/${name}.ts`);
    const entries = ["infra/config.ts", "scripts/shared/stackSettings.ts", "scripts/preflight.ts", "scripts/prices.ts", ...providers, ...[...graph.keys()].filter((f) => f.startsWith("domain/"))];
    const sdk = entries.flatMap((entry) => [...reachedFrom(entry)].flatMap((file) => packagesLoaded(file).filter((p) => p.startsWith("@pulumi/")).map((p) => `${entry}: ${file} -> ${p}`)));
    expect(sdk).toEqual([]);
  });

  it("no production file imports from tests/", () => {
    expect([...graph].flatMap(([file, targets]) => targets.filter((t) => t.startsWith("tests/")).map((t) => `${file} -> ${t}`))).toEqual([]);
  });

  it("no production files import each other in a loop", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, "open");
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});

describe("sizes", () => {
  it(`no production folder holds more than ${MAX_FILES_PER_FOLDER} source files side by side`, () => {
    const perFolder = new Map<string, number>();
    for (const file of productionFiles) perFolder.set(rel(path.dirname(file)), (perFolder.get(rel(path.dirname(file))) ?? 0) + 1);
    expect([...perFolder].filter(([, n]) => n > MAX_FILES_PER_FOLDER).map(([dir, n]) => `${dir}: ${n}`)).toEqual([]);
  });

  it(`no production file is over ${MAX_LINES} lines but the listed exceptions, each still over`, () => {
    const lines = (file: string) => fs.readFileSync(file, "utf8").split("\n").length - 1;
    const long = productionFiles.filter((f) => lines(f) > MAX_LINES).map(rel).sort();
    expect(long).toEqual(Object.keys(LONG_FILE_EXCEPTIONS).sort());
  });
});
