import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as azuread from "@pulumi/azuread";
import { assignRole, deterministicGuid } from "./roles";

/** GitHub's OIDC issuer and the audience Entra ID's token exchange expects (workload identity federation docs). */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/**
 * What `pulumi preview` calls beyond reading: the stack lists the online endpoint's keys to fill the Custom keys
 * connection. Reader cannot, Contributor can far more, so a custom role grants exactly this. (The AI Services account's
 * keys are no longer read: its local auth is off and the hub reaches it by Entra ID.)
 */
export const PREVIEW_KEY_ACTIONS = ["Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action"];

export interface CiIdentityArgs {
  /** `owner/repo` whose pull request workflows may sign in. */
  readonly githubRepo: string;
  /** The resource group the stack deploys into: the scope of Reader, and where the key-reader role is defined. */
  readonly resourceGroupId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** Names the application and the custom role, e.g. `<namePrefix>-<stack>`. */
  readonly displayName: string;
  /** ARM ids of the resources whose keys a preview lists (the online endpoint): the key-reader role is assigned on each, not on the group. */
  readonly keyReaderScopes: readonly pulumi.Input<string>[];
  /**
   * Entra ID object ids made owners of the application and its service principal: whoever runs `pulumi up`, and the
   * identity of the destroy workflow, which can then delete them with only `Application.ReadWrite.OwnedBy`.
   */
  readonly ownerObjectIds?: readonly pulumi.Input<string>[];
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateCiIdentityArgs(args: Pick<CiIdentityArgs, "githubRepo" | "keyReaderScopes">): void {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/.test(args.githubRepo)) {
    throw new Error(`CiIdentity: githubRepo '${args.githubRepo}' must be owner/repo`);
  }
  if (args.keyReaderScopes.length === 0) {
    throw new Error("CiIdentity: keyReaderScopes is empty; name the resources whose keys a preview lists");
  }
}

/**
 * The custom role's name. Role names are unique in the whole Entra ID tenant, so besides the display name it carries
 * eight hex digits of a hash of the subscription, the resource group and the display name: two stacks of the same name
 * in other subscriptions or groups of the tenant get other names.
 */
export function keyReaderRoleName(displayName: string, subscriptionId: string, resourceGroupId: string): string {
  return `phi3-foundry preview key reader (${displayName}, ${deterministicGuid(subscriptionId, resourceGroupId, displayName).slice(0, 8)})`;
}

/** The subject GitHub puts in the OIDC token of a pull_request workflow run. */
export function pullRequestSubject(githubRepo: string): string {
  return `repo:${githubRepo}:pull_request`;
}

/**
 * The identity GitHub pull request workflows preview the stack with: an Entra ID application and its service
 * principal, trusted by federation (no client secret anywhere), with Reader on the resource group and a custom role
 * that lists keys, assigned only on the resources whose keys a preview reads.
 */
export class CiIdentity extends pulumi.ComponentResource {
  /** `ARM_CLIENT_ID` of the preview workflow. */
  public readonly clientId: pulumi.Output<string>;
  /** `ARM_TENANT_ID` of the preview workflow. */
  public readonly tenantId: pulumi.Output<string>;
  public readonly servicePrincipalObjectId: pulumi.Output<string>;

  constructor(name: string, args: CiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    validateCiIdentityArgs(args);
    super("phi3-foundry:ci:CiIdentity", name, {}, opts);

    // Owners may delete what they own (azuread: Application.ReadWrite.OwnedBy needs the principal among the owners).
    const owners = args.ownerObjectIds && args.ownerObjectIds.length > 0 ? { owners: [...args.ownerObjectIds] } : {};
    const application = new azuread.Application(`${name}-app`, { displayName: `phi3-foundry preview (${args.displayName})`, ...owners }, { parent: this });
    const principal = new azuread.ServicePrincipal(`${name}-sp`, { clientId: application.clientId, ...owners }, { parent: this });
    new azuread.ApplicationFederatedIdentityCredential(
      `${name}-pull-requests`,
      {
        applicationId: application.id,
        displayName: "github-pull-requests",
        description: `Pull request workflows of ${args.githubRepo}`,
        issuer: GITHUB_ISSUER,
        subject: pullRequestSubject(args.githubRepo),
        audiences: [TOKEN_EXCHANGE_AUDIENCE],
      },
      { parent: this },
    );

    assignRole(
      `${name}-reader`,
      { scope: args.resourceGroupId, principalId: principal.objectId, role: "Reader", subscriptionId: args.subscriptionId },
      { parent: this },
    );
    const keyReader = new authorization.RoleDefinition(
      `${name}-key-reader-role`,
      {
        scope: args.resourceGroupId,
        roleDefinitionId: pulumi.output(args.resourceGroupId).apply((scope) => deterministicGuid(scope, args.displayName, "phi3-foundry-preview-keys")),
        roleName: pulumi.all([args.subscriptionId, args.resourceGroupId]).apply(([sub, group]) => keyReaderRoleName(args.displayName, sub, group)),
        description: "Lists the online endpoint keys that `pulumi preview` of phi3-foundry reads.",
        roleType: "CustomRole",
        permissions: [{ actions: PREVIEW_KEY_ACTIONS, notActions: [] }],
        assignableScopes: [args.resourceGroupId],
      },
      { parent: this },
    );
    // Defined on the group (custom roles' assignable scopes are groups or wider), assigned only where keys are listed.
    args.keyReaderScopes.forEach((scope, i) =>
      assignRole(
        `${name}-key-reader${i === 0 ? "" : `-${i + 1}`}`,
        { scope, principalId: principal.objectId, role: { definitionId: keyReader.id }, subscriptionId: args.subscriptionId },
        { parent: this },
      ),
    );

    this.clientId = application.clientId;
    this.tenantId = principal.applicationTenantId;
    this.servicePrincipalObjectId = principal.objectId;
    this.registerOutputs({ clientId: this.clientId, tenantId: this.tenantId, servicePrincipalObjectId: this.servicePrincipalObjectId });
  }
}
