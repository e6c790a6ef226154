import {
  CiIdentity,
  CiIdentityArgs,
  GITHUB_ISSUER,
  pullRequestSubject,
  TOKEN_EXCHANGE_AUDIENCE,
  validateCiIdentityArgs,
} from "../components/ciIdentity";
import { RoleScope } from "../components/roles";
import { deterministicGuid } from "../domain/roles";
import { MOCK_SUBSCRIPTION_ID } from "../scripts/plan/mockAzure";
import { named, ofType, runProgram, single } from "./helpers";
import { CI_DESTROYER, DEV_WITH_ADDITIONS, sharedPlan } from "./support/sharedPlans";

const group = "/subscriptions/s/resourceGroups/rg-phi";
const args: CiIdentityArgs = { githubRepo: "contoso/phi3-infra", resourceGroup: new RoleScope(group, "s"), displayName: "phi-dev" };
const run = (overrides: Partial<CiIdentityArgs> = {}) => runProgram(() => new CiIdentity("ci", { ...args, ...overrides }));

describe("CiIdentity", () => {
  it("trusts the repository's pull request workflows by federation: subject, issuer and audience", async () => {
    const { resources } = await run();
    const credential = single(resources, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential");
    const app = single(resources, "azuread:index/application:Application");
    expect(credential.inputs).toMatchObject({
      applicationId: app.id,
      subject: "repo:contoso/phi3-infra:pull_request",
      issuer: "https://token.actions.githubusercontent.com",
      audiences: ["api://AzureADTokenExchange"],
    });
    expect([GITHUB_ISSUER, TOKEN_EXCHANGE_AUDIENCE, pullRequestSubject("a/b")]).toEqual([
      "https://token.actions.githubusercontent.com",
      "api://AzureADTokenExchange",
      "repo:a/b:pull_request",
    ]);
  });

  it("creates a service principal of the application and no client secret", async () => {
    const { resources } = await run();
    const app = single(resources, "azuread:index/application:Application");
    const sp = single(resources, "azuread:index/servicePrincipal:ServicePrincipal");
    expect(sp.dependsOn).toContain(app.urn);
    expect(app.inputs.password).toBeUndefined();
    expect(resources.map((r) => r.type)).not.toContain("azuread:index/applicationPassword:ApplicationPassword");
  });

  it("gives it Reader on the resource group and nothing else: no custom role, no key it can list", async () => {
    const { resources } = await run();
    const reader = named(resources, "ci-reader");
    // Reader: acdd72a7-3385-48ef-bd42-f606fba81ae7 (Azure built-in roles reference).
    expect(reader.inputs).toMatchObject({
      scope: group,
      roleDefinitionId: "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
      principalType: "ServicePrincipal",
    });
    expect(ofType(resources, "azure-native:authorization:RoleAssignment").map((a) => a.name)).toEqual(["ci-reader"]);
    expect(ofType(resources, "azure-native:authorization:RoleDefinition")).toEqual([]);
  });

  it("makes the deployer and the destroy identity owners of the application and service principal, so destroy can remove them", async () => {
    const owners = ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"];
    const { resources } = await run({ ownerObjectIds: owners });
    expect(single(resources, "azuread:index/application:Application").inputs.owners).toEqual(owners);
    expect(single(resources, "azuread:index/servicePrincipal:ServicePrincipal").inputs.owners).toEqual(owners);
    const unowned = await run();
    expect(single(unowned.resources, "azuread:index/application:Application").inputs.owners).toBeUndefined();
  });

  it("refuses a repository that is not owner/repo before creating anything", async () => {
    expect(() => validateCiIdentityArgs({ githubRepo: "phi3-infra" })).toThrow(/githubRepo 'phi3-infra'/);
    await expect(run({ githubRepo: "not a repo" })).rejects.toThrow(/must be owner\/repo/);
  });
});

describe("ciGithubRepo in the stack", () => {
  it("adds the CI identity and its client and tenant outputs when set, and no azuread resource when not", async () => {
    const withCi = (await sharedPlan({ overrides: DEV_WITH_ADDITIONS })).document;
    // The preview identity holds Reader on the group alone: nothing on the endpoint, no custom role.
    const ci = single(withCi.resources, "phi3-foundry:ci:CiIdentity").urn;
    const held = ofType(withCi.resources, "azure-native:authorization:RoleAssignment").filter((a) => a.parent === ci);
    // The stack's resource group, here an existing one (resourceGroupName=rg-shared).
    expect(held.map((a) => [a.name, a.inputs.scope])).toEqual([["ci-reader", `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-shared`]]);
    expect(ofType(withCi.resources, "azure-native:authorization:RoleDefinition")).toEqual([]);
    // The deployer (the client config's object id) and the destroy identity own the app.
    expect(single(withCi.resources, "azuread:index/application:Application").inputs.owners).toEqual([deterministicGuid("mock-user"), CI_DESTROYER]);
    const credential = single(withCi.resources, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential");
    expect(credential.inputs.subject).toBe("repo:contoso/phi3-infra:pull_request");
    expect(single(withCi.resources, "azuread:index/servicePrincipal:ServicePrincipal")).toBeDefined();
    expect(withCi.outputs.ciClientId).toMatch(/^[0-9a-f-]{36}$/);

    const without = (await sharedPlan()).document;
    expect(without.resources.filter((r) => r.type.startsWith("azuread:"))).toEqual([]);
    expect(without.outputs.ciClientId).toBeUndefined();
  });
});
