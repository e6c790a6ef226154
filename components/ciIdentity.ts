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
  /** The resource group the stack deploys into: the scope of every role. */
  readonly resourceGroupId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** Names the application and the custom role, e.g. the stack name. */
  readonly displayName: string;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateCiIdentityArgs(args: Pick<CiIdentityArgs, "githubRepo">): void {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/.test(args.githubRepo)) {
    throw new Error(`CiIdentity: githubRepo '${args.githubRepo}' must be owner/repo`);
  }
}

/** The subject GitHub puts in the OIDC token of a pull_request workflow run. */
export function pullRequestSubject(githubRepo: string): string {
  return `repo:${githubRepo}:pull_request`;
}

/**
 * The identity GitHub pull request workflows preview the stack with: an Entra ID application and its service
 * principal, trusted by federation (no client secret anywhere), with Reader on the resource group and the custom
 * key-listing role a preview needs.
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

    const application = new azuread.Application(`${name}-app`, { displayName: `phi3-foundry preview (${args.displayName})` }, { parent: this });
    const principal = new azuread.ServicePrincipal(`${name}-sp`, { clientId: application.clientId }, { parent: this });
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
        roleDefinitionId: pulumi.output(args.resourceGroupId).apply((scope) => deterministicGuid(scope, "phi3-foundry-preview-keys")),
        roleName: `phi3-foundry preview key reader (${args.displayName})`,
        description: "Lists the online endpoint keys that `pulumi preview` of phi3-foundry reads.",
        roleType: "CustomRole",
        permissions: [{ actions: PREVIEW_KEY_ACTIONS, notActions: [] }],
        assignableScopes: [args.resourceGroupId],
      },
      { parent: this },
    );
    assignRole(
      `${name}-key-reader`,
      { scope: args.resourceGroupId, principalId: principal.objectId, role: { definitionId: keyReader.id }, subscriptionId: args.subscriptionId },
      { parent: this },
    );

    this.clientId = application.clientId;
    this.tenantId = principal.applicationTenantId;
    this.servicePrincipalObjectId = principal.objectId;
    this.registerOutputs({ clientId: this.clientId, tenantId: this.tenantId, servicePrincipalObjectId: this.servicePrincipalObjectId });
  }
}
