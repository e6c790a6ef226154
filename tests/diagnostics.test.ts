import * as pulumi from "@pulumi/pulumi";
import { blobServiceId, DIAGNOSTIC_SOURCES, Diagnostics, DiagnosticTarget, ENDPOINT_TRAFFIC_TABLE, fileServiceId, validateDiagnosticsArgs } from "../components/diagnostics";
import { ofType, runProgram, single } from "./helpers";

const group = "/subscriptions/s/resourceGroups/rg";
const logs = `${group}/providers/Microsoft.OperationalInsights/workspaces/log-phi`;
const vault = `${group}/providers/Microsoft.KeyVault/vaults/kv-phi`;
const storage = `${group}/providers/Microsoft.Storage/storageAccounts/stphi`;
const targets: DiagnosticTarget[] = [
  { name: "keyvault", type: "Microsoft.KeyVault/vaults", resourceUri: vault },
  { name: "storage-blobs", type: "Microsoft.Storage/storageAccounts/blobServices", resourceUri: blobServiceId(storage) },
  { name: "storage-files", type: "Microsoft.Storage/storageAccounts/fileServices", resourceUri: fileServiceId(storage) },
];

const run = (t: readonly DiagnosticTarget[] = targets) =>
  runProgram(() => new Diagnostics("diagnostics", { logAnalyticsWorkspaceId: logs, targets: t }));

describe("Diagnostics", () => {
  it("sends each target's resource logs, every category through allLogs, to the Log Analytics workspace", async () => {
    const { resources } = await run();
    const settings = ofType(resources, "azure-native:monitor:DiagnosticSetting");
    expect(settings.map((s) => [s.name, s.inputs.resourceUri]).sort()).toEqual([
      ["diagnostics-keyvault", vault],
      ["diagnostics-storage-blobs", `${storage}/blobServices/default`],
      // Azure Monitor, "Supported logs for Microsoft.Storage/storageAccounts/fileServices": StorageRead, StorageWrite, StorageDelete.
      ["diagnostics-storage-files", `${storage}/fileServices/default`],
    ]);
    for (const setting of settings) {
      expect(setting.inputs).toEqual({
        name: "phi3-foundry",
        resourceUri: setting.inputs.resourceUri,
        workspaceId: logs,
        logs: [{ categoryGroup: "allLogs", enabled: true }],
      });
      expect(setting.parent).toBe(single(resources, "phi3-foundry:observe:Diagnostics").urn);
    }
  });

  it("sends the online endpoint's logs to resource-specific tables, where the idle alarm reads its traffic", async () => {
    const endpoint = `${group}/providers/Microsoft.MachineLearningServices/workspaces/mlw-phi/onlineEndpoints/ep-phi`;
    const { resources } = await run([{ name: "endpoint", type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", resourceUri: endpoint }]);
    // REST 2021-05-01-preview, DiagnosticSettings.logAnalyticsDestinationType: "Dedicated" (null means AzureDiagnostics).
    expect(single(resources, "azure-native:monitor:DiagnosticSetting").inputs).toEqual({
      name: "phi3-foundry",
      resourceUri: endpoint,
      workspaceId: logs,
      logs: [{ categoryGroup: "allLogs", enabled: true }],
      logAnalyticsDestinationType: "Dedicated",
    });
    // The table of the AmlOnlineEndpointTrafficLog category (Azure Monitor's supported-logs reference for onlineEndpoints).
    expect(ENDPOINT_TRAFFIC_TABLE).toBe("AmlOnlineEndpointTrafficLog");
  });

  it("knows the category group of every resource type it accepts", () => {
    expect(Object.keys(DIAGNOSTIC_SOURCES).sort()).toEqual([
      "Microsoft.CognitiveServices/accounts",
      "Microsoft.ContainerRegistry/registries",
      "Microsoft.KeyVault/vaults",
      "Microsoft.MachineLearningServices/workspaces",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      "Microsoft.Storage/storageAccounts/blobServices",
      "Microsoft.Storage/storageAccounts/fileServices",
    ]);
    for (const source of Object.values(DIAGNOSTIC_SOURCES)) expect(source.categoryGroup).toBe("allLogs");
  });

  it("waits only for the resource whose logs it sends", async () => {
    const { resources } = await runProgram(() => {
      const dependency = new (class extends pulumi.CustomResource {})("test:index:Thing", "thing", {});
      new Diagnostics("diagnostics", {
        logAnalyticsWorkspaceId: logs,
        targets: [{ name: "keyvault", type: "Microsoft.KeyVault/vaults", resourceUri: dependency.id }],
      });
    });
    const setting = single(resources, "azure-native:monitor:DiagnosticSetting");
    expect(setting.dependsOn).toEqual([resources.find((r) => r.name === "thing")!.urn]);
  });

  it("refuses a target name used twice, or one that cannot name a resource, before creating anything", async () => {
    expect(() => validateDiagnosticsArgs({ targets: [targets[0], targets[0]] })).toThrow(/'keyvault' is used twice/);
    expect(() => validateDiagnosticsArgs({ targets: [{ ...targets[0], name: "Key Vault" }] })).toThrow(/target name 'Key Vault'/);
    await expect(run([targets[0], targets[0]])).rejects.toThrow(/used twice/);
  });
});
