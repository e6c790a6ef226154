import { EnforcementLevel, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as storage from "@pulumi/azure-native/storage";

/** The longest a GPU node may sit idle before the cluster releases it. */
export const MAX_IDLE_SECONDS = 3600;

/** Seconds of an ISO 8601 duration such as PT120S, PT5M or PT1H30M; NaN when it is not one. */
export function durationSeconds(duration: string | undefined): number {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration ?? "");
  if (!match || match.slice(1).every((part) => part === undefined)) return NaN;
  const [hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return hours * 3600 + minutes * 60 + seconds;
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

export const policies: ResourceValidationPolicy[] = [
  rule(
    "gpu-cluster-scales-to-zero",
    "mandatory",
    "A compute cluster keeps no nodes while idle, so nothing bills between jobs (Checkov CKV_AZURE_150).",
    validateResourceOfType(machinelearningservices.Compute, (props, _args, report) => {
      const aml = amlCompute(props);
      const min = aml?.properties?.scaleSettings?.minNodeCount ?? 0;
      if (aml && min !== 0) report(`minNodeCount is ${min}; set it to 0 so idle GPU nodes are released`);
    }),
  ),
  rule(
    "gpu-cluster-idles-out",
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
    "online-endpoint-authenticated",
    "mandatory",
    "An online endpoint answers only authenticated calls: key, Azure ML token or Entra ID token (ARM authMode).",
    validateResourceOfType(machinelearningservices.OnlineEndpoint, (props, _args, report) => {
      const mode = (props.properties as any)?.authMode;
      if (!["Key", "AMLToken", "AADToken"].includes(mode)) report(`authMode is ${mode ?? "unset"}; use Key, AMLToken or AADToken`);
    }),
  ),
  rule(
    "role-assignment-principal-type",
    "advisory",
    "A role assignment names its principal type, so ARM accepts a new identity before Entra ID has replicated it (Azure docs, role-assignments-template).",
    validateResourceOfType(authorization.RoleAssignment, (props, _args, report) => {
      if (!props.principalType) report("set principalType (ServicePrincipal for managed identities and apps)");
    }),
  ),
];
