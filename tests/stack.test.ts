import * as fs from "node:fs";
import * as path from "node:path";
import { QuotaError, TOTAL_DEDICATED } from "../components/azure/quota";
import { buildPlan } from "../scripts/lib/plan";
import { azureMocks } from "../scripts/lib/mockAzure";
import { RecordedResource, runUnderMocks } from "../scripts/lib/mockRuntime";
import { loadStackSettings } from "../scripts/lib/stackFiles";
import { StandInQuotaSource } from "../scripts/lib/standIns";
import { input, named, ofType, single } from "./helpers";
import { chatRecord, tempDir, writeJsonl } from "./support/chatRecords";

describe("the dev stack", () => {
  it("wires the workspace to its four dependencies", async () => {
    const { resources } = (await buildPlan()).document;
    const workspace = named(resources, "ml-workspace");
    for (const [property, name] of [
      ["storageAccount", "ml-storage"],
      ["keyVault", "ml-keyvault"],
      ["applicationInsights", "ml-insights"],
      ["containerRegistry", "ml-registry"],
    ]) {
      const dependency = named(resources, name);
      expect(workspace.inputs[property]).toBe(dependency.id);
      expect(workspace.dependsOn).toContain(dependency.urn);
    }
  });

  it("gives the training identity its three roles on the resource group, the storage account and the registry", async () => {
    const { resources } = (await buildPlan()).document;
    const identity = single(resources, "azure-native:managedidentity:UserAssignedIdentity");
    const scopes = ofType(resources, "azure-native:authorization:RoleAssignment").map((a) => {
      expect(a.dependsOn).toContain(identity.urn);
      return a.inputs.scope;
    });
    expect(scopes.sort()).toEqual(
      [
        single(resources, "azure-native:resources:ResourceGroup").id,
        named(resources, "ml-storage").id,
        single(resources, "azure-native:containerregistry:Registry").id,
      ].sort(),
    );
  });

  it("creates the cluster in the workspace with the mission's settings, running as the training identity", async () => {
    const { resources } = (await buildPlan()).document;
    const compute = single(resources, "azure-native:machinelearningservices:Compute");
    const workspace = named(resources, "ml-workspace");
    const identity = single(resources, "azure-native:managedidentity:UserAssignedIdentity");
    expect(compute.inputs.workspaceName).toBe(workspace.inputs.workspaceName);
    expect(compute.dependsOn).toEqual(expect.arrayContaining([workspace.urn, identity.urn]));
    expect(input(compute, "identity.userAssignedIdentities")).toEqual([identity.id]);
    expect(input(compute, "properties.properties")).toMatchObject({
      vmSize: "Standard_NC24ads_A100_v4",
      vmPriority: "Dedicated",
      scaleSettings: { minNodeCount: 0, maxNodeCount: 1, nodeIdleTimeBeforeScaleDown: "PT120S" },
    });
  });

  it("names every Azure resource from the prefix, the stack and one shared suffix", async () => {
    const { resources } = (await buildPlan({ overrides: ["namePrefix=contoso"] })).document;
    expect(single(resources, "random:index/randomString:RandomString").inputs).toMatchObject({ length: 6, upper: false, special: false });
    const namedByStack = [
      "resources:ResourceGroup",
      "storage:StorageAccount",
      "keyvault:Vault",
      "operationalinsights:Workspace",
      "applicationinsights:Component",
      "containerregistry:Registry",
      "machinelearningservices:Workspace",
      "managedidentity:UserAssignedIdentity",
      "machinelearningservices:Compute",
    ].map((t) => `azure-native:${t}`);
    const names = resources.filter((r) => namedByStack.includes(r.type) && !r.name.startsWith("foundry-"));
    expect(names).toHaveLength(namedByStack.length);
    const suffixes = new Set(names.map((r) => r.id!.split("/").pop()!.slice(-6)));
    expect(suffixes.size).toBe(1);
    for (const r of names) expect(r.id!.split("/").pop()).toContain("contos"); // the compute name keeps 7 characters
  });

  it("deploys into an existing resource group without creating one", async () => {
    const { resources } = (await buildPlan({ overrides: ["resourceGroupName=rg-shared"] })).document;
    expect(ofType(resources, "azure-native:resources:ResourceGroup")).toHaveLength(0);
    expect(named(resources, "ml-workspace").inputs.resourceGroupName).toBe("rg-shared");
    const contributor = named(resources, "training-identity-contributor");
    expect(contributor.inputs.scope).toMatch(/\/resourceGroups\/rg-shared$/);
  });

  it("turns purge protection on only when asked", async () => {
    const vault = (overrides: string[]) => async () =>
      input(named((await buildPlan({ overrides })).document.resources, "ml-keyvault"), "properties.enablePurgeProtection");
    expect(await vault([])()).toBeUndefined();
    expect(await vault(["keyVaultPurgeProtection=true"])()).toBe(true);
  });
});

describe("the quota preflight", () => {
  const short = new StandInQuotaSource([
    { name: TOTAL_DEDICATED, limit: 100, inUse: 0 },
    { name: "Standard NCADSA100v4 Family Cluster Dedicated vCPUs", limit: 0, inUse: 0 },
    { name: "Standard NCv3 Family Cluster Dedicated vCPUs", limit: 6, inUse: 0 },
  ]);

  it("fails before any resource is created, naming each short family", async () => {
    const created = jest.spyOn(azureMocks, "newResource");
    const error = await buildPlan({ quota: short }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).shortfalls.map((s) => s.family)).toEqual(["standardNCADSA100v4Family", "standardNCSv3Family"]);
    expect(created.mock.calls.filter(([args]) => args.custom)).toEqual([]);
    created.mockRestore();
  });

  it("asks only for the families the stack will run", async () => {
    const servingOnly = new StandInQuotaSource([
      { name: TOTAL_DEDICATED, limit: 100, inUse: 0 },
      { name: "Standard NCv3 Family Cluster Dedicated vCPUs", limit: 12, inUse: 0 },
    ]);
    const servingOnlyStack = ["fineTuneEnabled=false", "registeredModelId=azureml:phi3-chat-finetuned:1"];
    await expect(buildPlan({ quota: servingOnly, overrides: servingOnlyStack })).resolves.toBeDefined();
    await expect(buildPlan({ quota: servingOnly, overrides: [...servingOnlyStack, "servingInstanceCount=2"] })).rejects.toThrow(
      /need 18 .*limit 12/,
    );
  });

  it("is skipped with quotaCheck=false", async () => {
    const plan = await buildPlan({ quota: short, overrides: ["quotaCheck=false"] });
    expect(plan.notes.join("\n")).toMatch(/Quota check skipped/);
    expect(plan.document.resources.length).toBeGreaterThan(10);
  });
});

describe("infra/index.ts, the program the Pulumi CLI runs", () => {
  it("exports a function that reads the stack's config and builds the stack", async () => {
    const settings = loadStackSettings("dev", ["quotaCheck=false"]); // no Azure call for quota
    const warnings = jest.spyOn(console, "warn").mockImplementation(() => undefined); // pulumi.log.warn without an engine
    const run = await runUnderMocks(settings, async () => {
      // Pulumi's Node.js host require()s the program directory and calls what it exports.
      const program = require("../infra") as () => Promise<Record<string, unknown>>;
      return { ...(await program()) };
    });
    expect(run.outputs.workspaceName).toMatch(/^mlw-finetunephi-dev-/);
    expect(ofType(run.resources, "azure-native:machinelearningservices:Compute")).toHaveLength(1);
    expect(warnings.mock.calls.map(([message]) => String(message)).join("\n")).toMatch(/NCv3\) was retired/);
    warnings.mockRestore();
  });
});

describe("the training data", () => {
  it("is validated before anything is created: an invalid record fails the plan naming file and line", async () => {
    const dir = tempDir();
    const good = writeJsonl(dir, 5, "train.jsonl");
    const bad = path.join(dir, "bad.jsonl");
    fs.writeFileSync(bad, JSON.stringify(chatRecord(0)) + "\n" + JSON.stringify({ messages: [{ role: "robot", content: "x" }] }) + "\n");
    const created = jest.spyOn(azureMocks, "newResource");
    await expect(buildPlan({ overrides: [`trainDataPath=${good}`, `validationDataPath=${bad}`] })).rejects.toThrow(
      /bad\.jsonl:2: messages\[0\]\.role is "robot"/,
    );
    expect(created.mock.calls.filter(([args]) => args.custom)).toEqual([]);
    created.mockRestore();
  });

  it("is uploaded and registered from the configured files, with a warning for a sample-sized set", async () => {
    const plan = await buildPlan();
    expect(ofType(plan.document.resources, "azure-native:machinelearningservices:DataVersion").map((r) => r.inputs.name).sort()).toEqual([
      "phi3-train",
      "phi3-validation",
    ]);
    expect(plan.warnings.join("\n")).toMatch(/data\/train_data\.jsonl holds 40 records, a sample/);
  });

  it("is left out when fine-tuning is off", async () => {
    const overrides = ["fineTuneEnabled=false", "registeredModelId=azureml:m:1", "trainDataPath=missing.jsonl"];
    const { resources } = (await buildPlan({ overrides })).document;
    expect(ofType(resources, "azure-native:machinelearningservices:DataVersion")).toHaveLength(0);
  });
});

describe("fine-tuning in the stack", () => {
  const jobOf = async (overrides: string[] = []) => named((await buildPlan({ overrides })).document.resources, "finetune-job");

  it("chains data assets -> job -> completion gate -> model version, after the identity's roles", async () => {
    const { resources, outputs } = (await buildPlan()).document;
    const job = named(resources, "finetune-job");
    const gate = named(resources, "finetune-completion");
    const model = single(resources, "azure-native:machinelearningservices:ModelVersion");
    for (const dependency of [
      "data-train-asset",
      "data-validation-asset",
      "gpu-compute",
      "training-identity-contributor",
      "training-identity-blob-reader",
      "training-identity-acr-pull",
    ]) {
      expect(job.dependsOn).toContain(named(resources, dependency).urn);
    }
    expect(gate.dependsOn).toContain(job.urn);
    expect(model.dependsOn).toContain(gate.urn);
    expect(outputs.modelId).toBe(model.id);
    expect(outputs.fineTuneJobName).toBe(job.inputs.jobName);
  });

  it("keeps the job of an unchanged stack and starts a new one when a setting changes", async () => {
    const first = (await jobOf()).inputs.jobName;
    expect((await jobOf()).inputs.jobName).toBe(first);
    expect((await jobOf(["learningRate=1e-5"])).inputs.jobName).not.toBe(first);
    expect((await jobOf(["epochs=2"])).inputs.jobName).not.toBe(first);
  });

  it("serves a registered model without training when fine-tuning is off", async () => {
    const plan = await buildPlan({ overrides: ["fineTuneEnabled=false", "registeredModelId=azureml:phi3-chat-finetuned:3"] });
    const types = plan.document.resources.map((r) => r.type);
    expect(types).not.toContain("pulumi-nodejs:dynamic/phi3-foundry:PipelineJob");
    expect(types).not.toContain("azure-native:machinelearningservices:ModelVersion");
    expect(types).not.toContain("azure-native:machinelearningservices:DataVersion");
    expect(plan.document.outputs.modelId).toMatch(/\/workspaces\/mlw-[\w-]+\/models\/phi3-chat-finetuned\/versions\/3$/);
    expect(plan.document.outputs.fineTuneJobName).toBeUndefined();
  });
});

describe("serving in the stack", () => {
  it("deploys the fine-tuned model version on NC6s_v3 x1 after the role assignments, then sends it all traffic", async () => {
    const { resources, outputs } = (await buildPlan()).document;
    const endpoint = single(resources, "azure-native:machinelearningservices:OnlineEndpoint");
    const deployment = single(resources, "azure-native:machinelearningservices:OnlineDeployment");
    const settle = named(resources, "serving-role-settle");
    const traffic = named(resources, "serving-traffic");
    const identity = single(resources, "azure-native:managedidentity:UserAssignedIdentity");
    expect(input(endpoint, "properties.authMode")).toBe("Key");
    expect(input(endpoint, "identity.userAssignedIdentities")).toEqual([identity.id]);
    expect(deployment.inputs.sku).toEqual({ name: "Default", capacity: 1 });
    expect(input(deployment, "properties")).toMatchObject({
      endpointComputeType: "Managed",
      instanceType: "Standard_NC6s_v3",
      model: single(resources, "azure-native:machinelearningservices:ModelVersion").id,
    });
    for (const role of ["training-identity-contributor", "training-identity-blob-reader", "training-identity-acr-pull"]) {
      expect(settle.dependsOn).toContain(named(resources, role).urn);
    }
    expect(deployment.dependsOn).toContain(settle.urn);
    expect(traffic.dependsOn).toContain(deployment.urn);
    expect(outputs.endpointKey).toBe("[secret]");
    expect(outputs.scoringUri).toMatch(/^https:\/\/ep-finetunephi-dev-\w+\.eastus2\.inference\.ml\.azure\.com\/score$/);
  });

  it("parks with servingEnabled=false: no deployment, no traffic; endpoint, model, data and workspace stay", async () => {
    const { resources, outputs } = (await buildPlan({ overrides: ["servingEnabled=false"] })).document;
    const types = resources.map((r) => r.type);
    expect(types).not.toContain("azure-native:machinelearningservices:OnlineDeployment");
    expect(types).not.toContain("pulumi-nodejs:dynamic/phi3-foundry:EndpointTraffic");
    for (const kept of [
      "azure-native:machinelearningservices:OnlineEndpoint",
      "azure-native:machinelearningservices:ModelVersion",
      "azure-native:machinelearningservices:DataVersion",
      "azure-native:machinelearningservices:Workspace",
    ]) {
      expect(types).toContain(kept);
    }
    expect(outputs.deploymentName).toBeUndefined();
  });

  it("serves a registered model by its workspace ARM id when fine-tuning is off", async () => {
    const plan = await buildPlan({ overrides: ["fineTuneEnabled=false", "registeredModelId=azureml:phi3-chat-finetuned:3"] });
    const deployment = single(plan.document.resources, "azure-native:machinelearningservices:OnlineDeployment");
    const workspace = named(plan.document.resources, "ml-workspace");
    expect(input(deployment, "properties.model")).toBe(`${workspace.id}/models/phi3-chat-finetuned/versions/3`);
  });

  it("warns about the retired defaults, and not once they are changed", async () => {
    const defaults = (await buildPlan()).warnings.join("\n");
    expect(defaults).toMatch(/Standard_NC6s_v3 \(NCv3\) was retired by Azure on 2025-09-30/);
    expect(defaults).toMatch(/Phi-3-mini-4k-instruct version 15 is retired for fine-tuning/);
    const current = await buildPlan({
      overrides: ["servingVmSize=Standard_NC24ads_A100_v4", "baseModel=azureml://registries/azureml/models/Phi-4/versions/8"],
    });
    expect(current.warnings.join("\n")).not.toMatch(/retired/);
  });
});

describe("stage 3 in the stack", () => {
  /** Every resource a resource waits for, directly or through others. */
  function closure(resources: RecordedResource[], urn: string): Set<string> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const visit = (u: string) => {
      for (const d of byUrn.get(u)?.dependsOn ?? []) {
        if (!seen.has(d)) {
          seen.add(d);
          visit(d);
        }
      }
    };
    visit(urn);
    return seen;
  }

  it("deploys the hub, project, AI Services and its connection in parallel with training and serving", async () => {
    const { resources } = (await buildPlan()).document;
    const stages12 = new Set(
      resources
        .filter((r) =>
          [
            "pulumi-nodejs:dynamic/phi3-foundry:PipelineJob",
            "pulumi-nodejs:dynamic/phi3-foundry:JobCompletion",
            "azure-native:machinelearningservices:ModelVersion",
            "azure-native:machinelearningservices:OnlineDeployment",
            "azure-native:machinelearningservices:OnlineEndpoint",
            "azure-native:machinelearningservices:Compute",
            "azure-native:machinelearningservices:DataVersion",
          ].includes(r.type),
        )
        .map((r) => r.urn),
    );
    expect(stages12.size).toBe(8);
    for (const name of ["foundry-ai-services", "foundry-hub", "foundry-project", "foundry-ai-services-connection"]) {
      const waitsFor = [...closure(resources, named(resources, name).urn)];
      expect(waitsFor.filter((u) => stages12.has(u))).toEqual([]);
    }
    const project = named(resources, "foundry-project");
    expect(project.inputs).toMatchObject({ kind: "Project", hubResourceId: named(resources, "foundry-hub").id });
  });

  it("makes only the Custom keys connection wait for the endpoint, with the key secret", async () => {
    const { resources, outputs } = (await buildPlan()).document;
    const connection = named(resources, "foundry-endpoint-connection");
    expect(connection.dependsOn).toContain(single(resources, "azure-native:machinelearningservices:OnlineEndpoint").urn);
    expect(connection.dependsOn).toContain(named(resources, "foundry-project").urn);
    expect(input(connection, "properties.credentials.keys.key")).toBe("[secret]");
    expect(input(connection, "properties.metadata.endpoint")).toBe(outputs.scoringUri);
    expect(outputs.flowCreateCommand).toBe(
      `pfazure flow create --flow flows/phi3-chat --set display_name=phi3-chat type=chat --subscription ${outputs.subscriptionId} ` +
        `--resource-group ${outputs.resourceGroupName} --workspace-name ${outputs.projectName}`,
    );
  });

  it("is left out with foundryEnabled=false", async () => {
    const { resources, outputs } = (await buildPlan({ overrides: ["foundryEnabled=false"] })).document;
    expect(resources.filter((r) => r.type === "phi3-foundry:integrate:Foundry" || r.type.includes("cognitiveservices"))).toEqual([]);
    expect(outputs.flowCreateCommand).toBeUndefined();
  });
});
