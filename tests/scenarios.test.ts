import { PRODUCTION_TAG } from "../infra/limits";
import { buildPlan, Plan } from "../scripts/lib/plan";
import { MOCK_SUBSCRIPTION_ID } from "../scripts/lib/mockAzure";
import { input, named, ofType, single } from "./helpers";
import { packViolations } from "./support/policyHarness";

/**
 * The named scenarios, one Pulumi.<stack>.yaml each, as Azure Verified Modules test defaults, max and WAF-aligned: each
 * is planned once here and shared by every test below, passes the whole policy pack, and plans the same a second time.
 */
const SCENARIOS = ["dev", "prod", "parked", "minimal"] as const;
type Scenario = (typeof SCENARIOS)[number];

const plans = new Map<Scenario, Promise<Plan>>();
const planOf = (stack: Scenario): Promise<Plan> => {
  if (!plans.has(stack)) plans.set(stack, buildPlan({ stack }));
  return plans.get(stack)!;
};
const resourcesOf = async (stack: Scenario) => (await planOf(stack)).document.resources;

const DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment";
const ACCOUNT = "azure-native:cognitiveservices:Account";

describe.each(SCENARIOS)("the %s scenario", (stack) => {
  it("passes every rule of the policy pack, resource and stack rules alike", async () => {
    const { reported, checked } = await packViolations(await resourcesOf(stack));
    expect(reported).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it("plans the same on a second run", async () => {
    const first = JSON.stringify((await planOf(stack)).document);
    expect(JSON.stringify((await buildPlan({ stack })).document)).toBe(first);
  });
});

describe("dev: today's defaults", () => {
  it("has AI Services with local auth off and the hub's connection to it by Entra ID, with no key", async () => {
    const resources = await resourcesOf("dev");
    expect(input(single(resources, ACCOUNT), "properties.disableLocalAuth")).toBe(true);
    const connection = named(resources, "foundry-ai-services-connection");
    expect(input(connection, "properties.authType")).toBe("AAD");
    expect(input(connection, "properties.credentials")).toBeUndefined();
  });

  it("sends the resource logs of the workspace, hub, project, both vaults, both blob services, AI Services, registry and endpoint to its Log Analytics workspace", async () => {
    const resources = await resourcesOf("dev");
    const logs = single(resources, "azure-native:operationalinsights:Workspace");
    const settings = ofType(resources, "azure-native:monitor:DiagnosticSetting");
    for (const setting of settings) {
      expect(setting.inputs).toMatchObject({ workspaceId: logs.id, logs: [{ categoryGroup: "allLogs", enabled: true }] });
      expect(setting.dependsOn).toContain(logs.urn);
    }
    const id = (name: string) => named(resources, name).id!;
    expect(settings.map((s) => s.inputs.resourceUri).sort()).toEqual(
      [
        id("ml-workspace"),
        id("foundry-hub"),
        id("foundry-project"),
        id("ml-keyvault"),
        id("foundry-keyvault"),
        `${id("ml-storage")}/blobServices/default`,
        `${id("foundry-storage")}/blobServices/default`,
        id("foundry-ai-services"),
        id("ml-registry"),
        id("serving-endpoint"),
      ].sort(),
    );
  });

  it("is not a production stack: no production tag, no purge protection", async () => {
    const resources = await resourcesOf("dev");
    for (const vault of ofType(resources, "azure-native:keyvault:Vault")) {
      expect(input(vault, "tags")[PRODUCTION_TAG.key]).toBeUndefined();
      expect(input(vault, "properties.enablePurgeProtection")).toBeUndefined();
    }
  });
});

describe("prod: hardened", () => {
  it("tags its resources as production and turns purge protection on in both key vaults", async () => {
    const resources = await resourcesOf("prod");
    const vaults = ofType(resources, "azure-native:keyvault:Vault");
    expect(vaults.map((v) => v.name).sort()).toEqual(["foundry-keyvault", "ml-keyvault"]);
    for (const vault of vaults) {
      expect(input(vault, "tags")).toMatchObject({ [PRODUCTION_TAG.key]: PRODUCTION_TAG.value, stack: "prod" });
      expect(input(vault, "properties.enablePurgeProtection")).toBe(true);
    }
  });

  it("keeps AI Services off public networks and leaves what the chat flow reaches public", async () => {
    const resources = await resourcesOf("prod");
    expect(input(single(resources, ACCOUNT), "properties.publicNetworkAccess")).toBe("Disabled");
    // The flow and `npm run chat` call the endpoint from outside Azure; `pulumi up` uploads the data to the storage.
    expect(input(named(resources, "serving-endpoint"), "properties.publicNetworkAccess")).toBe("Enabled");
    expect(input(named(resources, "ml-workspace"), "publicNetworkAccess")).toBe("Enabled");
  });
});

describe("parked: serving off", () => {
  it("keeps the endpoint, its logs and the model, and runs no GPU deployment or traffic", async () => {
    const resources = await resourcesOf("parked");
    expect(ofType(resources, DEPLOYMENT)).toEqual([]);
    expect(resources.filter((r) => r.type.endsWith("EndpointTraffic"))).toEqual([]);
    const endpoint = named(resources, "serving-endpoint");
    expect(named(resources, "diagnostics-endpoint").inputs.resourceUri).toBe(endpoint.id);
    expect(single(resources, "azure-native:machinelearningservices:ModelVersion")).toBeDefined();
  });

  it("keeps the chat flow in the project, behind its connection to the endpoint", async () => {
    const resources = await resourcesOf("parked");
    const flow = single(resources, "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
    expect(flow.dependsOn).toContain(named(resources, "foundry-endpoint-connection").urn);
    expect(flow.inputs).toMatchObject({ flowName: "phi3-chat", flowType: "chat" });
  });
});

describe("minimal: no Foundry, no training, a registered model served", () => {
  it("creates no Foundry resource and no fine-tuning job or data, and serves the registered model", async () => {
    const resources = await resourcesOf("minimal");
    expect(resources.filter((r) => r.name.startsWith("foundry-") || r.type.includes("cognitiveservices"))).toEqual([]);
    expect(resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/") && !r.type.endsWith("EndpointTraffic"))).toEqual([]);
    expect(ofType(resources, "azure-native:machinelearningservices:DataVersion")).toEqual([]);
    const workspace = named(resources, "ml-workspace");
    expect(input(single(resources, DEPLOYMENT), "properties.model")).toBe(
      `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${workspace.inputs.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${workspace.inputs.workspaceName}/models/phi3-chat-finetuned/versions/1`,
    );
    expect(ofType(resources, "azure-native:monitor:DiagnosticSetting").map((s) => s.name).sort()).toEqual(
      ["diagnostics-endpoint", "diagnostics-keyvault", "diagnostics-registry", "diagnostics-storage-blobs", "diagnostics-workspace"].sort(),
    );
  });
});
