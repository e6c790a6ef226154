import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { assignRole, BuiltInRole } from "./roles";

/** How far the identity's rights reach: the tutorial's whole resource group, or the workspace and its two stores. */
export const TRAINING_IDENTITY_SCOPES = ["resourceGroup", "workspace"] as const;
export type TrainingIdentityScope = (typeof TRAINING_IDENTITY_SCOPES)[number];

/** Where a role is assigned: one of the ARM ids the component is given. */
type RoleTarget = "resourceGroup" | "workspace" | "storage" | "registry";

/**
 * The roles of each scope, each with the suffix of its Pulumi name and where it is assigned. Both let jobs and the
 * endpoint read the data and the model and pull images. `resourceGroup` is the tutorial's Contributor on the group:
 * code in a job or a scoring container can then list every key in the group and delete its resources.
 * `workspace` is AzureML Data Scientist on the workspace (everything in it but creating or deleting compute and
 * changing the workspace), Storage Blob Data Contributor on its storage (job outputs) and AcrPull (role descriptions:
 * Azure built-in roles).
 */
export const TRAINING_IDENTITY_ROLES: Readonly<Record<TrainingIdentityScope, readonly { suffix: string; role: BuiltInRole; on: RoleTarget }[]>> = {
  resourceGroup: [
    { suffix: "contributor", role: "Contributor", on: "resourceGroup" },
    { suffix: "blob-reader", role: "Storage Blob Data Reader", on: "storage" },
    { suffix: "acr-pull", role: "AcrPull", on: "registry" },
  ],
  workspace: [
    { suffix: "data-scientist", role: "AzureML Data Scientist", on: "workspace" },
    { suffix: "blob-contributor", role: "Storage Blob Data Contributor", on: "storage" },
    { suffix: "acr-pull", role: "AcrPull", on: "registry" },
  ],
};

export interface TrainingIdentityArgs {
  /** Resource group that holds the identity. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** ARM id of that resource group: the scope of Contributor when `scope` is `resourceGroup`. */
  readonly resourceGroupId: pulumi.Input<string>;
  /** How far the identity's rights reach; `resourceGroup` (the tutorial's) by default. */
  readonly scope?: TrainingIdentityScope;
  /** ARM id of the Azure ML workspace: the scope of AzureML Data Scientist when `scope` is `workspace`. */
  readonly workspaceId: pulumi.Input<string>;
  /** Azure region of the identity. */
  readonly location: pulumi.Input<string>;
  /** Azure name of the identity. */
  readonly identityName: pulumi.Input<string>;
  /** ARM id of the workspace's storage account: the scope of the blob data role. */
  readonly storageAccountId: pulumi.Input<string>;
  /** ARM id of the workspace's container registry: the scope of AcrPull. */
  readonly containerRegistryId: pulumi.Input<string>;
  /** Subscription whose built-in role definitions are assigned. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Tags on the identity. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateTrainingIdentityArgs(args: Pick<TrainingIdentityArgs, "scope">): void {
  if (args.scope !== undefined && !TRAINING_IDENTITY_SCOPES.includes(args.scope)) {
    throw new Error(`TrainingIdentity: scope '${args.scope}' must be one of ${TRAINING_IDENTITY_SCOPES.join(", ")}`);
  }
}

/**
 * The user-assigned managed identity that the GPU cluster and the online endpoint run as, with the roles of its scope
 * ({@link TRAINING_IDENTITY_ROLES}): by default the mission's Contributor on the resource group, Storage Blob Data
 * Reader on the workspace storage and AcrPull on the workspace registry.
 */
export class TrainingIdentity extends pulumi.ComponentResource {
  /** ARM id of the identity, for `identity.userAssignedIdentities`. */
  public readonly id: pulumi.Output<string>;
  public readonly name: pulumi.Output<string>;
  public readonly clientId: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;
  /** The identity's role assignments; a resource that needs the roles in force waits for these. */
  public readonly roleAssignments: authorization.RoleAssignment[];

  private readonly identityName: string;
  private readonly subscriptionId: pulumi.Input<string>;

  constructor(name: string, args: TrainingIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    validateTrainingIdentityArgs(args);
    super("phi3-foundry:prepare:TrainingIdentity", name, {}, opts);
    this.identityName = name;
    this.subscriptionId = args.subscriptionId;

    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-uai`,
      { resourceGroupName: args.resourceGroupName, location: args.location, resourceName: args.identityName, tags: args.tags },
      { parent: this },
    );
    this.id = identity.id;
    this.name = identity.name;
    this.clientId = identity.clientId;
    this.principalId = identity.principalId;

    const targets: Record<RoleTarget, pulumi.Input<string>> = {
      resourceGroup: args.resourceGroupId,
      workspace: args.workspaceId,
      storage: args.storageAccountId,
      registry: args.containerRegistryId,
    };
    this.roleAssignments = TRAINING_IDENTITY_ROLES[args.scope ?? "resourceGroup"].map(({ suffix, role, on }) => this.grant(suffix, targets[on], role));

    this.registerOutputs({ id: this.id, name: this.name, clientId: this.clientId, principalId: this.principalId });
  }

  /** Gives the identity a built-in role on `scope`; the assignment is a child of this component. */
  grant(suffix: string, scope: pulumi.Input<string>, role: BuiltInRole): authorization.RoleAssignment {
    return assignRole(
      `${this.identityName}-${suffix}`,
      { scope, principalId: this.principalId, role, subscriptionId: this.subscriptionId },
      { parent: this },
    );
  }
}
