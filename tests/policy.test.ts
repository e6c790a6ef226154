import { CiIdentity } from "../components/ciIdentity";
import { RoleScope } from "../components/roles";
import { durationSeconds, LOGGED_TYPES, MAX_IDLE_SECONDS, policies } from "../policy/rules";
import type { RecordedResource } from "../scripts/plan/mockRuntime";
import { runProgram } from "./helpers";
import { packViolations, policy, policyResources, stackViolations, violations } from "./support/policyHarness";

const COMPUTE = "azure-native:machinelearningservices:Compute";
const aml = (scale: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  properties: { computeType: "AmlCompute", disableLocalAuth: true, properties: { scaleSettings: { maxNodeCount: 1, ...scale } }, ...extra },
});
const goodStorage = { minimumTlsVersion: "TLS1_2", enableHttpsTrafficOnly: true, allowBlobPublicAccess: false };
const ACCOUNT = "azure-native:cognitiveservices:Account";
// The production tag and the idle limit as the README gives them: environment=production; 60 to 3600 seconds.
const production = { environment: "production" };
const keyless = { identity: { type: "SystemAssigned" }, properties: { disableLocalAuth: true } };

const cases: [string, string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
  ["gpu-cluster-scales-to-zero", COMPUTE, aml({ minNodeCount: 0, nodeIdleTimeBeforeScaleDown: "PT120S" }), aml({ minNodeCount: 1 }), /minNodeCount is 1/],
  ["gpu-cluster-idles-out", COMPUTE, aml({ nodeIdleTimeBeforeScaleDown: "PT120S" }), aml({ nodeIdleTimeBeforeScaleDown: "PT2H" }), /PT2H; at most PT3600S/],
  ["compute-local-auth-disabled", COMPUTE, aml({}), aml({}, { disableLocalAuth: false }), /disableLocalAuth to true/],
  ["storage-min-tls-1-2", "azure-native:storage:StorageAccount", goodStorage, { ...goodStorage, minimumTlsVersion: "TLS1_0" }, /TLS1_0; set TLS1_2/],
  ["storage-https-only", "azure-native:storage:StorageAccount", goodStorage, { ...goodStorage, enableHttpsTrafficOnly: false }, /enableHttpsTrafficOnly/],
  ["storage-no-public-blob-access", "azure-native:storage:StorageAccount", goodStorage, { ...goodStorage, allowBlobPublicAccess: true }, /allowBlobPublicAccess to false/],
  ["key-vault-rbac", "azure-native:keyvault:Vault", { properties: { enableRbacAuthorization: true } }, { properties: {} }, /enableRbacAuthorization/],
  ["key-vault-soft-delete", "azure-native:keyvault:Vault", { properties: { enableSoftDelete: true } }, { properties: { enableSoftDelete: false } }, /enableSoftDelete/],
  ["registry-admin-user-off", "azure-native:containerregistry:Registry", { adminUserEnabled: false }, { adminUserEnabled: true }, /adminUserEnabled to false/],
  [
    "key-vault-purge-protection-in-production",
    "azure-native:keyvault:Vault",
    { tags: production, properties: { enablePurgeProtection: true } },
    { tags: production, properties: { enableRbacAuthorization: true } },
    /tagged environment=production; set properties.enablePurgeProtection to true/,
  ],
  ["ai-services-local-auth-disabled", ACCOUNT, keyless, { ...keyless, properties: { disableLocalAuth: false } }, /disableLocalAuth to true/],
  ["ai-services-managed-identity", ACCOUNT, keyless, { properties: { disableLocalAuth: true } }, /identity.type is None/],
  [
    "ai-services-private-in-production",
    ACCOUNT,
    { tags: production, properties: { publicNetworkAccess: "Disabled" } },
    { tags: production, properties: { publicNetworkAccess: "Enabled" } },
    /publicNetworkAccess is Enabled; set it to Disabled/,
  ],
  ["role-assignment-principal-type", "azure-native:authorization:RoleAssignment", { principalType: "ServicePrincipal" }, { principalId: "p" }, /set principalType/],
];

/** A resource as the program registers it, for the stack rules. */
function recorded(name: string, type: string, inputs: Record<string, unknown> = {}, dependsOn: string[] = []): RecordedResource {
  return { urn: `urn:pulumi:test::phi3-foundry::${type}::${name}`, type, name, custom: true, parent: null, dependsOn, id: `/${name}`, inputs, options: {} };
}
const LOGS = recorded("logs", "azure-native:operationalinsights:Workspace");
const diagnosticSetting = (name: string, target: RecordedResource, resourceUri = target.id!, logs = [{ categoryGroup: "allLogs", enabled: true }]) =>
  recorded(name, "azure-native:monitor:DiagnosticSetting", { name: "phi3-foundry", resourceUri, workspaceId: LOGS.id, logs }, [target.urn, LOGS.urn]);

describe("the policy pack", () => {
  it("has one test case per rule, each with a reason and an enforcement level", () => {
    expect(policies.map((p) => p.name).sort()).toEqual([...cases.map(([name]) => name), "diagnostics-present", "no-privileged-roles-in-production"].sort());
    for (const p of policies) {
      expect(p.description.length).toBeGreaterThan(20);
      expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
    }
  });

  it.each(cases)("%s passes a compliant resource and reports a failing one", async (name, type, good, bad, message) => {
    expect(await violations(policy(name), type, good)).toEqual([]);
    const reported = await violations(policy(name), type, bad);
    expect(reported).toEqual([expect.stringMatching(message)]);
  });

  it.each(cases)("%s ignores resources of other types", async (name, type, _good, bad) => {
    const other = type === COMPUTE ? "azure-native:storage:StorageAccount" : COMPUTE;
    expect(await violations(policy(name), other, bad)).toBe("not applicable");
  });

  it("holds only production-tagged vaults and accounts to the production rules", async () => {
    expect(await violations(policy("key-vault-purge-protection-in-production"), "azure-native:keyvault:Vault", { properties: {} })).toEqual([]);
    expect(await violations(policy("ai-services-private-in-production"), ACCOUNT, { tags: { environment: "dev" }, properties: {} })).toEqual([]);
  });

  it("reads ISO 8601 durations, and the cluster limits the config also reads", () => {
    expect(["PT120S", "PT5M", "PT1H", "PT1H30M", "P1D", "", "120"].map(durationSeconds)).toEqual([120, 300, 3600, 5400, NaN, NaN, NaN]);
    expect(MAX_IDLE_SECONDS).toBe(3600);
  });
});

describe("each rule at its limit and past it", () => {
  const STORAGE = "azure-native:storage:StorageAccount";
  // Microsoft.Storage 2024-01-01 storage.json MinimumTlsVersion: TLS1_0, TLS1_1, TLS1_2 (TLS1_3 in later versions).
  it.each(["TLS1_0", "TLS1_1", undefined])("storage-min-tls-1-2 refuses minimumTlsVersion %s", async (version) => {
    expect(await violations(policy("storage-min-tls-1-2"), STORAGE, { ...goodStorage, minimumTlsVersion: version })).toEqual([expect.stringMatching(/set TLS1_2/)]);
  });

  it.each(["TLS1_2", "TLS1_3"])("storage-min-tls-1-2 accepts minimumTlsVersion %s", async (version) => {
    expect(await violations(policy("storage-min-tls-1-2"), STORAGE, { ...goodStorage, minimumTlsVersion: version })).toEqual([]);
  });

  it("gpu-cluster-idles-out accepts an hour exactly and refuses a second more", async () => {
    const rule = policy("gpu-cluster-idles-out");
    expect(await violations(rule, COMPUTE, aml({ nodeIdleTimeBeforeScaleDown: "PT3600S" }))).toEqual([]);
    expect(await violations(rule, COMPUTE, aml({ nodeIdleTimeBeforeScaleDown: "PT1H" }))).toEqual([]);
    expect(await violations(rule, COMPUTE, aml({ nodeIdleTimeBeforeScaleDown: "PT3601S" }))).toHaveLength(1);
    expect(await violations(rule, COMPUTE, aml({ nodeIdleTimeBeforeScaleDown: "PT1H0M1S" }))).toHaveLength(1);
  });

  it("gpu-cluster-scales-to-zero accepts 0 idle nodes and refuses 1 or more", async () => {
    const rule = policy("gpu-cluster-scales-to-zero");
    expect(await violations(rule, COMPUTE, aml({ minNodeCount: 0 }))).toEqual([]);
    for (const minNodeCount of [1, 2]) expect(await violations(rule, COMPUTE, aml({ minNodeCount }))).toHaveLength(1);
  });
});

describe("diagnostics-present", () => {
  const rule = policy("diagnostics-present");
  const vault = recorded("vault", "azure-native:keyvault:Vault");
  const account = recorded("storage", "azure-native:storage:StorageAccount");

  it("passes when each logged resource sends its logs to a Log Analytics workspace, the storage account from its blob service", async () => {
    const resources = [LOGS, vault, account, diagnosticSetting("vault-logs", vault), diagnosticSetting("blob-logs", account, `${account.id}/blobServices/default`)];
    expect(await stackViolations(rule, policyResources(resources))).toEqual([]);
  });

  it("reports a resource without a setting, a storage account logged only at the account, and a setting with no log enabled", async () => {
    const resources = [
      LOGS,
      vault,
      account,
      diagnosticSetting("account-level", account),
      recorded("other-vault", "azure-native:keyvault:Vault"),
      diagnosticSetting("nothing-enabled", recorded("other-vault", "azure-native:keyvault:Vault"), "/other-vault", [{ categoryGroup: "allLogs", enabled: false }]),
    ];
    expect(await stackViolations(rule, policyResources(resources))).toEqual([
      "vault: vault (azure-native:keyvault:Vault) sends no resource logs to a Log Analytics workspace; add a diagnostic setting",
      "storage: storage (azure-native:storage:StorageAccount) sends no resource logs from its blob service (<account>/blobServices/default) to a Log Analytics workspace; add a diagnostic setting",
      "other-vault: other-vault (azure-native:keyvault:Vault) sends no resource logs to a Log Analytics workspace; add a diagnostic setting",
    ]);
  });

  it("covers the types that keep resource logs, and is a stack rule the resource harness skips", async () => {
    expect(LOGGED_TYPES).toContain("azure-native:machinelearningservices:OnlineEndpoint");
    expect(await violations(rule, "azure-native:keyvault:Vault", {})).toBe("not applicable");
  });
});

describe("the pack over the CI identity's resources", () => {
  it("reports nothing: the role assignments name their principal type", async () => {
    const { resources } = await runProgram(
      () => new CiIdentity("ci", {
          githubRepo: "contoso/phi3-infra",
          resourceGroup: new RoleScope("/subscriptions/s/resourceGroups/rg", "s"),
          displayName: "phi-dev",
        }),
    );
    const { reported, checked } = await packViolations(resources);
    expect(reported).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});

describe("no-privileged-roles-in-production", () => {
  const rule = policy("no-privileged-roles-in-production");
  // Azure built-in roles reference: Owner, Contributor, AzureML Data Scientist.
  const role = (guid: string) => `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  const OWNER = role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
  const CONTRIBUTOR = role("b24988ac-6180-42a0-ab88-20f7382dd24c");
  const DATA_SCIENTIST = role("f6c7c914-8db3-469d-8ca1-694a8f32e121");
  const taggedVault = recorded("vault", "azure-native:keyvault:Vault", { tags: production });
  const assignment = (name: string, roleDefinitionId: string) =>
    recorded(name, "azure-native:authorization:RoleAssignment", { roleDefinitionId, principalId: "p", principalType: "ServicePrincipal" });

  it("refuses Contributor and Owner in a stack whose resources are tagged production", async () => {
    const resources = [taggedVault, assignment("owner", OWNER), assignment("contributor", CONTRIBUTOR.toUpperCase()), assignment("scientist", DATA_SCIENTIST)];
    expect(await stackViolations(rule, policyResources(resources))).toEqual([
      "owner: owner assigns Owner in a stack tagged environment=production; assign a narrower built-in role",
      "contributor: contributor assigns Contributor in a stack tagged environment=production; assign a narrower built-in role",
    ]);
  });

  it("passes narrower roles in production, and Contributor in a stack without the tag", async () => {
    expect(await stackViolations(rule, policyResources([taggedVault, assignment("scientist", DATA_SCIENTIST)]))).toEqual([]);
    const dev = recorded("vault", "azure-native:keyvault:Vault", { tags: { environment: "dev" } });
    expect(await stackViolations(rule, policyResources([dev, assignment("contributor", CONTRIBUTOR)]))).toEqual([]);
  });
});
