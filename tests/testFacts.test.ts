/**
 * Tests write out the facts they expect (api-versions, role ids, the pipeline's inputs, documented limits, names and
 * prices) as literals taken from Azure's documents or the README, and never import them from the code they check: a
 * test that builds its expected value from the constant under test passes whatever the constant says. This reads the
 * imports of every test file and refuses those names. Tables a test only feeds to a stand-in (GPU_VM_SIZES,
 * PRICE_TABLE, MODEL_CATALOGUE as input) are not on the list.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const TESTS = __dirname;

/** Product constants that hold a fact a test checks: each test writes the value out instead. */
const FACTS = new Set([
  "BUDGET_NOTIFICATIONS",
  "CHAT_COMPLETION_PIPELINE",
  "DEFAULT_CONNECTION_NAME",
  "DEPLOYMENT_SETTINGS",
  "GPU_CLUSTER",
  "HOURS_PER_MONTH",
  "JOB_NAME_PREFIX",
  "LIMIT_REASONS",
  "LR_SCHEDULER_TYPES",
  "PRIVILEGED_ROLES",
  "PRODUCTION_TAG",
  "PROJECT_AI_SERVICES_ROLES",
  "QUOTA_HELP",
  "STUDIO_FIXED_INPUTS",
  "TOTAL_DEDICATED",
]);

/** Every api-version constant, whatever its service. */
const API_VERSION = /_API_VERSION$/;

/** The names a source imports from the product (relative modules outside tests/), with the module. */
function productImports(source: string): { name: string; from: string }[] {
  const found: { name: string; from: string }[] = [];
  for (const match of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(\.\.\/[^"]+)"/g)) {
    const from = match[2];
    if (from.startsWith("../tests/") || from.startsWith("./")) continue;
    for (const part of match[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/)[0].replace(/^type\s+/, "");
      if (name) found.push({ name, from });
    }
  }
  return found;
}

/**
 * Whether every use of `name` pins it: `expect(NAME).toEqual(...)` (or toStrictEqual, toBe) against what the test writes
 * out. That is checking the constant itself, the opposite of building an expected value from it.
 */
function onlyPinned(source: string, name: string): boolean {
  const uses = source.split(/\r?\n/).filter((line) => !/^\s*import\b/.test(line) && new RegExp(`\\b${name}\\b`).test(line));
  return uses.length > 0 && uses.every((line) => new RegExp(`^\\s*expect\\(${name}\\)\\.(toEqual|toStrictEqual|toBe)\\(`).test(line));
}

function refused(source: string): string[] {
  return productImports(source)
    .filter(({ name }) => FACTS.has(name) || API_VERSION.test(name))
    .filter(({ name }) => !onlyPinned(source, name))
    .map(({ name, from }) => `${name} from ${from}`);
}

describe("the facts a test checks", () => {
  it("are written out in the test, not imported from the code under test", () => {
    const files = fs.readdirSync(TESTS).filter((f) => f.endsWith(".ts") && f !== path.basename(__filename));
    const problems = files.flatMap((file) => refused(fs.readFileSync(path.join(TESTS, file), "utf8")).map((p) => `${file}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("would be caught importing an api-version or a listed fact, even renamed or among other names", () => {
    const source = [
      'import { ML_API_VERSION } from "../components/azure/rest/machineLearning";',
      'import { Foundry, DEFAULT_CONNECTION_NAME as NAME } from "../components/foundry";',
      'import { GPU_VM_SIZES } from "../domain/catalogue/vmSizes";',
      'import { chatRecord } from "./support/chatRecords";',
    ].join("\n");
    expect(refused(source)).toEqual(["ML_API_VERSION from ../components/azure/rest/machineLearning", "DEFAULT_CONNECTION_NAME from ../components/foundry"]);
  });

  it("lets a test pin a constant to the value it writes out, but not also use it to build an expectation", () => {
    const pinned = ['import { GPU_CLUSTER } from "../domain/limits";', "    expect(GPU_CLUSTER).toEqual({ maxNodes: 100 });"];
    expect(refused(pinned.join("\n"))).toEqual([]);
    expect(refused([...pinned, "    expect(message).toContain(String(GPU_CLUSTER.maxNodes));"].join("\n"))).toEqual(["GPU_CLUSTER from ../domain/limits"]);
  });
});
