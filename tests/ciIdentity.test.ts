import { CiIdentity, GITHUB_ISSUER, PREVIEW_KEY_ACTIONS, pullRequestSubject, TOKEN_EXCHANGE_AUDIENCE, validateCiIdentityArgs } from "../components/ciIdentity";
import { roleDefinitionId } from "../components/roles";
import { buildPlan } from "../scripts/lib/plan";
import { input, named, runProgram, single } from "./helpers";

const group = "/subscriptions/s/resourceGroups/rg-phi";
const run = (githubRepo = "contoso/phi3-infra") =>
  runProgram(() => new CiIdentity("ci", { githubRepo, resourceGroupId: group, subscriptionId: "s", displayName: "phi-dev" }));

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

  it("gives it Reader on the resource group and a custom role with only the two key listings a preview makes", async () => {
    const { resources } = await run();
    const reader = named(resources, "ci-reader");
    expect(reader.inputs).toMatchObject({ scope: group, roleDefinitionId: roleDefinitionId("s", "Reader"), principalType: "ServicePrincipal" });
    const role = single(resources, "azure-native:authorization:RoleDefinition");
    expect(role.inputs).toMatchObject({ scope: group, roleType: "CustomRole", assignableScopes: [group] });
    expect(input(role, "permissions")).toEqual([{ actions: PREVIEW_KEY_ACTIONS, notActions: [] }]);
    expect(named(resources, "ci-key-reader").inputs).toMatchObject({ scope: group, roleDefinitionId: role.id });
  });

  it("refuses a repository that is not owner/repo before creating anything", async () => {
    expect(() => validateCiIdentityArgs({ githubRepo: "phi3-infra" })).toThrow(/githubRepo 'phi3-infra'/);
    await expect(run("not a repo")).rejects.toThrow(/must be owner\/repo/);
  });
});

describe("ciGithubRepo in the stack", () => {
  it("adds the CI identity and its client and tenant outputs when set, and no azuread resource when not", async () => {
    const withCi = (await buildPlan({ overrides: ["ciGithubRepo=contoso/phi3-infra"] })).document;
    const credential = single(withCi.resources, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential");
    expect(credential.inputs.subject).toBe("repo:contoso/phi3-infra:pull_request");
    expect(single(withCi.resources, "azuread:index/servicePrincipal:ServicePrincipal")).toBeDefined();
    expect(withCi.outputs.ciClientId).toMatch(/^[0-9a-f-]{36}$/);

    const without = (await buildPlan()).document;
    expect(without.resources.filter((r) => r.type.startsWith("azuread:"))).toEqual([]);
    expect(without.outputs.ciClientId).toBeUndefined();
  });
});
