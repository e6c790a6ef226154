import * as pulumi from "@pulumi/pulumi";
import { Foundry, FoundryArgs, validateFoundryArgs } from "../components/foundry";
import { signInPrincipalType } from "../components/azure/rest/credential";
import { azureName, ResourceKind } from "../domain/naming";
import { OnlineEndpoint } from "../components/onlineEndpoint";
import { input, named, ofType, runProgram, single } from "./helpers";
import { runAsEngine, UNKNOWN } from "./support/engineRun";

/**
 * Role ids as Azure's built-in roles reference lists them (learn.microsoft.com/azure/role-based-access-control/built-in-roles):
 * Cognitive Services User a97b65f3-24c7-4388-baec-2e87135dc908, Cognitive Services OpenAI User
 * 5e0bd9bd-7b93-4f28-af87-19fc36ad61bd, Storage File Data Privileged Contributor 69566ab7-960f-475b-8e7c-b3118f30c6bd.
 * The connection's name is the README's (`phi3-endpoint`).
 */
const roleDefinition = (id: string) => `/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/${id}`;

const namer = (kind: ResourceKind) => pulumi.output(azureName(kind, { prefix: "phi", stack: "test", suffix: "abc123" }));
const args: FoundryArgs = {
  workspace: { resourceGroupName: "rg" },
  location: "eastus2",
  tenantId: "tenant-1",
  subscriptionId: "sub-1",
  namer,
  endpoint: { scoringUri: "https://ep.eastus2.inference.ml.azure.com/score", primaryKey: "endpoint-key" },
};

async function run(a: FoundryArgs = args) {
  let foundry: Foundry | undefined;
  const { resources } = await runProgram(() => (foundry = new Foundry("foundry", a)));
  return { resources, foundry: foundry! };
}

const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

describe("Foundry", () => {
  it("creates an AI Services account, and a hub with its own secure storage and key vault", async () => {
    const { resources } = await run();
    const account = single(resources, "azure-native:cognitiveservices:Account");
    expect(account.inputs).toMatchObject({ kind: "AIServices", sku: { name: "S0" }, accountName: "ais-phi-test-abc123" });
    const hub = named(resources, "foundry-hub");
    expect(hub.inputs).toMatchObject({ kind: "Hub", identity: { type: "SystemAssigned" }, workspaceName: "hub-phi-test-abc123" });
    expect(hub.inputs.storageAccount).toBe(single(resources, "azure-native:storage:StorageAccount").id);
    expect(hub.inputs.keyVault).toBe(single(resources, "azure-native:keyvault:Vault").id);
    expect(single(resources, "azure-native:storage:StorageAccount").inputs).toMatchObject({ minimumTlsVersion: "TLS1_2", allowBlobPublicAccess: false });
    expect(input(single(resources, "azure-native:keyvault:Vault"), "properties")).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true });
  });

  it("makes the AI Services account keyless: local auth off, a system-assigned identity, public access as asked", async () => {
    const { resources } = await run();
    const account = single(resources, "azure-native:cognitiveservices:Account");
    expect(account.inputs.identity).toEqual({ type: "SystemAssigned" });
    expect(input(account, "properties")).toMatchObject({ disableLocalAuth: true, publicNetworkAccess: "Enabled" });
    const closed = single((await run({ ...args, aiServicesPublicNetworkAccess: false })).resources, "azure-native:cognitiveservices:Account");
    expect(input(closed, "properties.publicNetworkAccess")).toBe("Disabled");
  });

  it("connects the hub to AI Services by Entra ID, with no credentials and no key listed", async () => {
    const { resources } = await run();
    const connection = named(resources, "foundry-ai-services-connection");
    const account = single(resources, "azure-native:cognitiveservices:Account");
    expect(connection.inputs.workspaceName).toBe("hub-phi-test-abc123");
    expect(input(connection, "properties")).toEqual({
      authType: "AAD",
      category: "AIServices",
      target: "https://ais-phi-test-abc123.cognitiveservices.azure.com/",
      isSharedToAll: true,
      metadata: { ApiType: "Azure", ResourceId: account.id, Location: "eastus2" },
    });
    expect(JSON.stringify(resources)).not.toContain("key1-of-");
  });

  it("gives the project's identity the data roles on the AI Services account that the Entra ID connection needs", async () => {
    const { resources } = await run();
    const account = single(resources, "azure-native:cognitiveservices:Account");
    const project = named(resources, "foundry-project");
    const assignments = ofType(resources, "azure-native:authorization:RoleAssignment");
    expect(assignments.map((a) => a.inputs.roleDefinitionId).sort()).toEqual(
      [roleDefinition("a97b65f3-24c7-4388-baec-2e87135dc908"), roleDefinition("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd")].sort(),
    );
    for (const a of assignments) {
      expect(a.inputs).toMatchObject({ scope: account.id, principalType: "ServicePrincipal" });
      expect(a.inputs.principalId).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.dependsOn).toEqual(expect.arrayContaining([account.urn, project.urn]));
    }
  });

  it("gives the deployer Storage File Data Privileged Contributor on the hub's storage, by a stable name and its own principal type", async () => {
    const deployer = "0b1ec7a1-0000-4000-8000-00000000d3e1";
    const first = await run({ ...args, deployer: { objectId: deployer, principalType: "User" } });
    const storage = single(first.resources, "azure-native:storage:StorageAccount");
    const grant = named(first.resources, "foundry-deployer-file-data");
    expect(grant.inputs).toMatchObject({
      scope: storage.id,
      principalId: deployer,
      roleDefinitionId: roleDefinition("69566ab7-960f-475b-8e7c-b3118f30c6bd"),
    });
    // A person here: a wrong principalType would fail the assignment (UnmatchedPrincipalType).
    expect(grant.inputs.principalType).toBe("User");
    expect(grant.inputs.roleAssignmentName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const app = named((await run({ ...args, deployer: { objectId: deployer, principalType: "ServicePrincipal" } })).resources, "foundry-deployer-file-data");
    expect(app.inputs.roleAssignmentName).toBe(grant.inputs.roleAssignmentName);
    expect(app.inputs.principalType).toBe("ServicePrincipal");
    expect(first.foundry.flowFileAccess).toBeDefined();
    expect(ofType((await run()).resources, "azure-native:authorization:RoleAssignment").map((a) => a.name)).not.toContain("foundry-deployer-file-data");
  });

  it("takes the deployer's principal type from how azure-native signs in", () => {
    expect(signInPrincipalType({})).toBe("User");
    expect(signInPrincipalType({ useDefaultAzureCredential: "true", clientSecret: "s" })).toBe("User");
    for (const app of [{ clientSecret: "s" }, { clientCertificatePath: "/c.pfx" }, { useOidc: "true" }, { useMsi: "1" }]) {
      expect(signInPrincipalType(app)).toBe("ServicePrincipal");
    }
    expect(signInPrincipalType({ useOidc: "false" })).toBe("User");
  });

  it("creates a project in the hub", async () => {
    const { resources } = await run();
    const project = named(resources, "foundry-project");
    expect(project.inputs).toMatchObject({ kind: "Project", hubResourceId: named(resources, "foundry-hub").id, workspaceName: "proj-phi-test-abc123" });
  });

  it("stores the endpoint URL and key in a Custom keys connection shaped for Prompt flow, the key secret", async () => {
    const { resources } = await run();
    const connection = named(resources, "foundry-endpoint-connection");
    expect(connection.inputs).toMatchObject({ connectionName: "phi3-endpoint", workspaceName: "proj-phi-test-abc123" });
    expect(input(connection, "properties")).toMatchObject({
      authType: "CustomKeys",
      category: "CustomKeys",
      metadata: { endpoint: "https://ep.eastus2.inference.ml.azure.com/score" },
      credentials: { keys: { key: "[secret]" } },
    });
    expect(JSON.stringify(resources)).not.toContain("endpoint-key");
  });

  it("exports the hub, the project and its portal URL, and the connection name", async () => {
    const { foundry } = await run();
    expect(await value(foundry.projectUrl)).toMatch(/^https:\/\/ai\.azure\.com\/build\/overview\?wsid=\/subscriptions\/.+\/workspaces\/proj-phi-test-abc123&tid=tenant-1$/);
    expect(foundry.endpointConnection!.name).toBe("phi3-endpoint");
    expect(await value(foundry.endpointConnection!.created)).toBe("phi3-endpoint");
    expect(await value(foundry.hubName)).toBe("hub-phi-test-abc123");
  });

  it("goes into the workspace's resource group, and hands on the project as a flow takes it", async () => {
    const deployer = { objectId: "0b1ec7a1-0000-4000-8000-00000000d3e1", principalType: "User" } as const;
    const { resources, foundry } = await run({ ...args, workspace: { resourceGroupName: "rg-of-ml" }, deployer });
    const placed = resources.filter((r) => r.custom && r.type !== "azure-native:authorization:RoleAssignment");
    expect(placed.map((r) => `${r.name} ${r.inputs.resourceGroupName}`).sort()).toEqual([
      "foundry-ai-services rg-of-ml",
      "foundry-ai-services-connection rg-of-ml",
      "foundry-endpoint-connection rg-of-ml",
      "foundry-hub rg-of-ml",
      "foundry-keyvault rg-of-ml",
      "foundry-project rg-of-ml",
      "foundry-storage rg-of-ml",
    ]);
    expect(await value(pulumi.output(foundry.resourceGroupName))).toBe("rg-of-ml");
    expect(await value(pulumi.output(foundry.subscriptionId))).toBe("sub-1");
    expect(await value(foundry.projectName)).toBe("proj-phi-test-abc123");
    expect(foundry.flowFileAccess?.urn).toBeDefined();
    expect(await value(foundry.flowFileAccess!.urn)).toBe(named(resources, "foundry-deployer-file-data").urn);
  });

  it("creates no Custom keys connection without an endpoint, and parents everything to itself", async () => {
    const { resources } = await run({ ...args, endpoint: undefined });
    expect(ofType(resources, "azure-native:machinelearningservices:WorkspaceConnection").map((r) => r.name)).toEqual(["foundry-ai-services-connection"]);
    const component = single(resources, "phi3-foundry:integrate:Foundry");
    for (const r of resources.filter((r) => r.custom)) expect(r.parent).toBe(component.urn);
  });

  it("refuses an invalid connection name before creating anything", async () => {
    expect(() => validateFoundryArgs({ connectionName: "a b" })).toThrow(/connectionName 'a b'/);
    await expect(run({ ...args, connectionName: "a b" })).rejects.toThrow(/connectionName 'a b'/);
  });
});

describe("the Custom keys connection in a preview and in an update", () => {
  // As the stack wires them: the endpoint's scoring URI and primary key into the connection.
  const stack = () => {
    const endpoint = new OnlineEndpoint("serving", {
      workspace: { subscriptionId: "sub-1", resourceGroupName: "rg", workspaceName: "mlw" },
      location: "eastus2",
      namer: () => pulumi.output("ep-phi"),
      identity: { id: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id", roleAssignments: [] },
    });
    new Foundry("foundry", { ...args, endpoint });
  };
  const connection = (registrations: Awaited<ReturnType<typeof runAsEngine>>["registrations"]) =>
    registrations.find((r) => r.name === "foundry-endpoint-connection")!;

  it("in a preview, sends no key and keeps the credentials stored in the state, so the connection shows no change", async () => {
    const { registrations, invokes } = await runAsEngine(true, stack);
    expect(invokes).not.toContain("azure-native:machinelearningservices:listOnlineEndpointKeys");
    expect(connection(registrations).inputs.properties.credentials).toEqual({ keys: { key: UNKNOWN } });
    expect(connection(registrations).ignoreChanges).toEqual(["properties.credentials"]);
  });

  it("in an update, sends the endpoint's key and ignores nothing, so a new key reaches the connection", async () => {
    const { registrations } = await runAsEngine(false, stack);
    expect(connection(registrations).inputs.properties.credentials).toEqual({ keys: { key: "primary-key-of-ep-phi" } });
    expect(connection(registrations).ignoreChanges).toEqual([]);
  });
});
