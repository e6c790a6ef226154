import {
  CiIdentity,
  CiIdentityArgs,
  GITHUB_ISSUER,
  keyReaderRoleName,
  PREVIEW_KEY_ACTIONS,
  pullRequestSubject,
  TOKEN_EXCHANGE_AUDIENCE,
  validateCiIdentityArgs,
} from "../components/ciIdentity";
import { deterministicGuid, roleDefinitionId } from "../components/roles";
import { buildPlan } from "../scripts/lib/plan";
import { input, named, ofType, runProgram, single } from "./helpers";

const group = "/subscriptions/s/resourceGroups/rg-phi";
const endpoint = `${group}/providers/Microsoft.MachineLearningServices/workspaces/mlw/onlineEndpoints/ep-phi`;
const args: CiIdentityArgs = { githubRepo: "contoso/phi3-infra", resourceGroupId: group, subscriptionId: "s", displayName: "phi-dev", keyReaderScopes: [endpoint] };
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

  it("gives it Reader on the resource group and a custom role that lists the endpoint's keys, assigned on the endpoint only", async () => {
    const { resources } = await run();
    const reader = named(resources, "ci-reader");
    expect(reader.inputs).toMatchObject({ scope: group, roleDefinitionId: roleDefinitionId("s", "Reader"), principalType: "ServicePrincipal" });
    const role = single(resources, "azure-native:authorization:RoleDefinition");
    expect(role.inputs).toMatchObject({ scope: group, roleType: "CustomRole", assignableScopes: [group] });
    expect(input(role, "permissions")).toEqual([{ actions: ["Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action"], notActions: [] }]);
    expect(PREVIEW_KEY_ACTIONS).toEqual(input(role, "permissions")[0].actions);
    const keyReaders = ofType(resources, "azure-native:authorization:RoleAssignment").filter((a) => a.inputs.roleDefinitionId === role.id);
    expect(keyReaders.map((a) => a.inputs.scope)).toEqual([endpoint]);
  });

  it("names the custom role uniquely per subscription, resource group and stack, as Entra ID wants role names unique in the tenant", async () => {
    const role = single((await run()).resources, "azure-native:authorization:RoleDefinition");
    expect(role.inputs.roleName).toBe(keyReaderRoleName("phi-dev", "s", group));
    expect(role.inputs.roleName).toMatch(/^phi3-foundry preview key reader \(phi-dev, [0-9a-f]{8}\)$/);
    const names = new Set([
      keyReaderRoleName("phi-dev", "s", group),
      keyReaderRoleName("phi-dev", "s2", "/subscriptions/s2/resourceGroups/rg-phi"),
      keyReaderRoleName("phi-prod", "s", group),
      keyReaderRoleName("phi-dev", "s", "/subscriptions/s/resourceGroups/rg-other"),
    ]);
    expect(names.size).toBe(4);
    const other = single((await run({ displayName: "phi-prod" })).resources, "azure-native:authorization:RoleDefinition");
    expect(other.inputs.roleDefinitionId).not.toBe(role.inputs.roleDefinitionId);
  });

  it("makes the deployer and the destroy identity owners of the application and service principal, so destroy can remove them", async () => {
    const owners = ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"];
    const { resources } = await run({ ownerObjectIds: owners });
    expect(single(resources, "azuread:index/application:Application").inputs.owners).toEqual(owners);
    expect(single(resources, "azuread:index/servicePrincipal:ServicePrincipal").inputs.owners).toEqual(owners);
    const unowned = await run();
    expect(single(unowned.resources, "azuread:index/application:Application").inputs.owners).toBeUndefined();
  });

  it("refuses a repository that is not owner/repo, or no key scope, before creating anything", async () => {
    expect(() => validateCiIdentityArgs({ githubRepo: "phi3-infra", keyReaderScopes: [endpoint] })).toThrow(/githubRepo 'phi3-infra'/);
    expect(() => validateCiIdentityArgs({ githubRepo: "a/b", keyReaderScopes: [] })).toThrow(/keyReaderScopes is empty/);
    await expect(run({ githubRepo: "not a repo" })).rejects.toThrow(/must be owner\/repo/);
  });
});

describe("ciGithubRepo in the stack", () => {
  it("adds the CI identity and its client and tenant outputs when set, and no azuread resource when not", async () => {
    const destroyer = "33333333-3333-3333-3333-333333333333";
    const withCi = (await buildPlan({ overrides: ["ciGithubRepo=contoso/phi3-infra", `ciDestroyPrincipalId=${destroyer}`] })).document;
    // The key reader sits on the endpoint; the deployer (the client config's object id) and the destroy identity own the app.
    const role = single(withCi.resources, "azure-native:authorization:RoleDefinition");
    const keyReader = ofType(withCi.resources, "azure-native:authorization:RoleAssignment").find((a) => a.inputs.roleDefinitionId === role.id)!;
    expect(keyReader.inputs.scope).toBe(named(withCi.resources, "serving-endpoint").id);
    expect(single(withCi.resources, "azuread:index/application:Application").inputs.owners).toEqual([deterministicGuid("mock-user"), destroyer]);
    const credential = single(withCi.resources, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential");
    expect(credential.inputs.subject).toBe("repo:contoso/phi3-infra:pull_request");
    expect(single(withCi.resources, "azuread:index/servicePrincipal:ServicePrincipal")).toBeDefined();
    expect(withCi.outputs.ciClientId).toMatch(/^[0-9a-f-]{36}$/);

    const without = (await buildPlan()).document;
    expect(without.resources.filter((r) => r.type.startsWith("azuread:"))).toEqual([]);
    expect(without.outputs.ciClientId).toBeUndefined();
  });
});
