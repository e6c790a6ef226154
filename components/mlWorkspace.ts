import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { withDefaults } from "../domain/defaults";
import type { AzureNamer } from "../domain/naming";
import type { BuiltInRole } from "../domain/roles";
import { Grantee, RoleScope } from "./roles";
import { secureKeyVault, secureStorageAccount } from "./secureStores";

/** The parts of a workspace that roles are given on: its resource group, the workspace, its storage and its registry. */
export type WorkspaceScope = "resourceGroup" | "workspace" | "storage" | "registry";

/**
 * What other components take of a workspace instead of its loose ids: where it is, the ARM ids and names of its parts,
 * and the roles it gives on them. {@link MlWorkspace} is one.
 */
export interface WorkspaceHandle {
  /** Subscription of the workspace, whose built-in role definitions its grants assign. */
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly resourceGroupId: pulumi.Input<string>;
  readonly workspaceName: pulumi.Input<string>;
  readonly workspaceId: pulumi.Input<string>;
  readonly storageAccountName: pulumi.Input<string>;
  readonly storageAccountId: pulumi.Input<string>;
  readonly containerRegistryId: pulumi.Input<string>;
  /** ARM id of the Log Analytics workspace its logs, and the stack's resource logs, go to. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /** One of its parts as a role scope. */
  scope(on: WorkspaceScope): RoleScope;
  /** Gives `grantee` a built-in role on one of its parts; the assignment is the grantee's child. */
  grant(grantee: Grantee, role: BuiltInRole, on: WorkspaceScope): authorization.RoleAssignment;
}

export interface MlWorkspaceArgs {
  /** Azure region of every resource. */
  readonly location: pulumi.Input<string>;
  /** Builds the Azure name of each resource (resource group, storage, key vault, registry, logs, workspace). */
  readonly namer: AzureNamer;
  /** Entra ID tenant that the key vault trusts. */
  readonly tenantId: pulumi.Input<string>;
  /** Subscription of the workspace, whose built-in role definitions its grants assign. */
  readonly subscriptionId: pulumi.Input<string>;
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

/** What the workspace uses when an arg is not set. */
export const ML_WORKSPACE_DEFAULTS = { logRetentionDays: 30 } as const;

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
export class MlWorkspace extends pulumi.ComponentResource implements WorkspaceHandle {
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

  public readonly subscriptionId: pulumi.Input<string>;

  constructor(name: string, args: MlWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults(ML_WORKSPACE_DEFAULTS, args);
    validateMlWorkspaceArgs(settings);
    super("phi3-foundry:prepare:MlWorkspace", name, {}, opts);
    this.subscriptionId = settings.subscriptionId;
    const tags = settings.tags;

    const group = this.resourceGroup(name, settings);
    this.resourceGroupName = group.name;
    this.resourceGroupId = group.id;
    const common = { resourceGroupName: group.name, location: settings.location, tags };

    const account = secureStorageAccount(`${name}-storage`, { ...common, accountName: settings.namer("storageAccount") }, { parent: this });
    const vault = secureKeyVault(
      `${name}-keyvault`,
      { ...common, vaultName: settings.namer("keyVault"), tenantId: settings.tenantId, purgeProtection: settings.keyVaultPurgeProtection },
      { parent: this },
    );

    const logs = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        ...common,
        workspaceName: settings.namer("logAnalyticsWorkspace"),
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: settings.logRetentionDays,
      },
      { parent: this },
    );

    const insights = new applicationinsights.Component(
      `${name}-insights`,
      {
        ...common,
        resourceName: settings.namer("applicationInsights"),
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
        registryName: settings.namer("containerRegistry"),
        sku: { name: containerregistry.SkuName.Basic },
        adminUserEnabled: false,
      },
      { parent: this },
    );

    const workspaceName = settings.namer("mlWorkspace");
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
    this.studioUrl = pulumi.interpolate`https://ml.azure.com/?wsid=${workspace.id}&tid=${settings.tenantId}`;

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

  /** One of the workspace's parts as a role scope. */
  scope(on: WorkspaceScope): RoleScope {
    const ids: Record<WorkspaceScope, pulumi.Input<string>> = {
      resourceGroup: this.resourceGroupId,
      workspace: this.workspaceId,
      storage: this.storageAccountId,
      registry: this.containerRegistryId,
    };
    return new RoleScope(ids[on], this.subscriptionId);
  }

  /** Gives `grantee` a built-in role on one of the workspace's parts; the assignment is the grantee's child. */
  grant(grantee: Grantee, role: BuiltInRole, on: WorkspaceScope): authorization.RoleAssignment {
    return this.scope(on).grant(grantee, role);
  }

  /** The resource group: the existing one the user named, or a new one. */
  private resourceGroup(name: string, settings: MlWorkspaceArgs): { name: pulumi.Output<string>; id: pulumi.Output<string> } {
    if (settings.existingResourceGroupName) {
      const existing = resources.getResourceGroupOutput({ resourceGroupName: settings.existingResourceGroupName }, { parent: this });
      return { name: existing.name, id: existing.id };
    }
    const group = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: settings.namer("resourceGroup"), location: settings.location, tags: settings.tags },
      { parent: this },
    );
    return { name: group.name, id: group.id };
  }
}
