import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { assignRole, BuiltInRole } from "./roles";

export interface TrainingIdentityArgs {
  /** Resource group that holds the identity and that it gets Contributor on. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** ARM id of that resource group: the scope of Contributor. */
  readonly resourceGroupId: pulumi.Input<string>;
  /** Azure region of the identity. */
  readonly location: pulumi.Input<string>;
  /** Azure name of the identity. */
  readonly identityName: pulumi.Input<string>;
  /** ARM id of the workspace's storage account: the scope of Storage Blob Data Reader. */
  readonly storageAccountId: pulumi.Input<string>;
  /** ARM id of the workspace's container registry: the scope of AcrPull. */
  readonly containerRegistryId: pulumi.Input<string>;
  /** Subscription whose built-in role definitions are assigned. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Tags on the identity. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The user-assigned managed identity that the GPU cluster and the online endpoint run as, with exactly the roles the
 * mission gives it: Contributor on the resource group, Storage Blob Data Reader on the workspace storage and
 * AcrPull on the workspace registry.
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

    this.roleAssignments = [
      this.grant("contributor", args.resourceGroupId, "Contributor"),
      this.grant("blob-reader", args.storageAccountId, "Storage Blob Data Reader"),
      this.grant("acr-pull", args.containerRegistryId, "AcrPull"),
    ];

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
