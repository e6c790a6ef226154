import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { durationSeconds, MAX_IDLE_SECONDS, policies } from "../policy/rules";
import { buildPlan } from "../scripts/lib/plan";

const NOT_APPLICABLE = new Error("not applicable");

/** Validation args as the policy engine builds them, with a real type check (the class's type token). */
function argsFor(type: string, props: Record<string, unknown>): ResourceValidationArgs {
  return {
    type,
    props,
    urn: `urn:pulumi:test::phi3-foundry::${type}::r`,
    name: "r",
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] } as any,
    stackTags: new Map(),
    isType: (cls: any) => cls.__pulumiType === type,
    asType: () => undefined,
    getConfig: () => ({}) as any,
    notApplicable: () => {
      throw NOT_APPLICABLE; // as the engine does: the policy skips this resource
    },
  } as unknown as ResourceValidationArgs;
}

/** The messages a policy reports for one resource, or "not applicable" when the policy skips its type. */
async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>): Promise<string[] | "not applicable"> {
  const found: string[] = [];
  const validations = ([] as any[]).concat(policy.validateResource ?? []);
  try {
    for (const validate of validations) await validate(argsFor(type, props), (message: string) => found.push(message));
  } catch (err) {
    if (err === NOT_APPLICABLE) return "not applicable";
    throw err;
  }
  return found;
}

const policy = (name: string) => {
  const found = policies.find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return found;
};

const COMPUTE = "azure-native:machinelearningservices:Compute";
const aml = (scale: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  properties: { computeType: "AmlCompute", disableLocalAuth: true, properties: { scaleSettings: { maxNodeCount: 1, ...scale } }, ...extra },
});
const goodStorage = { minimumTlsVersion: "TLS1_2", enableHttpsTrafficOnly: true, allowBlobPublicAccess: false };

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
  ["online-endpoint-authenticated", "azure-native:machinelearningservices:OnlineEndpoint", { properties: { authMode: "Key" } }, { properties: {} }, /authMode is unset/],
  ["role-assignment-principal-type", "azure-native:authorization:RoleAssignment", { principalType: "ServicePrincipal" }, { principalId: "p" }, /set principalType/],
];

describe("the policy pack", () => {
  it("has one test case per rule, each with a reason and an enforcement level", () => {
    expect(policies.map((p) => p.name).sort()).toEqual(cases.map(([name]) => name).sort());
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

  it("reads ISO 8601 durations", () => {
    expect(["PT120S", "PT5M", "PT1H", "PT1H30M", "P1D", "", "120"].map(durationSeconds)).toEqual([120, 300, 3600, 5400, NaN, NaN, NaN]);
    expect(MAX_IDLE_SECONDS).toBe(3600);
  });

  it("passes the stack's own plan, every resource and every rule", async () => {
    const { resources } = (await buildPlan({ overrides: ["ciGithubRepo=contoso/phi3-infra"] })).document;
    const reported: string[] = [];
    let checked = 0;
    for (const resource of resources.filter((r) => r.custom)) {
      for (const p of policies) {
        const result = await violations(p, resource.type, resource.inputs);
        if (result === "not applicable") continue;
        checked++;
        reported.push(...result.map((message) => `${resource.name}: ${p.name}: ${message}`));
      }
    }
    expect(reported).toEqual([]);
    // 3 compute rules; 3 storage rules x 2 accounts; 2 vault rules x 2 vaults; registry; endpoint; 3 + 2 + 2 role assignments
    expect(checked).toBe(3 + 6 + 4 + 1 + 1 + 7);
  });
});
