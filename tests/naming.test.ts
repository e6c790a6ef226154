import fc from "fast-check";
import { azureName, nameProblem, namePattern, nameRules, ResourceKind } from "../domain/naming";

const kinds = Object.keys(nameRules) as ResourceKind[];
const prefixes = fc.stringMatching(/^[a-z0-9]{3,12}$/);
// Pulumi stack names: letters, digits, '-', '_' and '.', up to 100 characters.
const stacks = fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/);
const suffixes = fc.stringMatching(/^[a-z0-9]{6}$/);

describe("azureName", () => {
  it("cuts the prefix, then the stack name, to fit, as the README's example shows", () => {
    // Key vault names: 3 to 24 characters; storage accounts: 3 to 24 lowercase letters and digits (Azure's naming rules).
    expect(azureName("keyVault", { prefix: "finetunephi", stack: "dev-feature-x", suffix: "k3x9qa" })).toBe("kv-finetunephi-de-k3x9qa");
    expect(azureName("storageAccount", { prefix: "finetunephi", stack: "dev-feature-x", suffix: "k3x9qa" })).toBe("stfinetunephidevfek3x9qa");
  });

  it("builds a valid name of every kind for any valid prefix, stack name and suffix", () => {
    fc.assert(
      fc.property(prefixes, stacks, suffixes, (prefix, stack, suffix) => {
        // Plain checks, each throwing what is wrong (fast-check adds the parts): thousands of names a run.
        for (const kind of kinds) {
          const name = azureName(kind, { prefix, stack, suffix });
          const problem = nameProblem(kind, name);
          if (problem !== undefined) throw new Error(`${kind} ${name}: ${problem}`);
          // The tightest rule (compute, 16) leaves 7 for the prefix.
          if (!name.includes(prefix.slice(0, 7))) throw new Error(`${kind} ${name} lost the prefix's first 7 characters`);
          if (!name.endsWith(suffix)) throw new Error(`${kind} ${name} does not end with the suffix`);
          if (!name.startsWith(nameRules[kind].abbreviation)) throw new Error(`${kind} ${name} does not start with ${nameRules[kind].abbreviation}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic: the same parts always give the same name", () => {
    fc.assert(
      fc.property(prefixes, stacks, suffixes, (prefix, stack, suffix) => {
        for (const kind of kinds) {
          const [first, second] = [azureName(kind, { prefix, stack, suffix }), azureName(kind, { prefix, stack, suffix })];
          if (first !== second) throw new Error(`${kind}: ${first}, then ${second}`);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("keeps the stack name where it fits and shortens it where it does not", () => {
    const parts = { prefix: "finetunephi", stack: "production", suffix: "ab12cd" };
    expect(azureName("resourceGroup", parts)).toBe("rg-finetunephi-production-ab12cd");
    expect(azureName("storageAccount", parts)).toBe("stfinetunephiproduab12cd");
    expect(azureName("storageAccount", parts)).toHaveLength(24);
    expect(azureName("keyVault", parts)).toBe("kv-finetunephi-pr-ab12cd");
    expect(azureName("containerRegistry", parts)).toBe("crfinetunephiproductionab12cd");
    expect(azureName("computeCluster", parts)).toBe("gpufinetunab12cd");
  });

  it("shortens the stack name to what is left by a long prefix, keeping prefix and suffix whole", () => {
    const name = azureName("keyVault", { prefix: "abcdefghijkl", stack: "development", suffix: "ab12cd" });
    expect(name).toBe("kv-abcdefghijkl-d-ab12cd");
    expect(name).toHaveLength(24);
  });

  it("turns stack names with dots and underscores into the characters each kind allows", () => {
    const parts = { prefix: "phi", stack: "team_a.dev", suffix: "x1y2z3" };
    expect(azureName("mlWorkspace", parts)).toBe("mlw-phi-team-a-dev-x1y2z3");
    expect(azureName("containerRegistry", parts)).toBe("crphiteamadevx1y2z3");
  });
});

describe("nameProblem", () => {
  it.each<[ResourceKind, string]>([
    ["storageAccount", "st-has-hyphens"],
    ["storageAccount", "stUPPER"],
    ["storageAccount", "st"],
    ["storageAccount", "s".repeat(25)],
    ["keyVault", "1kv-starts-with-digit"],
    ["keyVault", "kv--double-hyphen"],
    ["keyVault", "kv-ends-with-hyphen-"],
    ["containerRegistry", "cr1"],
    ["containerRegistry", "cr-hyphen"],
    ["mlWorkspace", "-mlw"],
    ["mlWorkspace", "m".repeat(34)],
    ["logAnalyticsWorkspace", "log-"],
    ["computeCluster", "1gpu"],
    ["computeCluster", "gpu-a100"],
    ["computeCluster", "g".repeat(17)],
    ["resourceGroup", "rg-ends-with-period."],
    ["applicationInsights", "appi/slash"],
  ])("refuses %s name %j", (kind, name) => {
    expect(nameProblem(kind, name)).toMatch(kind);
  });

  it.each<[ResourceKind, string]>([
    ["storageAccount", "stfinetunephi123"],
    ["keyVault", "kv-finetunephi-ab12"],
    ["containerRegistry", "crfinetunephi"],
    ["mlWorkspace", "mlw_finetune-phi"],
    ["computeCluster", "gpua100phi"],
  ])("accepts %s name %j", (kind, name) => {
    expect(nameProblem(kind, name)).toBeUndefined();
  });
});

describe("namePattern", () => {
  it("matches the names of this prefix and stack with any suffix, and no other stack's", () => {
    fc.assert(
      fc.property(prefixes, stacks, suffixes, (prefix, stack, suffix) => {
        expect(namePattern("mlWorkspace", prefix, stack).test(azureName("mlWorkspace", { prefix, stack, suffix }))).toBe(true);
      }),
      { numRuns: 100 },
    );
    const own = namePattern("mlWorkspace", "phi", "dev");
    expect(own.test("mlw-phi-dev-abc123")).toBe(true);
    expect(own.test("mlw-phi-prod-abc123")).toBe(false);
    expect(own.test("mlw-phi-dev-abc1234")).toBe(false);
  });
});

/**
 * Lengths as Azure publishes them, written out here: "Naming rules and restrictions for Azure resources"
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules). Each rule is tried at its limits and
 * one past each.
 */
describe("nameProblem at Azure's published length limits", () => {
  const PUBLISHED_LENGTHS: [ResourceKind, number, number, (length: number) => string][] = [
    ["resourceGroup", 1, 90, (n) => "r".repeat(n)],
    ["storageAccount", 3, 24, (n) => "s".repeat(n)],
    ["keyVault", 3, 24, (n) => "k".repeat(n)],
    ["containerRegistry", 5, 50, (n) => "c".repeat(n)],
    ["logAnalyticsWorkspace", 4, 63, (n) => "l".repeat(n)],
    ["mlWorkspace", 3, 33, (n) => "m".repeat(n)],
  ];

  it.each(PUBLISHED_LENGTHS)("%s: %i to %i characters", (kind, min, max, name) => {
    expect(nameProblem(kind, name(min))).toBeUndefined();
    expect(nameProblem(kind, name(max))).toBeUndefined();
    expect(nameProblem(kind, name(max + 1))).toMatch(kind);
    if (min > 1) expect(nameProblem(kind, name(min - 1))).toMatch(kind);
  });
});
