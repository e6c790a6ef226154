import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as storage from "@pulumi/azure-native/storage";

/** Where a store goes: the resource group, region and tags every resource of a component shares. */
export interface Placement {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A storage account as the trusted rule sets want it (PSRule Azure.Storage.SecureTransfer, MinTLS, BlobPublicAccess):
 * HTTPS only, TLS 1.2 or later, no anonymous blob access.
 */
export function secureStorageAccount(
  name: string,
  args: Placement & { readonly accountName: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): storage.StorageAccount {
  return new storage.StorageAccount(
    name,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      tags: args.tags,
      accountName: args.accountName,
      kind: storage.Kind.StorageV2,
      sku: { name: storage.SkuName.Standard_LRS },
      minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
      enableHttpsTrafficOnly: true, // ARM: supportsHttpsTrafficOnly
      allowBlobPublicAccess: false,
      // Azure ML reaches its default storage with the account key unless systemDatastoresAuthMode is identity.
      allowSharedKeyAccess: true,
    },
    opts,
  );
}

/**
 * A key vault with RBAC authorization and soft delete (PSRule Azure.KeyVault.RBAC, SoftDelete). Purge protection only
 * when asked: it cannot be turned off again, and the API refuses `false` once it is on, so it is sent only as true.
 */
export function secureKeyVault(
  name: string,
  args: Placement & { readonly vaultName: pulumi.Input<string>; readonly tenantId: pulumi.Input<string>; readonly purgeProtection?: boolean },
  opts: pulumi.CustomResourceOptions,
): keyvault.Vault {
  return new keyvault.Vault(
    name,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      tags: args.tags,
      vaultName: args.vaultName,
      properties: {
        tenantId: args.tenantId,
        sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        ...(args.purgeProtection ? { enablePurgeProtection: true } : {}),
      },
    },
    opts,
  );
}
