import * as pulumi from "@pulumi/pulumi";
import { MlWorkspace, MlWorkspaceArgs, validateMlWorkspaceArgs } from "../components/mlWorkspace";
import { azureName, ResourceKind } from "../domain/naming";
import { input, named, ofType, runProgram, single } from "./helpers";

const namer = (kind: ResourceKind) => pulumi.output(azureName(kind, { prefix: "phi", stack: "test", suffix: "abc123" }));
const baseArgs: MlWorkspaceArgs = { location: "eastus2", namer, tenantId: "tenant-1", subscriptionId: "sub-1" };

function run(args: Partial<MlWorkspaceArgs> = {}) {
  return runProgram(() => new MlWorkspace("ml", { ...baseArgs, ...args }));
}

describe("MlWorkspace", () => {
  it("creates the workspace wired to its storage, key vault, Application Insights and registry", async () => {
    const { resources } = await run();
    const workspace = single(resources, "azure-native:machinelearningservices:Workspace");
    const storage = single(resources, "azure-native:storage:StorageAccount");
    const vault = single(resources, "azure-native:keyvault:Vault");
    const insights = single(resources, "azure-native:applicationinsights:Component");
    const registry = single(resources, "azure-native:containerregistry:Registry");
    expect(workspace.inputs).toMatchObject({
      storageAccount: storage.id,
      keyVault: vault.id,
      applicationInsights: insights.id,
      containerRegistry: registry.id,
      workspaceName: "mlw-phi-test-abc123",
      kind: "Default",
      identity: { type: "SystemAssigned" },
    });
    expect(workspace.dependsOn).toEqual(expect.arrayContaining([storage.urn, vault.urn, insights.urn, registry.urn]));
  });

  it("makes every child a child of the component, named after it", async () => {
    const { resources } = await run();
    const component = single(resources, "phi3-foundry:prepare:MlWorkspace");
    const children = resources.filter((r) => r.custom);
    expect(children).toHaveLength(7);
    for (const child of children) {
      expect(child.parent).toBe(component.urn);
      expect(child.name.startsWith("ml-")).toBe(true);
    }
  });

  it("secures storage: TLS 1.2, HTTPS only, no public blob access", async () => {
    const storage = single((await run()).resources, "azure-native:storage:StorageAccount");
    expect(storage.inputs).toMatchObject({
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      accountName: "stphitestabc123",
    });
  });

  it("secures the key vault with RBAC and soft delete, leaving purge protection off unless asked", async () => {
    const vault = single((await run()).resources, "azure-native:keyvault:Vault");
    expect(input(vault, "properties")).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true, tenantId: "tenant-1" });
    expect(input(vault, "properties.enablePurgeProtection")).toBeUndefined();

    const protectedVault = single((await run({ keyVaultPurgeProtection: true })).resources, "azure-native:keyvault:Vault");
    expect(input(protectedVault, "properties.enablePurgeProtection")).toBe(true);
  });

  it("turns the registry's admin user off", async () => {
    const registry = single((await run()).resources, "azure-native:containerregistry:Registry");
    expect(registry.inputs.adminUserEnabled).toBe(false);
  });

  it("makes Application Insights workspace-based on its Log Analytics workspace", async () => {
    const { resources } = await run();
    const logs = single(resources, "azure-native:operationalinsights:Workspace");
    const insights = single(resources, "azure-native:applicationinsights:Component");
    expect(insights.inputs).toMatchObject({ workspaceResourceId: logs.id, ingestionMode: "LogAnalytics", applicationType: "web" });
  });

  it("creates a resource group by default and uses an existing one when named", async () => {
    const created = await run();
    const group = single(created.resources, "azure-native:resources:ResourceGroup");
    expect(group.inputs.resourceGroupName).toBe("rg-phi-test-abc123");
    for (const r of created.resources.filter((r) => r.custom && r !== group)) expect(r.inputs.resourceGroupName).toBe("rg-phi-test-abc123");

    const existing = await run({ existingResourceGroupName: "rg-shared" });
    expect(ofType(existing.resources, "azure-native:resources:ResourceGroup")).toHaveLength(0);
    expect(named(existing.resources, "ml-workspace").inputs.resourceGroupName).toBe("rg-shared");
  });

  it("exports the studio URL of the workspace", async () => {
    let url: pulumi.Output<string> | undefined;
    await runProgram(() => (url = new MlWorkspace("ml", baseArgs).studioUrl));
    const value = await new Promise((resolve) => url!.apply(resolve));
    expect(value).toMatch(/^https:\/\/ml\.azure\.com\/\?wsid=\/subscriptions\/.+\/workspaces\/mlw-phi-test-abc123&tid=tenant-1$/);
  });

  it.each([
    [{ logRetentionDays: 7 }, /logRetentionDays is 7/],
    [{ logRetentionDays: 731 }, /logRetentionDays is 731/],
    [{ existingResourceGroupName: " " }, /existingResourceGroupName is empty/],
  ])("refuses %j before creating anything", async (bad, message) => {
    expect(() => validateMlWorkspaceArgs(bad)).toThrow(message);
    await expect(run(bad)).rejects.toThrow(message);
  });
});
