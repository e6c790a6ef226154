/**
 * The limits that the stack's config validator (infra/config.ts) and the policy pack (policy/rules.ts) both hold, in one
 * place: whatever a mandatory rule of the pack refuses, the config refuses first, naming the key and the rule, so a
 * pull request's preview never fails on a setting that `pulumi config set` accepted.
 *
 * No imports: the policy pack is its own package and loads this file as it is.
 *
 * Object.freeze rather than `as const` (the same literal, readonly types): StrykerJS takes everything under a type
 * assertion for a type and plants no mutant in it, so `as const` would keep these facts out of `npm run mutate`.
 */

/** The pack's rules that a setting can break, by the names the pack reports. */
export const RULES = Object.freeze({
  gpuClusterScalesToZero: "gpu-cluster-scales-to-zero",
  gpuClusterIdlesOut: "gpu-cluster-idles-out",
  keyVaultPurgeProtectionInProduction: "key-vault-purge-protection-in-production",
  noPrivilegedRolesInProduction: "no-privileged-roles-in-production",
});

/**
 * The built-in roles that may do anything to a resource, by their ids in Azure's built-in roles reference
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles, "Privileged" roles: Owner and Contributor;
 * the same ids in the role maps of Azure Verified Modules). A production stack assigns neither.
 */
export const PRIVILEGED_ROLES = Object.freeze({
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
});

/** GPU compute clusters: what they may keep and for how long. */
export const GPU_CLUSTER = Object.freeze({
  /** Nodes a cluster keeps while no job runs: none, so nothing bills between jobs (Checkov CKV_AZURE_150). */
  idleNodes: 0,
  /** Most nodes the config lets a cluster scale out to. */
  maxNodes: 100,
  /** Shortest idle time before a node is released that the config accepts, in seconds. */
  minIdleSeconds: 60,
  /** Longest idle time before a node is released: an hour (the intent of PSRule Azure.ML.ComputeIdleShutdown). */
  maxIdleSeconds: 3600,
});

/**
 * The tag that marks a production stack's resources (set by `production: true`): the pack holds tagged resources to
 * the production rules, such as key vault purge protection.
 */
export const PRODUCTION_TAG = Object.freeze({ key: "environment", value: "production" });

/** Why the config refuses a value: the rule of the pack that would refuse it, in words. */
export const LIMIT_REASONS = Object.freeze({
  idleNodes: `a GPU cluster keeps no nodes while idle (mandatory policy rule ${RULES.gpuClusterScalesToZero})`,
  idleSeconds: `a GPU cluster releases an idle node within ${GPU_CLUSTER.maxIdleSeconds / 60} minutes (mandatory policy rule ${RULES.gpuClusterIdlesOut})`,
  purgeProtection: `a production stack's key vaults keep deleted secrets recoverable for their retention period (mandatory policy rule ${RULES.keyVaultPurgeProtectionInProduction})`,
  noPrivilegedRoles: `a production stack assigns no Contributor or Owner role (mandatory policy rule ${RULES.noPrivilegedRolesInProduction})`,
});
