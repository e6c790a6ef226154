import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import type { AzureNamer } from "../domain/naming";
import { secureKeyVault, secureStorageAccount } from "./secureStores";

export interface MlWorkspaceArgs {
  /** Azure region of every resource. */
  readonly location: pulumi.Input<string>;
  /** Builds the Azure name of each resource (resource group, storage, key vault, registry, logs, workspace). */
  readonly namer: AzureNamer;
  /** Entra ID tenant that the key vault trusts. */
  readonly tenantId: pulumi.Input<string>;
  /** Deploy into this existing resource group instead of creating one. */
  readonly existingResourceGroupName?: string;
  /**
   * Turn on key vault purge protection. Off by default: once on it cannot be turned off, and the vault's name stays
   * taken for the retention period after `pulumi destroy`.
   */
  readonly keyVaultPurgeProtection?: boolean;
  /** Days the Log Analytics workspace keeps logs; 30 is what PerGB2018 includes at no extra charge. */
  readonly logRetentionDays?: number;
  /** Tags on every resource. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateMlWorkspaceArgs(args: Pick<MlWorkspaceArgs, "logRetentionDays" | "existingResourceGroupName">): void {
  const days = args.logRetentionDays;
  // The ARM spec leaves retentionInDays' range to the pricing plan; 30 to 730 is the range templates use for PerGB2018.
  if (days !== undefined && (!Number.isInteger(days) || days < 30 || days > 730)) {
    throw new Error(`MlWorkspace: logRetentionDays is ${days}; it must be a whole number from 30 to 730`);
  }
  if (args.existingResourceGroupName !== undefined && args.existingResourceGroupName.trim() === "") {
    throw new Error("MlWorkspace: existingResourceGroupName is empty; name a resource group or leave it unset");
  }
}

/**
 * An Azure ML workspace with its four dependencies: storage account, key vault, Application Insights (on a Log
 * Analytics workspace) and container registry, in a new or existing resource group, all secure by default.
 */
export class MlWorkspace extends pulumi.ComponentResource {
  public readonly resourceGroupName: pulumi.Output<string>;
  public readonly resourceGroupId: pulumi.Output<string>;
  public readonly storageAccountId: pulumi.Output<string>;
  public readonly storageAccountName: pulumi.Output<string>;
  public readonly keyVaultId: pulumi.Output<string>;
  public readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
  public readonly applicationInsightsId: pulumi.Output<string>;
  public readonly containerRegistryId: pulumi.Output<string>;
  public readonly workspaceName: pulumi.Output<string>;
  public readonly workspaceId: pulumi.Output<string>;
  /** Principal id of the workspace's system-assigned identity. */
  public readonly workspacePrincipalId: pulumi.Output<string>;
  /** The workspace in Azure ML studio. */
  public readonly studioUrl: pulumi.Output<string>;

  constructor(name: string, args: MlWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    validateMlWorkspaceArgs(args);
    super("phi3-foundry:prepare:MlWorkspace", name, {}, opts);
    const tags = args.tags;

    const group = this.resourceGroup(name, args);
    this.resourceGroupName = group.name;
    this.resourceGroupId = group.id;
    const common = { resourceGroupName: group.name, location: args.location, tags };

    const account = secureStorageAccount(`${name}-storage`, { ...common, accountName: args.namer("storageAccount") }, { parent: this });
    const vault = secureKeyVault(
      `${name}-keyvault`,
      { ...common, vaultName: args.namer("keyVault"), tenantId: args.tenantId, purgeProtection: args.keyVaultPurgeProtection },
      { parent: this },
    );

    const logs = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        ...common,
        workspaceName: args.namer("logAnalyticsWorkspace"),
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: args.logRetentionDays ?? 30,
      },
      { parent: this },
    );

    const insights = new applicationinsights.Component(
      `${name}-insights`,
      {
        ...common,
        resourceName: args.namer("applicationInsights"),
        kind: "web",
        applicationType: applicationinsights.ApplicationType.Web,
        workspaceResourceId: logs.id, // workspace-based: required by API 2020-02-02
        ingestionMode: applicationinsights.IngestionMode.LogAnalytics,
      },
      { parent: this },
    );

    const registry = new containerregistry.Registry(
      `${name}-registry`,
      {
        ...common,
        registryName: args.namer("containerRegistry"),
        sku: { name: containerregistry.SkuName.Basic },
        adminUserEnabled: false,
      },
      { parent: this },
    );

    const workspaceName = args.namer("mlWorkspace");
    const workspace = new machinelearningservices.Workspace(
      `${name}-workspace`,
      {
        ...common,
        workspaceName,
        friendlyName: workspaceName,
        // kind and sku as Azure Verified Modules set them (avm/res/machine-learning-services/workspace/main.bicep).
        kind: "Default",
        sku: { name: "Basic", tier: machinelearningservices.SkuTier.Basic },
        identity: { type: machinelearningservices.ManagedServiceIdentityType.SystemAssigned },
        storageAccount: account.id,
        keyVault: vault.id,
        applicationInsights: insights.id,
        containerRegistry: registry.id,
        publicNetworkAccess: machinelearningservices.PublicNetworkAccessType.Enabled,
      },
      { parent: this },
    );

    this.storageAccountId = account.id;
    this.storageAccountName = account.name;
    this.keyVaultId = vault.id;
    this.logAnalyticsWorkspaceId = logs.id;
    this.applicationInsightsId = insights.id;
    this.containerRegistryId = registry.id;
    this.workspaceName = workspace.name;
    this.workspaceId = workspace.id;
    this.workspacePrincipalId = workspace.identity.apply((identity) => identity?.principalId ?? "");
    // The form Azure ML studio's own links use: the workspace's ARM id and the tenant.
    this.studioUrl = pulumi.interpolate`https://ml.azure.com/?wsid=${workspace.id}&tid=${args.tenantId}`;

    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      resourceGroupId: this.resourceGroupId,
      storageAccountId: this.storageAccountId,
      storageAccountName: this.storageAccountName,
      keyVaultId: this.keyVaultId,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
      applicationInsightsId: this.applicationInsightsId,
      containerRegistryId: this.containerRegistryId,
      workspaceName: this.workspaceName,
      workspaceId: this.workspaceId,
      workspacePrincipalId: this.workspacePrincipalId,
      studioUrl: this.studioUrl,
    });
  }

  /** The resource group: the existing one the user named, or a new one. */
  private resourceGroup(name: string, args: MlWorkspaceArgs): { name: pulumi.Output<string>; id: pulumi.Output<string> } {
    if (args.existingResourceGroupName) {
      const existing = resources.getResourceGroupOutput({ resourceGroupName: args.existingResourceGroupName }, { parent: this });
      return { name: existing.name, id: existing.id };
    }
    const group = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: args.namer("resourceGroup"), location: args.location, tags: args.tags },
      { parent: this },
    );
    return { name: group.name, id: group.id };
  }
}
