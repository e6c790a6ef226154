import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { withDefaults } from "../domain/defaults";
import type { RoleScope } from "./roles";

/** GitHub's OIDC issuer and the audience Entra ID's token exchange expects (workload identity federation docs). */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface CiIdentityArgs {
  /** `owner/repo` whose pull request workflows may sign in. */
  readonly githubRepo: string;
  /** The resource group the stack deploys into, which gives the identity Reader on itself. */
  readonly resourceGroup: Pick<RoleScope, "grant">;
  /** Names the application, e.g. `<namePrefix>-<stack>`. */
  readonly displayName: string;
  /**
   * Entra ID object ids made owners of the application and its service principal: whoever runs `pulumi up`, and the
   * identity of the destroy workflow, which can then delete them with only `Application.ReadWrite.OwnedBy`.
   */
  readonly ownerObjectIds?: readonly pulumi.Input<string>[];
}

/** What the identity uses when an arg is not set. */
export const CI_IDENTITY_DEFAULTS = { ownerObjectIds: [] } as const satisfies Partial<CiIdentityArgs>;

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
 * principal, trusted by federation (no client secret anywhere), with Reader on the resource group and nothing else:
 * a preview lists no keys (the online endpoint's key is read only by an update).
 */
export class CiIdentity extends pulumi.ComponentResource {
  /** `ARM_CLIENT_ID` of the preview workflow. */
  public readonly clientId: pulumi.Output<string>;
  /** `ARM_TENANT_ID` of the preview workflow. */
  public readonly tenantId: pulumi.Output<string>;
  public readonly servicePrincipalObjectId: pulumi.Output<string>;

  constructor(name: string, args: CiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults(CI_IDENTITY_DEFAULTS, args);
    validateCiIdentityArgs(settings);
    super("phi3-foundry:ci:CiIdentity", name, {}, opts);

    // Owners may delete what they own (azuread: Application.ReadWrite.OwnedBy needs the principal among the owners).
    const owners = settings.ownerObjectIds.length > 0 ? { owners: [...settings.ownerObjectIds] } : {};
    const application = new azuread.Application(`${name}-app`, { displayName: `phi3-foundry preview (${settings.displayName})`, ...owners }, { parent: this });
    const principal = new azuread.ServicePrincipal(`${name}-sp`, { clientId: application.clientId, ...owners }, { parent: this });
    new azuread.ApplicationFederatedIdentityCredential(
      `${name}-pull-requests`,
      {
        applicationId: application.id,
        displayName: "github-pull-requests",
        description: `Pull request workflows of ${settings.githubRepo}`,
        issuer: GITHUB_ISSUER,
        subject: pullRequestSubject(settings.githubRepo),
        audiences: [TOKEN_EXCHANGE_AUDIENCE],
      },
      { parent: this },
    );

    settings.resourceGroup.grant({ name: `${name}-reader`, principalId: principal.objectId, parent: this }, "Reader");
    this.clientId = application.clientId;
    this.tenantId = principal.applicationTenantId;
    this.servicePrincipalObjectId = principal.objectId;
    this.registerOutputs({ clientId: this.clientId, tenantId: this.tenantId, servicePrincipalObjectId: this.servicePrincipalObjectId });
  }
}
