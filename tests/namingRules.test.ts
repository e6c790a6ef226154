import { azureName, nameProblem, namePattern, ResourceKind } from "../domain/naming";

/**
 * Every kind of name the stack builds, written out: the Cloud Adoption Framework's abbreviation first
 * (learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations), then the
 * lengths and characters of "Naming rules and restrictions for Azure resources"
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules), each tried at its limits and one
 * past them. tests/naming.test.ts holds the properties over any prefix and stack.
 */
describe("the name of each kind, as the stack builds it", () => {
  const parts = { prefix: "finetunephi", stack: "dev", suffix: "ab12cd" };

  it.each<[ResourceKind, string]>([
    ["resourceGroup", "rg-finetunephi-dev-ab12cd"],
    ["storageAccount", "stfinetunephidevab12cd"],
    ["keyVault", "kv-finetunephi-de-ab12cd"], // 24: the stack name gives way
    ["containerRegistry", "crfinetunephidevab12cd"],
    ["logAnalyticsWorkspace", "log-finetunephi-dev-ab12cd"],
    ["applicationInsights", "appi-finetunephi-dev-ab12cd"],
    ["mlWorkspace", "mlw-finetunephi-dev-ab12cd"],
    ["managedIdentity", "id-finetunephi-dev-ab12cd"],
    ["computeCluster", "gpufinetunab12cd"], // 16: the prefix shortened, no room for the stack
    ["onlineEndpoint", "ep-finetunephi-dev-ab12cd"],
    ["hubStorageAccount", "sthubfinetunephideab12cd"],
    ["hubKeyVault", "kvhub-finetunephi-ab12cd"],
    ["aiServices", "ais-finetunephi-dev-ab12cd"],
    ["hub", "hub-finetunephi-dev-ab12cd"],
    ["project", "proj-finetunephi-dev-ab12cd"],
    ["budget", "budget-finetunephi-dev-ab12cd"],
    ["actionGroup", "ag-finetunephi-dev-ab12cd"],
    ["logAlert", "alert-finetunephi-dev-ab12cd"],
  ])("%s: %s", (kind, expected) => {
    expect(azureName(kind, parts)).toBe(expected);
  });

  it("lowercases, and turns runs of other characters into one hyphen, trimmed at the ends", () => {
    expect(azureName("resourceGroup", { prefix: "phi", stack: "--Team__A..Dev--", suffix: "x1y2z3" })).toBe("rg-phi-team-a-dev-x1y2z3");
    expect(azureName("storageAccount", { prefix: "phi", stack: "--Team__A..Dev--", suffix: "x1y2z3" })).toBe("stphiteamadevx1y2z3");
  });

  it("drops a hyphen left at the end of a shortened part", () => {
    // room for "te" of "te-am": the hyphen that would end the piece goes, so no "--" reaches the vault name
    expect(azureName("keyVault", { prefix: "abcdefghijk", stack: "te-am", suffix: "ab12cd" })).toBe("kv-abcdefghijk-te-ab12cd");
  });

  it("drops a stack name that has no character the kind allows", () => {
    expect(azureName("resourceGroup", { prefix: "phi", stack: "...", suffix: "x1y2z3" })).toBe("rg-phi-x1y2z3");
  });

  it("refuses to build a name it cannot make valid, naming the kind and the parts", () => {
    expect(() => azureName("storageAccount", { prefix: "phi", stack: "dev", suffix: "x".repeat(30) })).toThrow(
      /cannot build a storageAccount name from .*"suffix":"x{30}".*storageAccount names have 3 to 24/,
    );
  });
});

describe("namePattern", () => {
  it("matches whatever casing Azure returns a name in (names compare case-insensitively, resource-name-rules)", () => {
    expect(namePattern("mlWorkspace", "phi", "dev").test("MLW-PHI-DEV-ABC123")).toBe(true);
  });
});

describe("nameProblem: lengths and characters of the kinds the published-length table does not cover", () => {
  const LENGTHS: [ResourceKind, number, number, string][] = [
    ["applicationInsights", 1, 260, "a"], // Microsoft.Insights components: 1-260
    ["managedIdentity", 3, 128, "i"], // Microsoft.ManagedIdentity userAssignedIdentities: 3-128
    ["computeCluster", 3, 16, "g"], // Microsoft.MachineLearningServices workspaces/computes: 2-16 (ours from 3)
    ["onlineEndpoint", 3, 32, "e"], // online endpoints: 3-32
    ["hubStorageAccount", 3, 24, "s"],
    ["hubKeyVault", 3, 24, "k"],
    ["aiServices", 2, 64, "c"], // Microsoft.CognitiveServices accounts: 2-64
    ["hub", 3, 33, "h"],
    ["project", 3, 33, "p"],
    ["budget", 1, 63, "b"], // Microsoft.Consumption budgets: 1-63
    // Action groups and log alerts: 1-260 in Azure's table; ours must start and end with a letter or digit, so from 2.
    ["actionGroup", 2, 260, "a"],
    ["logAlert", 2, 260, "a"],
  ];

  it.each(LENGTHS)("%s: %i to %i characters", (kind, min, max, letter) => {
    expect(nameProblem(kind, letter.repeat(min))).toBeUndefined();
    expect(nameProblem(kind, letter.repeat(max))).toBeUndefined();
    expect(nameProblem(kind, letter.repeat(max + 1))).toMatch(`' has ${max + 1} characters; ${kind} names have `);
    if (min > 1) expect(nameProblem(kind, letter.repeat(min - 1))).toMatch(kind);
  });

  it("says what is wrong: the name, its length and the kind's range, or the pattern it misses", () => {
    expect(nameProblem("budget", "b".repeat(64))).toBe(`'${"b".repeat(64)}' has 64 characters; budget names have 1 to 63`);
    expect(nameProblem("budget", "a.b")).toBe("'a.b' does not match /^[a-zA-Z0-9_-]+$/ (budget naming rule)");
  });

  it.each<[ResourceKind, string[], string[]]>([
    ["applicationInsights", ["appi-a.b (c)", "A_b"], ["appi%", "appi&x", "a\\b", "a?b", "a/b", "appi.", "appi "]],
    ["managedIdentity", ["id-a_b", "1dx"], ["-id", "_id", "id.x"]],
    ["computeCluster", ["gpua100"], ["Gpu1", "1gpu", "gpu-1", "gpu_1"]],
    ["onlineEndpoint", ["ep-a-1", "Ep1"], ["1ep", "-ep", "ep-", "ep_1"]],
    ["hubStorageAccount", ["sthub1"], ["sthub-1", "stHub"]],
    ["hubKeyVault", ["kvhub-1"], ["1kvhub", "kvhub--1", "kvhub-", "kv_hub"]],
    ["aiServices", ["ais-1", "1a"], ["-ais", "ais-", "ais_1", "ais.1"]],
    ["hub", ["hub_a-1", "1hub"], ["-hub", "_hub", "hub.1"]],
    ["project", ["proj_a-1"], ["-proj", "proj.1"]],
    ["budget", ["budget_a-1", "-"], ["budget.1", "budget 1"]],
    ["actionGroup", ["ag-1"], ["-ag", "ag-", "ag_1", "ag.1"]],
    ["logAlert", ["alert-1"], ["-alert", "alert-", "alert_1"]],
    ["resourceGroup", ["rg-a.b(c)_d", "rg("], ["rg.", "rg/x", "rg x"]],
    ["logAnalyticsWorkspace", ["log-1"], ["-log", "log_1"]],
    ["mlWorkspace", ["mlw_a-1"], ["_mlw", "mlw.1"]],
    ["keyVault", ["kv-a-b"], ["kv-ab--c"]],
  ])("%s accepts %j and refuses %j", (kind, good, bad) => {
    for (const name of good) expect(nameProblem(kind, name)).toBeUndefined();
    for (const name of bad) expect(nameProblem(kind, name)).toMatch(`does not match`);
  });
});
