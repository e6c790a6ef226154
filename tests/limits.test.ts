import { parseStackConfig, validStackConfig } from "../infra/config";
import { rawConfigFrom } from "../infra/configKeys";
import { ConfigError } from "../infra/configReader";
import { GPU_CLUSTER, LIMIT_REASONS, PRIVILEGED_ROLES, PRODUCTION_TAG, RULES } from "../domain/limits";
import { loadStackSettings } from "../scripts/shared/stackFiles";
import { loadSettingsReportingAll } from "../scripts/shared/stackSettings";
import { policy, violations } from "./support/policyHarness";

/** The dev stack's raw settings with `overrides` on top, as the program would read them. */
const raw = (overrides: Record<string, string> = {}) =>
  rawConfigFrom(loadStackSettings("dev", Object.entries(overrides).map(([k, v]) => `${k}=${v}`)).config);

/** What the config says about a key, or undefined when it accepts the value. */
function refusal(overrides: Record<string, string>, key: string): string | undefined {
  try {
    parseStackConfig(raw(overrides));
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.find((p) => p.key === key)?.allowed;
  }
}

/** The limits and rule names as the README's configuration and policy tables give them, written out here. */
const REASONS = {
  idleNodes: "a GPU cluster keeps no nodes while idle (mandatory policy rule gpu-cluster-scales-to-zero)",
  idleSeconds: "a GPU cluster releases an idle node within 60 minutes (mandatory policy rule gpu-cluster-idles-out)",
  purgeProtection: "a production stack's key vaults keep deleted secrets recoverable for their retention period (mandatory policy rule key-vault-purge-protection-in-production)",
  noPrivilegedRoles: "a production stack assigns no Contributor or Owner role (mandatory policy rule no-privileged-roles-in-production)",
};

const COMPUTE = "azure-native:machinelearningservices:Compute";
const cluster = (scaleSettings: Record<string, unknown>) => ({
  properties: { computeType: "AmlCompute", disableLocalAuth: true, properties: { scaleSettings: { maxNodeCount: 1, ...scaleSettings } } },
});
const vault = (production: boolean, purgeProtection: boolean) => ({
  tags: production ? { environment: "production" } : {},
  properties: { enableRbacAuthorization: true, ...(purgeProtection ? { enablePurgeProtection: true } : {}) },
});

describe("one source of limits for the config and the policy pack", () => {
  it("names only rules the pack enforces as mandatory", () => {
    for (const name of Object.values(RULES)) expect(policy(name).enforcementLevel).toBe("mandatory");
  });

  it("idle nodes: the config refuses what gpu-cluster-scales-to-zero refuses, and accepts what it accepts", async () => {
    const rule = policy("gpu-cluster-scales-to-zero");
    expect(refusal({ trainingMinNodes: "1" }, "trainingMinNodes")).toBe(`0: ${REASONS.idleNodes}`);
    expect(await violations(rule, COMPUTE, cluster({ minNodeCount: 1 }))).toHaveLength(1);
    expect(refusal({ trainingMinNodes: "0" }, "trainingMinNodes")).toBeUndefined();
    expect(await violations(rule, COMPUTE, cluster({ minNodeCount: 0 }))).toEqual([]);
  });

  it("idle time: the config refuses what gpu-cluster-idles-out refuses, and accepts its longest", async () => {
    const rule = policy("gpu-cluster-idles-out");
    const longest = 3600;
    for (const seconds of [longest + 1, 86400]) {
      expect(refusal({ trainingIdleSeconds: String(seconds) }, "trainingIdleSeconds")).toBe(`a whole number from 60 to ${longest}: ${REASONS.idleSeconds}`);
      expect(await violations(rule, COMPUTE, cluster({ nodeIdleTimeBeforeScaleDown: `PT${seconds}S` }))).toHaveLength(1);
    }
    expect(refusal({ trainingIdleSeconds: String(longest) }, "trainingIdleSeconds")).toBeUndefined();
    expect(await violations(rule, COMPUTE, cluster({ nodeIdleTimeBeforeScaleDown: `PT${longest}S` }))).toEqual([]);
  });

  it("purge protection: a production stack without it is refused, as key-vault-purge-protection-in-production refuses its vault", async () => {
    const rule = policy("key-vault-purge-protection-in-production");
    expect(refusal({ production: "true" }, "keyVaultPurgeProtection")).toBe(`true when production is true: ${REASONS.purgeProtection}`);
    expect(await violations(rule, "azure-native:keyvault:Vault", vault(true, false))).toHaveLength(1);
    expect(refusal({ production: "true", keyVaultPurgeProtection: "true" }, "keyVaultPurgeProtection")).toBeUndefined();
    expect(await violations(rule, "azure-native:keyvault:Vault", vault(true, true))).toEqual([]);
    expect(refusal({}, "keyVaultPurgeProtection")).toBeUndefined();
    expect(await violations(rule, "azure-native:keyvault:Vault", vault(false, false))).toEqual([]);
  });

  it("privileged roles: production with the resourceGroup scope is refused, as no-privileged-roles-in-production refuses its Contributor", () => {
    expect(refusal({ production: "true", keyVaultPurgeProtection: "true" }, "trainingIdentityScope")).toBe(`workspace when production is true: ${REASONS.noPrivilegedRoles}`);
    expect(refusal({ production: "true", keyVaultPurgeProtection: "true", trainingIdentityScope: "workspace" }, "trainingIdentityScope")).toBeUndefined();
  });

  it.each([
    ["trainingMinNodes=1", "phi3-foundry:trainingMinNodes", "gpu-cluster-scales-to-zero"],
    ["trainingIdleSeconds=86400", "phi3-foundry:trainingIdleSeconds", "gpu-cluster-idles-out"],
  ])("the settings' check refuses --config %s before any resource, naming the key and the rule", (setting, key, rule) => {
    // The check `npm run plan` and `pulumi up` make before the program runs (tests/plan.test.ts runs it through the plan).
    let error: unknown;
    try {
      validStackConfig(loadSettingsReportingAll("dev", [setting]).config);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${key} = "${setting.split("=")[1]}"`);
    expect((error as Error).message).toContain(rule);
  });
});

describe("the shared limits, as the config, the pack and the README state them", () => {
  it("names the pack's rules, the privileged roles by their built-in ids, the cluster limits and the production tag", () => {
    expect(RULES).toEqual({
      gpuClusterScalesToZero: "gpu-cluster-scales-to-zero",
      gpuClusterIdlesOut: "gpu-cluster-idles-out",
      keyVaultPurgeProtectionInProduction: "key-vault-purge-protection-in-production",
      noPrivilegedRolesInProduction: "no-privileged-roles-in-production",
    });
    // Azure built-in roles reference (learn.microsoft.com/azure/role-based-access-control/built-in-roles): Owner, Contributor.
    expect(PRIVILEGED_ROLES).toEqual({ Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c" });
    expect(GPU_CLUSTER).toEqual({ idleNodes: 0, maxNodes: 100, minIdleSeconds: 60, maxIdleSeconds: 3600 });
    expect(PRODUCTION_TAG).toEqual({ key: "environment", value: "production" });
  });

  it("says why, in the words a refused setting shows", () => {
    expect(LIMIT_REASONS).toEqual({
      idleNodes: "a GPU cluster keeps no nodes while idle (mandatory policy rule gpu-cluster-scales-to-zero)",
      idleSeconds: "a GPU cluster releases an idle node within 60 minutes (mandatory policy rule gpu-cluster-idles-out)",
      purgeProtection:
        "a production stack's key vaults keep deleted secrets recoverable for their retention period (mandatory policy rule key-vault-purge-protection-in-production)",
      noPrivilegedRoles: "a production stack assigns no Contributor or Owner role (mandatory policy rule no-privileged-roles-in-production)",
    });
  });
});
