import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { withDefaults } from "../domain/defaults";
import type { AzureNamer } from "../domain/naming";
import { TRAINING_IDENTITY_SCOPES, TrainingIdentityScope } from "../domain/settingValues";
import type { WorkspaceHandle, WorkspaceScope } from "./mlWorkspace";
import type { BuiltInRole } from "../domain/roles";

/**
 * The roles of each scope, each with the suffix of its Pulumi name and where it is assigned. Both let jobs and the
 * endpoint read the data and the model and pull images. `resourceGroup` is the tutorial's Contributor on the group:
 * code in a job or a scoring container can then list every key in the group and delete its resources.
 * `workspace` is AzureML Data Scientist on the workspace (everything in it but creating or deleting compute and
 * changing the workspace), Storage Blob Data Contributor on its storage (job outputs) and AcrPull (role descriptions:
 * Azure built-in roles).
 */
export const TRAINING_IDENTITY_ROLES: Readonly<Record<TrainingIdentityScope, readonly { suffix: string; role: BuiltInRole; on: WorkspaceScope }[]>> = {
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
  /**
   * The workspace whose parts the identity gets roles on (its resource group, the workspace, its storage and registry,
   * by `scope`); the identity goes into its resource group.
   */
  readonly workspace: Pick<WorkspaceHandle, "resourceGroupName" | "grant">;
  /** How far the identity's rights reach; `resourceGroup` (the tutorial's) by default. */
  readonly scope?: TrainingIdentityScope;
  /** Azure region of the identity. */
  readonly location: pulumi.Input<string>;
  /** Builds the Azure name of the identity. */
  readonly namer: AzureNamer;
  /** Tags on the identity. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** What the identity uses when an arg is not set. */
export const TRAINING_IDENTITY_DEFAULTS = { scope: "resourceGroup" } as const satisfies Partial<TrainingIdentityArgs>;

/** What other components take of the identity: its ids, and the role assignments a resource using it waits for. */
export interface IdentityHandle {
  /** ARM id of the identity, for `identity.userAssignedIdentities`. */
  readonly id: pulumi.Input<string>;
  readonly clientId: pulumi.Input<string>;
  /** The identity's role assignments; a resource that needs the roles in force waits for these. */
  readonly roleAssignments: readonly pulumi.CustomResource[];
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
export class TrainingIdentity extends pulumi.ComponentResource implements IdentityHandle {
  /** ARM id of the identity, for `identity.userAssignedIdentities`. */
  public readonly id: pulumi.Output<string>;
  public readonly name: pulumi.Output<string>;
  public readonly clientId: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;
  /** The identity's role assignments; a resource that needs the roles in force waits for these. */
  public readonly roleAssignments: authorization.RoleAssignment[];

  constructor(name: string, args: TrainingIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults(TRAINING_IDENTITY_DEFAULTS, args);
    validateTrainingIdentityArgs(settings);
    super("phi3-foundry:prepare:TrainingIdentity", name, {}, opts);

    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-uai`,
      {
        resourceGroupName: settings.workspace.resourceGroupName,
        location: settings.location,
        resourceName: settings.namer("managedIdentity"),
        tags: settings.tags,
      },
      { parent: this },
    );
    this.id = identity.id;
    this.name = identity.name;
    this.clientId = identity.clientId;
    this.principalId = identity.principalId;

    // The workspace gives the roles on its parts; the assignments are this component's children.
    this.roleAssignments = TRAINING_IDENTITY_ROLES[settings.scope].map(({ suffix, role, on }) =>
      settings.workspace.grant({ name: `${name}-${suffix}`, principalId: this.principalId, parent: this }, role, on),
    );

    this.registerOutputs({ id: this.id, name: this.name, clientId: this.clientId, principalId: this.principalId });
  }
}
