import {
  EnforcementLevel,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import * as authorization from "@pulumi/azure-native/authorization";
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as storage from "@pulumi/azure-native/storage";
// The limits the stack's config refuses first; a plain module without imports, shared with the program.
import { GPU_CLUSTER, PRIVILEGED_ROLES, PRODUCTION_TAG, RULES } from "../domain/limits";

/** The longest a GPU node may sit idle before the cluster releases it. */
export const MAX_IDLE_SECONDS = GPU_CLUSTER.maxIdleSeconds;

/**
 * The resource types that keep resource logs, which must reach a Log Analytics workspace (PSRule Azure.KeyVault.Logs,
 * Azure.Cognitive.Logs and the like; Azure Policy's "Enable logging by category group" built-ins). A storage account's
 * blob logs come from its blob service, so its setting sits on `<account>/blobServices/default`.
 */
export const LOGGED_TYPES: readonly string[] = [
  "azure-native:machinelearningservices:Workspace",
  "azure-native:machinelearningservices:OnlineEndpoint",
  "azure-native:keyvault:Vault",
  "azure-native:storage:StorageAccount",
  "azure-native:cognitiveservices:Account",
  "azure-native:containerregistry:Registry",
];
const DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting";
const LOG_ANALYTICS_WORKSPACE = "azure-native:operationalinsights:Workspace";

/** Seconds of an ISO 8601 duration such as PT120S, PT5M or PT1H30M; NaN when it is not one. */
export function durationSeconds(duration: string | undefined): number {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration ?? "");
  if (!match || match.slice(1).every((part) => part === undefined)) return NaN;
  const [hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return hours * 3600 + minutes * 60 + seconds;
}

/** A value of a resource's properties, or undefined when the preview does not know it yet. */
function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    // The policy SDK's proxy throws its UnknownValueError (not exported) when a value is unknown in a preview.
    if ((err as Error)?.constructor?.name === "UnknownValueError") return undefined;
    throw err;
  }
}

/** Whether a resource carries the production tag (set by the stack's `production: true`). */
function isProduction(props: { tags?: unknown }): boolean {
  return (props.tags as Record<string, unknown> | undefined)?.[PRODUCTION_TAG.key] === PRODUCTION_TAG.value;
}

/**
 * Whether a diagnostic setting sends `resource`'s logs to Log Analytics: its resourceUri derives from the resource
 * (by the engine's property dependencies, or all dependencies where those are not given), it names a workspace, and
 * it enables at least one log category or group. Values a preview does not know yet are not held against it.
 */
function sendsLogsOf(setting: PolicyResource, resource: PolicyResource): boolean {
  const deps = (property: string) => setting.propertyDependencies?.[property] ?? [];
  const sources = deps("resourceUri").length > 0 ? deps("resourceUri") : setting.dependencies;
  if (!sources.some((d) => d.urn === resource.urn)) return false;
  const uri = known(() => setting.props.resourceUri);
  if (resource.type === "azure-native:storage:StorageAccount" && typeof uri === "string" && !/\/blobServices\/default$/i.test(uri)) return false;
  const toWorkspace = deps("workspaceId").some((d) => d.type === LOG_ANALYTICS_WORKSPACE) || typeof known(() => setting.props.workspaceId) === "string";
  const logs = (known(() => setting.props.logs) ?? []) as { enabled?: unknown }[];
  return toWorkspace && logs.some((log) => known(() => log.enabled) === true);
}

/** The privileged role a role definition id names (a full id or the bare GUID), or undefined. */
export function privilegedRole(roleDefinitionId: unknown): string | undefined {
  const guid = String(roleDefinitionId ?? "").split("/").pop()?.toLowerCase();
  return Object.entries(PRIVILEGED_ROLES).find(([, id]) => id === guid)?.[0];
}

/** A rule: its name, why it exists (with the rule it ports), how strict, and what it checks. */
function rule(
  name: string,
  enforcementLevel: EnforcementLevel,
  description: string,
  validateResource: ResourceValidationPolicy["validateResource"],
): ResourceValidationPolicy {
  return { name, enforcementLevel, description, validateResource };
}

/** A compute's AmlCompute properties, or undefined for other compute types. */
function amlCompute(props: { properties?: unknown }): any {
  const properties = props.properties as any;
  return properties?.computeType === "AmlCompute" ? properties : undefined;
}

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  rule(
    RULES.gpuClusterScalesToZero,
    "mandatory",
    "A compute cluster keeps no nodes while idle, so nothing bills between jobs (Checkov CKV_AZURE_150).",
    validateResourceOfType(machinelearningservices.Compute, (props, _args, report) => {
      const aml = amlCompute(props);
      const min = aml?.properties?.scaleSettings?.minNodeCount ?? 0; // ARM's default minNodeCount is 0
      if (aml && min !== GPU_CLUSTER.idleNodes) report(`minNodeCount is ${min}; set it to ${GPU_CLUSTER.idleNodes} so idle GPU nodes are released`);
    }),
  ),
  rule(
    RULES.gpuClusterIdlesOut,
    "mandatory",
    `A compute cluster releases idle nodes within ${MAX_IDLE_SECONDS / 60} minutes (the intent of PSRule Azure.ML.ComputeIdleShutdown, for clusters).`,
    validateResourceOfType(machinelearningservices.Compute, (props, _args, report) => {
      const aml = amlCompute(props);
      const idle = aml?.properties?.scaleSettings?.nodeIdleTimeBeforeScaleDown;
      if (aml && !(durationSeconds(idle) <= MAX_IDLE_SECONDS)) {
        report(`nodeIdleTimeBeforeScaleDown is ${idle ?? "unset"}; at most PT${MAX_IDLE_SECONDS}S is allowed`);
      }
    }),
  ),
  rule(
    "compute-local-auth-disabled",
    "mandatory",
    "Compute accepts Entra ID identities only, not local keys (PSRule Azure.ML.DisableLocalAuth, Checkov CKV_AZURE_142).",
    validateResourceOfType(machinelearningservices.Compute, (props, _args, report) => {
      if ((props.properties as any)?.disableLocalAuth !== true) report("set properties.disableLocalAuth to true");
    }),
  ),
  rule(
    "storage-min-tls-1-2",
    "mandatory",
    "Storage refuses TLS older than 1.2 (PSRule Azure.Storage.MinTLS, Checkov CKV_AZURE_44).",
    validateResourceOfType(storage.StorageAccount, (props, _args, report) => {
      if (!["TLS1_2", "TLS1_3"].includes(String(props.minimumTlsVersion))) {
        report(`minimumTlsVersion is ${props.minimumTlsVersion ?? "unset (TLS 1.0)"}; set TLS1_2`);
      }
    }),
  ),
  rule(
    "storage-https-only",
    "mandatory",
    "Storage accepts HTTPS only (PSRule Azure.Storage.SecureTransfer, Checkov CKV_AZURE_3).",
    validateResourceOfType(storage.StorageAccount, (props, _args, report) => {
      if (props.enableHttpsTrafficOnly !== true) report("set enableHttpsTrafficOnly (ARM supportsHttpsTrafficOnly) to true");
    }),
  ),
  rule(
    "storage-no-public-blob-access",
    "mandatory",
    "No blob in the account can be made anonymous (PSRule Azure.Storage.BlobPublicAccess, Checkov CKV_AZURE_190).",
    validateResourceOfType(storage.StorageAccount, (props, _args, report) => {
      if (props.allowBlobPublicAccess !== false) report("set allowBlobPublicAccess to false");
    }),
  ),
  rule(
    "key-vault-rbac",
    "mandatory",
    "Key vault access is granted by Azure RBAC, not access policies (PSRule Azure.KeyVault.RBAC).",
    validateResourceOfType(keyvault.Vault, (props, _args, report) => {
      if ((props.properties as any)?.enableRbacAuthorization !== true) report("set properties.enableRbacAuthorization to true");
    }),
  ),
  rule(
    "key-vault-soft-delete",
    "mandatory",
    "Deleted secrets can be recovered (PSRule Azure.KeyVault.SoftDelete, Checkov CKV_AZURE_111).",
    validateResourceOfType(keyvault.Vault, (props, _args, report) => {
      if ((props.properties as any)?.enableSoftDelete === false) report("do not set properties.enableSoftDelete to false");
    }),
  ),
  rule(
    "registry-admin-user-off",
    "mandatory",
    "The registry's shared admin account stays off; pulls use identities (PSRule Azure.ACR.AdminUser, Checkov CKV_AZURE_137).",
    validateResourceOfType(containerregistry.Registry, (props, _args, report) => {
      if (props.adminUserEnabled === true) report("set adminUserEnabled to false");
    }),
  ),
  rule(
    RULES.keyVaultPurgeProtectionInProduction,
    "mandatory",
    "A production stack's key vaults have purge protection, so a deleted vault or secret stays recoverable (PSRule Azure.KeyVault.PurgeProtect, Checkov CKV_AZURE_110).",
    validateResourceOfType(keyvault.Vault, (props, _args, report) => {
      if (isProduction(props) && (props.properties as any)?.enablePurgeProtection !== true) {
        report(`the vault is tagged ${PRODUCTION_TAG.key}=${PRODUCTION_TAG.value}; set properties.enablePurgeProtection to true`);
      }
    }),
  ),
  rule(
    "ai-services-local-auth-disabled",
    "mandatory",
    "AI Services accepts Entra ID identities only, no keys (PSRule Azure.AI.DisableLocalAuth, Checkov CKV_AZURE_236).",
    validateResourceOfType(cognitiveservices.Account, (props, _args, report) => {
      if ((props.properties as any)?.disableLocalAuth !== true) report("set properties.disableLocalAuth to true");
    }),
  ),
  rule(
    "ai-services-managed-identity",
    "advisory",
    "AI Services has a managed identity to reach other services without secrets (PSRule Azure.Cognitive.ManagedIdentity).",
    validateResourceOfType(cognitiveservices.Account, (props, _args, report) => {
      const type = String((props.identity as any)?.type ?? "None");
      if (!/SystemAssigned|UserAssigned/.test(type)) report(`identity.type is ${type}; use SystemAssigned or UserAssigned`);
    }),
  ),
  rule(
    "ai-services-private-in-production",
    "advisory",
    "A production stack's AI Services account is not reachable from public networks (PSRule Azure.Cognitive.PublicAccess).",
    validateResourceOfType(cognitiveservices.Account, (props, _args, report) => {
      const access = (props.properties as any)?.publicNetworkAccess;
      if (isProduction(props) && access !== "Disabled") report(`publicNetworkAccess is ${access ?? "unset (Enabled)"}; set it to Disabled`);
    }),
  ),
  {
    name: "diagnostics-present",
    enforcementLevel: "mandatory",
    description:
      "Every resource that keeps resource logs sends them to a Log Analytics workspace (PSRule Azure.KeyVault.Logs and its kin; Azure Policy's \"Enable logging by category group\" built-ins).",
    validateStack: (args, report) => {
      const settings = args.resources.filter((r) => r.type === DIAGNOSTIC_SETTING);
      for (const resource of args.resources.filter((r) => LOGGED_TYPES.includes(r.type))) {
        if (!settings.some((setting) => sendsLogsOf(setting, resource))) {
          const where = resource.type === "azure-native:storage:StorageAccount" ? " from its blob service (<account>/blobServices/default)" : "";
          report(`${resource.name} (${resource.type}) sends no resource logs${where} to a Log Analytics workspace; add a diagnostic setting`, resource.urn);
        }
      }
    },
  },
  {
    name: RULES.noPrivilegedRolesInProduction,
    enforcementLevel: "mandatory",
    description:
      'A production stack assigns no Owner or Contributor role: each identity gets the data and workspace roles it uses (Azure RBAC best practices, "Limit privileged administrator role assignments").',
    validateStack: (args, report) => {
      // A role assignment has no tags: the stack is production when any of its resources is tagged so.
      if (!args.resources.some((r) => isProduction(r.props))) return;
      for (const assignment of args.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment")) {
        const role = privilegedRole(known(() => assignment.props.roleDefinitionId));
        if (role) report(`${assignment.name} assigns ${role} in a stack tagged ${PRODUCTION_TAG.key}=${PRODUCTION_TAG.value}; assign a narrower built-in role`, assignment.urn);
      }
    },
  },
  rule(
    "role-assignment-principal-type",
    "advisory",
    "A role assignment names its principal type, so ARM accepts a new identity before Entra ID has replicated it (Azure docs, role-assignments-template).",
    validateResourceOfType(authorization.RoleAssignment, (props, _args, report) => {
      if (!props.principalType) report("set principalType (ServicePrincipal for managed identities and apps)");
    }),
  ),
];
