import type { PolicyResource } from "@pulumi/policy";
import { durationSeconds, policies, privilegedRole } from "../policy/rules";
import type { RecordedResource } from "../scripts/plan/mockRuntime";
import { policy, policyResources, stackViolations, violations } from "./support/policyHarness";

/**
 * Each rule of the policy pack with every value it must refuse and the value one short of that, the messages written
 * out as `pulumi preview` prints them. Values a preview does not know yet come from the policy SDK's own proxy.
 */

// @pulumi/policy's proxy.js: what the policy server wraps every resource's inputs in; an unknown input reads as the
// sentinel, and reading it throws the SDK's UnknownValueError. Internal to the SDK, hence untyped.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkProxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(props: T): T; unknownStringValue: string; unknownBooleanValue: string };
const UNKNOWN = sdkProxy.unknownStringValue;

const COMPUTE = "azure-native:machinelearningservices:Compute";
const STORAGE = "azure-native:storage:StorageAccount";
const VAULT = "azure-native:keyvault:Vault";
const REGISTRY = "azure-native:containerregistry:Registry";
const ACCOUNT = "azure-native:cognitiveservices:Account";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const PRODUCTION = { environment: "production" };

const cluster = (scaleSettings: Record<string, unknown> | undefined, computeType = "AmlCompute") => ({
  properties: { computeType, disableLocalAuth: true, properties: scaleSettings === undefined ? {} : { scaleSettings } },
});

/** What the rule reports for one resource of `type` with `props`, as the engine would hand them over. */
const check = (name: string, type: string, props: Record<string, unknown>) => violations(policy(name), type, sdkProxy.unknownCheckingProxy(props));

describe("what `pulumi preview` prints of each rule", () => {
  it("names, enforcement levels and descriptions", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel, p.description])).toEqual([
      ["gpu-cluster-scales-to-zero", "mandatory", "A compute cluster keeps no nodes while idle, so nothing bills between jobs (Checkov CKV_AZURE_150)."],
      [
        "gpu-cluster-idles-out",
        "mandatory",
        "A compute cluster releases idle nodes within 60 minutes (the intent of PSRule Azure.ML.ComputeIdleShutdown, for clusters).",
      ],
      ["compute-local-auth-disabled", "mandatory", "Compute accepts Entra ID identities only, not local keys (PSRule Azure.ML.DisableLocalAuth, Checkov CKV_AZURE_142)."],
      ["storage-min-tls-1-2", "mandatory", "Storage refuses TLS older than 1.2 (PSRule Azure.Storage.MinTLS, Checkov CKV_AZURE_44)."],
      ["storage-https-only", "mandatory", "Storage accepts HTTPS only (PSRule Azure.Storage.SecureTransfer, Checkov CKV_AZURE_3)."],
      ["storage-no-public-blob-access", "mandatory", "No blob in the account can be made anonymous (PSRule Azure.Storage.BlobPublicAccess, Checkov CKV_AZURE_190)."],
      ["key-vault-rbac", "mandatory", "Key vault access is granted by Azure RBAC, not access policies (PSRule Azure.KeyVault.RBAC)."],
      ["key-vault-soft-delete", "mandatory", "Deleted secrets can be recovered (PSRule Azure.KeyVault.SoftDelete, Checkov CKV_AZURE_111)."],
      [
        "registry-admin-user-off",
        "mandatory",
        "The registry's shared admin account stays off; pulls use identities (PSRule Azure.ACR.AdminUser, Checkov CKV_AZURE_137).",
      ],
      [
        "key-vault-purge-protection-in-production",
        "mandatory",
        "A production stack's key vaults have purge protection, so a deleted vault or secret stays recoverable (PSRule Azure.KeyVault.PurgeProtect, Checkov CKV_AZURE_110).",
      ],
      ["ai-services-local-auth-disabled", "mandatory", "AI Services accepts Entra ID identities only, no keys (PSRule Azure.AI.DisableLocalAuth, Checkov CKV_AZURE_236)."],
      ["ai-services-managed-identity", "advisory", "AI Services has a managed identity to reach other services without secrets (PSRule Azure.Cognitive.ManagedIdentity)."],
      [
        "ai-services-private-in-production",
        "advisory",
        "A production stack's AI Services account is not reachable from public networks (PSRule Azure.Cognitive.PublicAccess).",
      ],
      [
        "diagnostics-present",
        "mandatory",
        'Every resource that keeps resource logs sends them to a Log Analytics workspace (PSRule Azure.KeyVault.Logs and its kin; Azure Policy\'s "Enable logging by category group" built-ins).',
      ],
      [
        "no-privileged-roles-in-production",
        "mandatory",
        'A production stack assigns no Owner or Contributor role: each identity gets the data and workspace roles it uses (Azure RBAC best practices, "Limit privileged administrator role assignments").',
      ],
      [
        "role-assignment-principal-type",
        "advisory",
        "A role assignment names its principal type, so ARM accepts a new identity before Entra ID has replicated it (Azure docs, role-assignments-template).",
      ],
    ]);
  });
});

describe("the compute rules", () => {
  it("gpu-cluster-scales-to-zero: 0 idle nodes, or none given (ARM's default is 0); 1 and more refused", async () => {
    const bare = { properties: { computeType: "AmlCompute", disableLocalAuth: true } };
    for (const props of [cluster({ minNodeCount: 0 }), cluster({}), cluster(undefined), bare, {}]) expect(await check("gpu-cluster-scales-to-zero", COMPUTE, props)).toEqual([]);
    for (const n of [1, 2]) {
      expect(await check("gpu-cluster-scales-to-zero", COMPUTE, cluster({ minNodeCount: n }))).toEqual([`minNodeCount is ${n}; set it to 0 so idle GPU nodes are released`]);
    }
    // A compute instance is not a cluster: these rules are not about it.
    expect(await check("gpu-cluster-scales-to-zero", COMPUTE, cluster({ minNodeCount: 1 }, "ComputeInstance"))).toEqual([]);
  });

  it("gpu-cluster-idles-out: at most an hour, however written; a second more, a day or none refused", async () => {
    for (const idle of ["PT3600S", "PT60M", "PT1H", "PT59M60S", "PT120S", "PT0S"]) {
      expect(await check("gpu-cluster-idles-out", COMPUTE, cluster({ nodeIdleTimeBeforeScaleDown: idle }))).toEqual([]);
    }
    for (const idle of ["PT3601S", "PT61M", "PT1H0M1S", "PT2H", "P1D", "3600", "PT"]) {
      expect(await check("gpu-cluster-idles-out", COMPUTE, cluster({ nodeIdleTimeBeforeScaleDown: idle }))).toEqual([
        `nodeIdleTimeBeforeScaleDown is ${idle}; at most PT3600S is allowed`,
      ]);
    }
    for (const props of [cluster({}), cluster(undefined), { properties: { computeType: "AmlCompute" } }]) {
      expect(await check("gpu-cluster-idles-out", COMPUTE, props)).toEqual(["nodeIdleTimeBeforeScaleDown is unset; at most PT3600S is allowed"]);
    }
    expect(await check("gpu-cluster-idles-out", COMPUTE, cluster({}, "ComputeInstance"))).toEqual([]);
    expect(await check("gpu-cluster-idles-out", COMPUTE, {})).toEqual([]);
  });

  it("reads ISO 8601 durations of hours, minutes and seconds, and nothing else", () => {
    expect(["PT1H2M3S", "PT10M", "PT12H", "PT45S", "PT0S"].map(durationSeconds)).toEqual([3723, 600, 43200, 45, 0]);
    expect(["PT", "P", "XPT120S", "PT120SX", "PT120", "pt120s", "PT1.5H", "PT-5S", "", undefined].map(durationSeconds)).toEqual(Array(10).fill(NaN));
  });

  it("compute-local-auth-disabled: true only", async () => {
    expect(await check("compute-local-auth-disabled", COMPUTE, { properties: { disableLocalAuth: true } })).toEqual([]);
    for (const props of [{ properties: { disableLocalAuth: false } }, { properties: { disableLocalAuth: "true" } }, { properties: {} }, {}]) {
      expect(await check("compute-local-auth-disabled", COMPUTE, props)).toEqual(["set properties.disableLocalAuth to true"]);
    }
  });
});

describe("the storage rules", () => {
  const good = { minimumTlsVersion: "TLS1_2", enableHttpsTrafficOnly: true, allowBlobPublicAccess: false };

  it("storage-min-tls-1-2: TLS1_2 and TLS1_3; TLS1_0, TLS1_1 and unset (TLS 1.0) refused", async () => {
    for (const version of ["TLS1_2", "TLS1_3"]) expect(await check("storage-min-tls-1-2", STORAGE, { ...good, minimumTlsVersion: version })).toEqual([]);
    for (const version of ["TLS1_0", "TLS1_1", "tls1_2"]) {
      expect(await check("storage-min-tls-1-2", STORAGE, { ...good, minimumTlsVersion: version })).toEqual([`minimumTlsVersion is ${version}; set TLS1_2`]);
    }
    expect(await check("storage-min-tls-1-2", STORAGE, { ...good, minimumTlsVersion: undefined })).toEqual(["minimumTlsVersion is unset (TLS 1.0); set TLS1_2"]);
  });

  it("storage-https-only: true only; false and unset refused", async () => {
    expect(await check("storage-https-only", STORAGE, good)).toEqual([]);
    for (const value of [false, undefined, "true"]) {
      expect(await check("storage-https-only", STORAGE, { ...good, enableHttpsTrafficOnly: value })).toEqual(["set enableHttpsTrafficOnly (ARM supportsHttpsTrafficOnly) to true"]);
    }
  });

  it("storage-no-public-blob-access: false only; true and unset refused", async () => {
    expect(await check("storage-no-public-blob-access", STORAGE, good)).toEqual([]);
    for (const value of [true, undefined, "false"]) {
      expect(await check("storage-no-public-blob-access", STORAGE, { ...good, allowBlobPublicAccess: value })).toEqual(["set allowBlobPublicAccess to false"]);
    }
  });
});

describe("the key vault and registry rules", () => {
  it("key-vault-rbac: true only", async () => {
    expect(await check("key-vault-rbac", VAULT, { properties: { enableRbacAuthorization: true } })).toEqual([]);
    for (const props of [{ properties: { enableRbacAuthorization: false } }, { properties: {} }, {}]) {
      expect(await check("key-vault-rbac", VAULT, props)).toEqual(["set properties.enableRbacAuthorization to true"]);
    }
  });

  it("key-vault-soft-delete: refuses only false", async () => {
    for (const props of [{ properties: { enableSoftDelete: true } }, { properties: {} }, {}]) expect(await check("key-vault-soft-delete", VAULT, props)).toEqual([]);
    expect(await check("key-vault-soft-delete", VAULT, { properties: { enableSoftDelete: false } })).toEqual(["do not set properties.enableSoftDelete to false"]);
  });

  it("key-vault-purge-protection-in-production: a vault tagged environment=production needs it; others do not", async () => {
    const name = "key-vault-purge-protection-in-production";
    expect(await check(name, VAULT, { tags: PRODUCTION, properties: { enablePurgeProtection: true } })).toEqual([]);
    for (const props of [{ tags: PRODUCTION, properties: { enablePurgeProtection: false } }, { tags: PRODUCTION, properties: {} }, { tags: PRODUCTION }]) {
      expect(await check(name, VAULT, props)).toEqual(["the vault is tagged environment=production; set properties.enablePurgeProtection to true"]);
    }
    for (const tags of [{ environment: "Production" }, { environment: "dev" }, { env: "production" }, undefined]) {
      expect(await check(name, VAULT, { tags, properties: {} })).toEqual([]);
    }
  });

  it("registry-admin-user-off: refuses only true", async () => {
    for (const props of [{ adminUserEnabled: false }, {}]) expect(await check("registry-admin-user-off", REGISTRY, props)).toEqual([]);
    expect(await check("registry-admin-user-off", REGISTRY, { adminUserEnabled: true })).toEqual(["set adminUserEnabled to false"]);
  });
});

describe("the AI Services rules", () => {
  it("ai-services-local-auth-disabled: true only", async () => {
    expect(await check("ai-services-local-auth-disabled", ACCOUNT, { properties: { disableLocalAuth: true } })).toEqual([]);
    for (const props of [{ properties: { disableLocalAuth: false } }, { properties: {} }, {}]) {
      expect(await check("ai-services-local-auth-disabled", ACCOUNT, props)).toEqual(["set properties.disableLocalAuth to true"]);
    }
  });

  it("ai-services-managed-identity: system-assigned, user-assigned or both; None and unset reported", async () => {
    for (const type of ["SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned"]) {
      expect(await check("ai-services-managed-identity", ACCOUNT, { identity: { type } })).toEqual([]);
    }
    for (const props of [{ identity: { type: "None" } }, { identity: {} }, {}]) {
      expect(await check("ai-services-managed-identity", ACCOUNT, props)).toEqual(["identity.type is None; use SystemAssigned or UserAssigned"]);
    }
  });

  it("ai-services-private-in-production: Disabled in production; Enabled and unset (Enabled) reported there only", async () => {
    const name = "ai-services-private-in-production";
    expect(await check(name, ACCOUNT, { tags: PRODUCTION, properties: { publicNetworkAccess: "Disabled" } })).toEqual([]);
    expect(await check(name, ACCOUNT, { tags: PRODUCTION, properties: { publicNetworkAccess: "Enabled" } })).toEqual(["publicNetworkAccess is Enabled; set it to Disabled"]);
    expect(await check(name, ACCOUNT, { tags: PRODUCTION, properties: {} })).toEqual(["publicNetworkAccess is unset (Enabled); set it to Disabled"]);
    expect(await check(name, ACCOUNT, { tags: PRODUCTION })).toEqual(["publicNetworkAccess is unset (Enabled); set it to Disabled"]);
    expect(await check(name, ACCOUNT, { tags: { environment: "dev" }, properties: { publicNetworkAccess: "Enabled" } })).toEqual([]);
  });
});

describe("role assignments", () => {
  it("role-assignment-principal-type: any principal type; none reported", async () => {
    for (const principalType of ["ServicePrincipal", "User", "Group"]) expect(await check("role-assignment-principal-type", ROLE_ASSIGNMENT, { principalType })).toEqual([]);
    for (const principalType of ["", undefined]) {
      expect(await check("role-assignment-principal-type", ROLE_ASSIGNMENT, { principalType })).toEqual(["set principalType (ServicePrincipal for managed identities and apps)"]);
    }
  });

  it("privilegedRole: Owner and Contributor by full id or bare GUID, any case; every other role is not", () => {
    // Azure built-in roles reference: Owner, Contributor, Reader, AzureML Data Scientist.
    expect(privilegedRole("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")).toBe("Owner");
    expect(privilegedRole("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/B24988AC-6180-42A0-AB88-20F7382DD24C")).toBe("Contributor");
    for (const id of ["acdd72a7-3385-48ef-bd42-f606fba81ae7", "/providers/Microsoft.Authorization/roleDefinitions/f6c7c914-8db3-469d-8ca1-694a8f32e121", "", undefined, null]) {
      expect(privilegedRole(id)).toBeUndefined();
    }
    // Only the last segment counts: Owner's GUID earlier in the path is not Owner.
    expect(privilegedRole("/8e3af657-a8ff-443c-a75c-2fe8c4bcb635/acdd72a7-3385-48ef-bd42-f606fba81ae7")).toBeUndefined();
  });
});

/** A resource as the program registers it. */
function recorded(name: string, type: string, inputs: Record<string, unknown> = {}, dependsOn: string[] = []): RecordedResource {
  return { urn: `urn:pulumi:test::phi3-foundry::${type}::${name}`, type, name, custom: true, parent: null, dependsOn, id: `/${name}`, inputs, options: {} };
}

/** The resources as the policy server hands them to a stack rule: inputs behind the SDK's proxy, property dependencies where given. */
function asEngine(resources: RecordedResource[], propertyDependencies: Record<string, Record<string, string[]>> = {}): PolicyResource[] {
  const policyResourceList = policyResources(resources);
  const byUrn = new Map(policyResourceList.map((r) => [r.urn, r]));
  for (const r of policyResourceList) {
    r.props = sdkProxy.unknownCheckingProxy(r.props);
    for (const [property, urns] of Object.entries(propertyDependencies[r.name] ?? {})) r.propertyDependencies[property] = urns.map((urn) => byUrn.get(urn)!);
  }
  return policyResourceList;
}

describe("diagnostics-present, over each logged type and each part of a setting", () => {
  const rule = policy("diagnostics-present");
  const LOGS = recorded("logs", "azure-native:operationalinsights:Workspace");
  const allLogs = [{ categoryGroup: "allLogs", enabled: true }];
  const setting = (name: string, targets: RecordedResource[], inputs: Record<string, unknown>, dependsOn = [...targets.map((t) => t.urn), LOGS.urn]) =>
    recorded(name, "azure-native:monitor:DiagnosticSetting", { name: "phi3-foundry", ...inputs }, dependsOn);
  const to = (target: RecordedResource, inputs: Record<string, unknown> = {}) =>
    setting(`${target.name}-logs`, [target], { resourceUri: target.id, workspaceId: LOGS.id, logs: allLogs, ...inputs });
  const noLogs = (r: RecordedResource, where = "") =>
    `${r.name}: ${r.name} (${r.type}) sends no resource logs${where} to a Log Analytics workspace; add a diagnostic setting`;

  // Each type whose resource logs the stack sends to Log Analytics (README, Diagnostics).
  it.each([
    "azure-native:machinelearningservices:Workspace",
    "azure-native:machinelearningservices:OnlineEndpoint",
    "azure-native:keyvault:Vault",
    "azure-native:cognitiveservices:Account",
    "azure-native:containerregistry:Registry",
  ])("%s: reported without a setting, passed with one", async (type) => {
    const resource = recorded("r", type);
    expect(await stackViolations(rule, asEngine([LOGS, resource]))).toEqual([noLogs(resource)]);
    expect(await stackViolations(rule, asEngine([LOGS, resource, to(resource)]))).toEqual([]);
  });

  it("a storage account: only a setting on its blob service counts", async () => {
    const account = recorded("st", STORAGE);
    const where = " from its blob service (<account>/blobServices/default)";
    expect(await stackViolations(rule, asEngine([LOGS, account]))).toEqual([noLogs(account, where)]);
    for (const uri of ["/st/blobServices/default", "/st/BlobServices/Default", UNKNOWN]) {
      expect(await stackViolations(rule, asEngine([LOGS, account, to(account, { resourceUri: uri })]))).toEqual([]);
    }
    for (const uri of ["/st", "/st/fileServices/default", "/st/blobServices/default/containers/x", "/st/blobServices/defaults"]) {
      expect(await stackViolations(rule, asEngine([LOGS, account, to(account, { resourceUri: uri })]))).toEqual([noLogs(account, where)]);
    }
  });

  it("is not about other types, nor about the workspace that receives the logs", async () => {
    const group = recorded("rg", "azure-native:resources:ResourceGroup");
    const settingOnly = setting("orphan", [], { resourceUri: "/x", workspaceId: LOGS.id, logs: allLogs });
    expect(await stackViolations(rule, asEngine([LOGS, group, settingOnly]))).toEqual([]);
  });

  it("needs a workspace: an id, or an id still unknown that comes from a Log Analytics workspace", async () => {
    const vault = recorded("kv", VAULT);
    expect(await stackViolations(rule, asEngine([LOGS, vault, to(vault, { workspaceId: undefined })]))).toEqual([noLogs(vault)]);
    expect(await stackViolations(rule, asEngine([LOGS, vault, to(vault, { workspaceId: UNKNOWN })]))).toEqual([noLogs(vault)]);
    expect(await stackViolations(rule, asEngine([LOGS, vault, to(vault, { workspaceId: UNKNOWN })], { "kv-logs": { workspaceId: [LOGS.urn] } }))).toEqual([]);
    // Unknown, from something that is not a Log Analytics workspace: a storage account, say.
    const account = recorded("st", STORAGE);
    const fromStorage = to(vault, { workspaceId: UNKNOWN });
    const blob = to(account, { resourceUri: "/st/blobServices/default" });
    expect(await stackViolations(rule, asEngine([LOGS, vault, account, blob, fromStorage], { "kv-logs": { workspaceId: [account.urn] } }))).toEqual([noLogs(vault)]);
  });

  it("needs a log category or group enabled, at least one", async () => {
    const vault = recorded("kv", VAULT);
    const withLogs = (logs: unknown) => asEngine([LOGS, vault, to(vault, { logs })]);
    expect(await stackViolations(rule, withLogs([{ category: "AuditEvent", enabled: false }, { categoryGroup: "allLogs", enabled: true }]))).toEqual([]);
    for (const logs of [undefined, [], [{ categoryGroup: "allLogs", enabled: false }], [{ categoryGroup: "allLogs", enabled: "true" }], [{ categoryGroup: "allLogs" }]]) {
      expect(await stackViolations(rule, withLogs(logs))).toEqual([noLogs(vault)]);
    }
  });

  it("takes the setting's target from its resourceUri's dependencies where the engine gives them, else from all its dependencies", async () => {
    const a = recorded("kv-a", VAULT);
    const b = recorded("kv-b", VAULT);
    // One setting that depends on both vaults, its resourceUri on the first only.
    const both = setting("a-logs", [a, b], { resourceUri: UNKNOWN, workspaceId: LOGS.id, logs: allLogs });
    expect(await stackViolations(rule, asEngine([LOGS, a, b, both]))).toEqual([]);
    expect(await stackViolations(rule, asEngine([LOGS, a, b, both], { "a-logs": { resourceUri: [a.urn] } }))).toEqual([noLogs(b)]);
  });

  it("reads an input a preview does not know yet as unknown (an unknown `enabled` is not an enabled log), and lets any other error out", async () => {
    const vault = recorded("kv", VAULT);
    const unknownLogs = setting("kv-logs", [vault], { resourceUri: UNKNOWN, workspaceId: LOGS.id, logs: [{ categoryGroup: "allLogs", enabled: sdkProxy.unknownBooleanValue }] });
    expect(await stackViolations(rule, asEngine([LOGS, vault, unknownLogs]))).toEqual([noLogs(vault)]);
    const resources = asEngine([LOGS, vault, to(vault)]);
    const broken = resources.find((r) => r.name === "kv-logs")!;
    broken.props = Object.defineProperty({}, "resourceUri", {
      get: () => {
        throw new Error("not the SDK's unknown value");
      },
    });
    await expect(stackViolations(rule, resources)).rejects.toThrow("not the SDK's unknown value");
  });
});

describe("no-privileged-roles-in-production, as the engine hands the assignments over", () => {
  const rule = policy("no-privileged-roles-in-production");
  const assignment = (name: string, roleDefinitionId: unknown) => recorded(name, ROLE_ASSIGNMENT, { roleDefinitionId, principalId: "p", principalType: "ServicePrincipal" });
  const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

  it("production is any resource tagged so; a bare GUID counts, an id not known yet cannot be judged", async () => {
    const account = recorded("st", STORAGE, { tags: PRODUCTION });
    expect(await stackViolations(rule, asEngine([recorded("kv", VAULT), account, assignment("owner", OWNER), assignment("later", UNKNOWN)]))).toEqual([
      "owner: owner assigns Owner in a stack tagged environment=production; assign a narrower built-in role",
    ]);
    expect(await stackViolations(rule, asEngine([recorded("st", STORAGE, { tags: { environment: "Production" } }), assignment("owner", OWNER)]))).toEqual([]);
  });
});
