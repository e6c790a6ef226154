import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineJobProperties } from "../components/azure/rest/machineLearning";
import { pipelineJobName } from "../components/azure/providers/pipelineJob";
import { PreflightError, QuotaError } from "../components/azure/quota";
import { ConfigError } from "../infra/configReader";
import { createNamer } from "../infra/program";
import { baseModelRetirement, vmSizeRetirement } from "../domain/catalogue/retirements";
import { GPU_VM_SIZES } from "../domain/catalogue/vmSizes";
import { buildPlan, PlanOptions } from "../scripts/plan/plan";
import { azureMocks } from "../scripts/plan/mockAzure";
import { ProgramMessage, RecordedResource, runUnderMocks } from "../scripts/plan/mockRuntime";
import { loadStackSettings } from "../scripts/shared/stackFiles";
import { ML_REGIONS, StandInQuotaSource } from "../scripts/plan/standIns";
import { input, named, ofType, single } from "./helpers";
import { chatRecord, tempDir, writeJsonl } from "./support/chatRecords";
import { DEV_WITH_ADDITIONS, sharedPlan } from "./support/sharedPlans";

/** Plans by their overrides, each made once a run and shared (tests only read them); buildPlan where planning is tested. */
const planOf = (overrides: readonly string[] = []) => sharedPlan({ overrides });
const devPlan = () => planOf();
/** Serving a registered model; its training files are not there, which does not matter: they are not read. */
const REGISTERED_MODEL = ["fineTuneEnabled=false", "registeredModelId=azureml:phi3-chat-finetuned:3", "trainDataPath=missing.jsonl"];

// A failed expectation must not leave a spy (on azureMocks.newResource, console.warn) recording into the next test.
afterEach(() => jest.restoreAllMocks());

/** The error a plan fails with, and the custom resources it registered before failing. */
async function refusal(options: PlanOptions): Promise<{ error: unknown; created: unknown[] }> {
  const newResource = jest.spyOn(azureMocks, "newResource");
  const error = await buildPlan(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  const created = newResource.mock.calls.filter(([args]) => args.custom);
  newResource.mockRestore();
  return { error, created };
}

describe("createNamer", () => {
  it("resolves names once the suffix output resolves", async () => {
    const namer = createNamer("phi", "dev", pulumi.output("zz9zz9"));
    const name = await new Promise((resolve) => namer("storageAccount").apply(resolve));
    expect(name).toBe("stphidevzz9zz9");
  });
});

describe("the dev stack", () => {
  it("wires the workspace to its four dependencies", async () => {
    const { resources } = (await devPlan()).document;
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
    const { resources } = (await devPlan()).document;
    const identity = single(resources, "azure-native:managedidentity:UserAssignedIdentity");
    const scopes = ofType(resources, "azure-native:authorization:RoleAssignment").filter((a) => a.name.startsWith("training-identity-")).map((a) => {
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
    const { resources } = (await devPlan()).document;
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
    const { resources } = (await planOf(DEV_WITH_ADDITIONS)).document;
    expect(ofType(resources, "azure-native:resources:ResourceGroup")).toHaveLength(0);
    expect(named(resources, "ml-workspace").inputs.resourceGroupName).toBe("rg-shared");
    const contributor = named(resources, "training-identity-contributor");
    expect(contributor.inputs.scope).toMatch(/\/resourceGroups\/rg-shared$/);
  });

  it("turns purge protection on only when asked", async () => {
    const vault = async (overrides: readonly string[]) => input(named((await planOf(overrides)).document.resources, "ml-keyvault"), "properties.enablePurgeProtection");
    expect(await vault([])).toBeUndefined();
    expect(await vault(DEV_WITH_ADDITIONS)).toBe(true);
  });
});

describe("the quota preflight", () => {
  const short = new StandInQuotaSource([
    { name: "Total Cluster Dedicated Regional vCPUs", limit: 100, inUse: 0 },
    { name: "Standard NCADSA100v4 Family Cluster Dedicated vCPUs", limit: 0, inUse: 0 },
    { name: "Standard NCASv3_T4 Family Cluster Dedicated vCPUs", limit: 6, inUse: 0 },
  ]);
  // Training on A100 and serving on T4: two families, both short in `short`.
  const twoFamilies = ["servingVmSize=Standard_NC4as_T4_v3"];

  it("fails before any resource is created, naming each short family", async () => {
    const { error, created } = await refusal({ quota: short, overrides: twoFamilies });
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).shortfalls.map((s) => s.family)).toEqual(["standardNCADSA100v4Family", "standard NCASv3_T4 Family"]);
    expect(created).toEqual([]);
  });

  it("asks only for the families the stack will run", async () => {
    const servingOnly = new StandInQuotaSource([
      { name: "Total Cluster Dedicated Regional vCPUs", limit: 100, inUse: 0 },
      { name: "Standard NCASv3_T4 Family Cluster Dedicated vCPUs", limit: 8, inUse: 0 },
    ]);
    const servingOnlyStack = ["fineTuneEnabled=false", "registeredModelId=azureml:phi3-chat-finetuned:1", "servingVmSize=Standard_NC4as_T4_v3"];
    await expect(buildPlan({ quota: servingOnly, overrides: servingOnlyStack })).resolves.toBeDefined();
    // 2 instances with the 20% upgrade reserve: ceil(2.4) = 3 x 4 vCPUs.
    await expect(buildPlan({ quota: servingOnly, overrides: [...servingOnlyStack, "servingInstanceCount=2"] })).rejects.toThrow(
      /need 12 .*limit 8/,
    );
  });

  it("is skipped with quotaCheck=false", async () => {
    const plan = await buildPlan({ quota: short, overrides: [...twoFamilies, "quotaCheck=false"] });
    expect(plan.notes.join("\n")).toMatch(/Quota check skipped/);
    expect(plan.document.resources.length).toBeGreaterThan(10);
  });

  it("refuses a region without Azure ML before any resource is created, listing the regions that have it", async () => {
    const { error, created } = await refusal({ overrides: ["azure-native:location=mars"] });
    expect(error).toBeInstanceOf(PreflightError);
    const message = (error as Error).message;
    expect(message).toContain('azure-native:location = "mars"');
    expect(message).toContain("Azure ML is not offered there");
    expect(message).toContain(ML_REGIONS.join(", "));
    expect(created).toEqual([]);
  });

  it("refuses a size the region does not offer, naming its key and the region's sizes of the same GPU", async () => {
    const noA100 = new StandInQuotaSource(undefined, GPU_VM_SIZES.filter((s) => s.gpu !== "A100" || s.name === "Standard_NC48ads_A100_v4"));
    const { error, created } = await refusal({ quota: noA100 });
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).problems).toEqual([
      'trainingVmSize = "Standard_NC24ads_A100_v4": not offered by Azure ML in eastus2; A100 sizes it offers there: Standard_NC48ads_A100_v4',
      'servingVmSize = "Standard_NC24ads_A100_v4": not offered by Azure ML in eastus2; A100 sizes it offers there: Standard_NC48ads_A100_v4',
    ]);
    expect(created).toEqual([]);
  });
});

describe("retired values", () => {
  it.each([
    ["servingVmSize=Standard_NC6s_v3", "servingVmSize", "Standard_NC6s_v3", "2025-09-30", ["Standard_NC24ads_A100_v4", "Standard_NC4as_T4_v3"]],
    ["trainingVmSize=Standard_NC6s_v3", "trainingVmSize", "Standard_NC6s_v3", "2025-09-30", ["Standard_NC24ads_A100_v4"]],
    [
      "baseModel=azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15",
      "baseModel",
      "azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15",
      "2025-08-30",
      ["Phi-3-mini-4k-instruct (the default", "Phi-4"],
    ],
  ])("--config %s is refused before any resource is created, naming the key, the date and what to use", async (setting, key, value, date, alternatives) => {
    const { error, created } = await refusal({ overrides: [setting] });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => [p.key, p.value])).toEqual([[key, value]]);
    const message = (error as Error).message;
    expect(message).toContain(`phi3-foundry:${key} = ${JSON.stringify(value)}`);
    expect(message).toContain(`retired by Azure on ${date}`);
    const instead = message.split("; use ")[1] ?? "";
    for (const alternative of alternatives) expect(instead).toContain(alternative);
    expect(created).toEqual([]);
  });

  it("are not what the dev plan runs: its base model and VM sizes are current", async () => {
    const { resources } = (await devPlan()).document;
    const job = named(resources, "finetune-job");
    const modelInputs = input(job, "properties.inputs");
    expect(modelInputs.huggingface_id).toEqual({ jobInputType: "literal", value: "microsoft/Phi-3-mini-4k-instruct" });
    expect(modelInputs.mlflow_model_path).toBeUndefined();
    expect(baseModelRetirement(modelInputs.huggingface_id.value)).toBeUndefined();
    expect(baseModelRetirement(loadStackSettings("dev").config["phi3-foundry:baseModel"])).toBeUndefined();
    const serving = input(single(resources, "azure-native:machinelearningservices:OnlineDeployment"), "properties.instanceType");
    const training = input(single(resources, "azure-native:machinelearningservices:Compute"), "properties.properties.vmSize");
    expect([serving, training]).toEqual(["Standard_NC24ads_A100_v4", "Standard_NC24ads_A100_v4"]);
    expect(vmSizeRetirement(serving)).toBeUndefined();
    expect(vmSizeRetirement(training)).toBeUndefined();
  });
});

describe("infra/index.ts, the program the Pulumi CLI runs", () => {
  it("exports a function that reads the stack's config and builds the stack", async () => {
    const settings = loadStackSettings("dev", ["quotaCheck=false"]); // no Azure call for quota
    const messages: ProgramMessage[] = []; // pulumi.log without an engine, as the mock runtime collects it
    const run = await runUnderMocks(
      settings,
      async () => {
        // Pulumi's Node.js host require()s the program directory and calls what it exports.
        const program = require("../infra") as () => Promise<Record<string, unknown>>;
        return { ...(await program()) };
      },
      messages,
    );
    expect(run.outputs.workspaceName).toMatch(/^mlw-finetunephi-dev-/);
    expect(ofType(run.resources, "azure-native:machinelearningservices:Compute")).toHaveLength(1);
    const warned = messages.filter((m) => m.severity === "warning").map((m) => m.text).join("\n");
    expect(warned).toMatch(/data\/train_data\.jsonl holds 40 records, a sample/);
    expect(warned).not.toMatch(/retired/);
  });
  // The program's quota and region calls, over HTTPS to Azure's stand-in, for the stack's subscription and region:
  // tests/loader.test.ts.
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

  it("is checked as a training set: the plan names the setting of each problem, and minRecordsPerFile relaxes the minimum", async () => {
    const dir = tempDir();
    const train = writeJsonl(dir, 5, "train.jsonl");
    const write = (name: string, ids: number[]) => {
      fs.writeFileSync(path.join(dir, name), ids.map((i) => JSON.stringify(chatRecord(i))).join("\n") + "\n");
      return path.join(dir, name);
    };
    const error = await buildPlan({ overrides: [`trainDataPath=${train}`, `validationDataPath=${write("leaky.jsonl", [100, 3])}`] }).catch((err) => err);
    expect(String(error)).toMatch(/trainDataPath: .*train\.jsonl: holds 5 records, fewer than 10 \(minRecordsPerFile\)/);
    expect(String(error)).toMatch(/validationDataPath: .*leaky\.jsonl:2: the same conversation as .*train\.jsonl:4/);

    const overrides = [`trainDataPath=${train}`, `validationDataPath=${write("repeated.jsonl", [100, 100])}`, "minRecordsPerFile=1"];
    const plan = await buildPlan({ overrides });
    expect(plan.warnings.join("\n")).toMatch(/validationDataPath: .*repeated\.jsonl: 1 record repeats an earlier one \(lines 2\)/);
  });

  it("is uploaded and registered from the configured files, with a warning for a sample-sized set", async () => {
    const plan = await devPlan();
    expect(ofType(plan.document.resources, "azure-native:machinelearningservices:DataVersion").map((r) => r.inputs.name).sort()).toEqual([
      "phi3-train",
      "phi3-validation",
    ]);
    expect(plan.warnings.join("\n")).toMatch(/data\/train_data\.jsonl holds 40 records, a sample/);
  });

  it("is left out, and not read, when fine-tuning is off", async () => {
    const { resources } = (await planOf(REGISTERED_MODEL)).document;
    expect(ofType(resources, "azure-native:machinelearningservices:DataVersion")).toHaveLength(0);
  });
});

describe("fine-tuning in the stack", () => {
  const jobOf = async (overrides: string[] = []) => named((await planOf(overrides)).document.resources, "finetune-job");

  it("chains data assets -> job -> completion gate -> model version, after the identity's roles", async () => {
    const { resources, outputs } = (await devPlan()).document;
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

  it("submits the whole job request, named by its digest, fine-tuning Phi-3-mini from Hugging Face", async () => {
    const { resources } = (await devPlan()).document;
    const job = named(resources, "finetune-job");
    expect(Object.keys(job.inputs).sort()).toEqual(["__provider", "jobName", "properties", "resourceGroupName", "subscriptionId", "tags", "workspaceName"]);
    expect(job.inputs).toMatchObject({
      // The stack's tags, which destroy looks for on a running job; not part of the job's name.
      tags: { project: "phi3-foundry", stack: "dev", "managed-by": "pulumi" },
      subscriptionId: "00000000-0000-0000-0000-000000000000",
      resourceGroupName: named(resources, "ml-workspace").inputs.resourceGroupName,
      workspaceName: named(resources, "ml-workspace").inputs.workspaceName,
    });
    const properties = job.inputs.properties as PipelineJobProperties;
    expect(job.inputs.jobName).toBe(pipelineJobName("phi3-ft", properties, ""));
    expect(job.inputs.jobName).toMatch(/^phi3-ft-[0-9a-f]{16}$/);
    expect(properties).toMatchObject({ jobType: "Pipeline", computeId: named(resources, "gpu-compute").id });
    expect(properties.inputs).toMatchObject({
      huggingface_id: { jobInputType: "literal", value: "microsoft/Phi-3-mini-4k-instruct" },
      trust_remote_code: { jobInputType: "literal", value: "false" },
      train_file_path: { jobInputType: "uri_file", uri: named(resources, "data-train-asset").id },
      validation_file_path: { jobInputType: "uri_file", uri: named(resources, "data-validation-asset").id },
    });
    expect(properties.inputs).not.toHaveProperty("mlflow_model_path");
  });

  // An unchanged stack plans the same job: tests/plan.test.ts and tests/scenarios.test.ts plan stacks twice and compare.
  it("starts a new job when a setting changes: the settings reach the request, whose digest and fineTuneRun name the job", async () => {
    const first = await jobOf();
    const changed = await jobOf(["learningRate=1e-5", "epochs=2", "fineTuneRun=2"]);
    const properties = changed.inputs.properties as PipelineJobProperties;
    expect(properties.inputs).toMatchObject({
      learning_rate: { jobInputType: "literal", value: "0.00001" },
      num_train_epochs: { jobInputType: "literal", value: "2" },
    });
    expect((first.inputs.properties as PipelineJobProperties).inputs).not.toMatchObject({ learning_rate: { value: "0.00001" } });
    expect((first.inputs.properties as PipelineJobProperties).inputs).not.toMatchObject({ num_train_epochs: { value: "2" } });
    expect(changed.inputs.jobName).toBe(pipelineJobName("phi3-ft", properties, "2"));
    expect(changed.inputs.jobName).not.toBe(pipelineJobName("phi3-ft", properties, ""));
    expect(changed.inputs.jobName).not.toBe(first.inputs.jobName);
    expect((await jobOf(["baseModel=Phi-4"])).inputs.jobName).not.toBe(first.inputs.jobName);
  });

  it("sends fineTuneConfigFile as the uri_file input finetune_config_path, from its own data asset, as a new job", async () => {
    const { resources } = (await planOf(["fineTuneConfigFile=tests/support/finetuneConfig.json"])).document;
    const job = named(resources, "finetune-job");
    const asset = named(resources, "data-finetune-config-asset");
    const properties = job.inputs.properties as PipelineJobProperties;
    expect(properties.inputs?.finetune_config_path).toEqual({ jobInputType: "uri_file", uri: asset.id });
    expect((properties.jobs as any).finetune.inputs.finetune_config_path).toEqual({ job_input_type: "literal", value: "${{parent.inputs.finetune_config_path}}" });
    expect(asset.inputs).toMatchObject({ name: "phi3-finetune-config", version: "9c7a103aad737e66" });
    expect(named(resources, "data-finetune-config").inputs.blobName).toBe("finetune-config/9c7a103aad737e66/finetuneConfig.json");
    expect(job.dependsOn).toContain(asset.urn);
    expect(job.inputs.jobName).not.toBe(named((await devPlan()).document.resources, "finetune-job").inputs.jobName);
  });

  it("warns that a Hugging Face model goes without a finetune config, in the component's words, and not once one is set", async () => {
    const warned = (await devPlan()).warnings.join("\n");
    expect(warned).toContain(
      'chat_completion_pipeline\'s spec says of it: "Required when finetuning a raw Hugging Face model (huggingface_id) that does not bundle a finetune config"',
    );
    expect(warned).toContain("baseModel Phi-3-mini-4k-instruct comes from Hugging Face (huggingface_id microsoft/Phi-3-mini-4k-instruct) and fineTuneConfigFile is not set");
    expect((await planOf(["fineTuneConfigFile=tests/support/finetuneConfig.json"])).warnings.join("\n")).not.toMatch(/finetune_config_path/);
    // The spec calls the config required only for a raw Hugging Face model; a registry model brings its own (model_selector.py).
    expect((await planOf(["baseModel=Phi-4"])).warnings.join("\n")).not.toMatch(/finetune_config_path/);
  });

  it("refuses a fineTuneConfigFile that is not there before anything is created, naming the key", async () => {
    const { error, created } = await refusal({ overrides: ["fineTuneConfigFile=config/phi3.json"] });
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toContain('phi3-foundry:fineTuneConfigFile = "config/phi3.json": a .json file inside the project');
    expect(String(error)).toContain(`there is no file at ${path.join(path.resolve(__dirname, ".."), "config", "phi3.json")}`);
    expect(created).toEqual([]);
  });

  it("serves a registered model without training when fine-tuning is off", async () => {
    const plan = await planOf(REGISTERED_MODEL);
    const types = plan.document.resources.map((r) => r.type);
    expect(types).not.toContain("pulumi-nodejs:dynamic/phi3-foundry:PipelineJob");
    expect(types).not.toContain("azure-native:machinelearningservices:ModelVersion");
    expect(types).not.toContain("azure-native:machinelearningservices:DataVersion");
    expect(plan.document.outputs.modelId).toMatch(/\/workspaces\/mlw-[\w-]+\/models\/phi3-chat-finetuned\/versions\/3$/);
    expect(plan.document.outputs.fineTuneJobName).toBeUndefined();
  });
});

describe("serving in the stack", () => {
  it("deploys the fine-tuned model version on NC24ads_A100_v4 x1 after the role assignments, then sends it all traffic", async () => {
    const { resources, outputs } = (await devPlan()).document;
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
      instanceType: "Standard_NC24ads_A100_v4",
      model: single(resources, "azure-native:machinelearningservices:ModelVersion").id,
    });
    expect(traffic.inputs.traffic).toEqual({ phi3: 100 });
    expect(traffic.inputs).not.toHaveProperty("endpointSpec");
    expect(JSON.parse(String(traffic.inputs.revision))).toEqual({
      endpoint: input(endpoint, "properties"),
      identity: identity.id,
      model: single(resources, "azure-native:machinelearningservices:ModelVersion").id,
      vmSize: "Standard_NC24ads_A100_v4",
      instances: 1,
    });
    for (const role of ["training-identity-contributor", "training-identity-blob-reader", "training-identity-acr-pull"]) {
      expect(settle.dependsOn).toContain(named(resources, role).urn);
    }
    expect(deployment.dependsOn).toContain(settle.urn);
    expect(traffic.dependsOn).toContain(deployment.urn);
    expect(outputs.endpointKey).toBe("[secret]");
    expect(outputs.scoringUri).toMatch(/^https:\/\/ep-finetunephi-dev-\w+\.eastus2\.inference\.ml\.azure\.com\/score$/);
  });

  it("parks with servingEnabled=false: no deployment, no traffic; endpoint, model, data, workspace and chat flow stay", async () => {
    const plan = await planOf(["servingEnabled=false"]);
    const { resources, outputs } = plan.document;
    const types = resources.map((r) => r.type);
    expect(types).not.toContain("azure-native:machinelearningservices:OnlineDeployment");
    expect(types).not.toContain("pulumi-nodejs:dynamic/phi3-foundry:EndpointTraffic");
    // The flow costs nothing: it stays, as registered with serving on, so parking neither archives nor changes it.
    const flow = single(resources, "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
    const served = single((await devPlan()).document.resources, "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
    expect(flow.urn).toBe(served.urn);
    expect(flow.inputs).toEqual(served.inputs);
    expect(outputs).toMatchObject({ flowId: flow.id, flowName: "phi3-chat" });
    expect(plan.notes.join("\n")).toContain("Serving is parked: the flow stays, and answers that serving is parked and how to unpark it.");
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
    const plan = await planOf(REGISTERED_MODEL);
    const deployment = single(plan.document.resources, "azure-native:machinelearningservices:OnlineDeployment");
    const workspace = named(plan.document.resources, "ml-workspace");
    expect(input(deployment, "properties.model")).toBe(`${workspace.id}/models/phi3-chat-finetuned/versions/3`);
  });

  it("warns about a serving size below the base model's inference minimum, and not about the defaults", async () => {
    const defaults = (await devPlan()).warnings.join("\n");
    expect(defaults).not.toMatch(/retired/);
    expect(defaults).not.toMatch(/inference minimum/);
    const small = await planOf(["servingVmSize=Standard_NC4as_T4_v3"]);
    expect(small.warnings.join("\n")).toMatch(
      /servingVmSize Standard_NC4as_T4_v3 \(4 vCPUs, 1 GPU, 28 GB\) is below Phi-3-mini-4k-instruct's inference minimum \(6 vCPUs, 1 GPU, 112 GB\)/,
    );
    expect(input(single(small.document.resources, "azure-native:machinelearningservices:OnlineDeployment"), "properties.instanceType")).toBe(
      "Standard_NC4as_T4_v3",
    );
    const current = await buildPlan({
      overrides: ["servingVmSize=Standard_NC24ads_A100_v4", "baseModel=azureml://registries/azureml/models/Phi-4/versions/8"],
    });
    expect(current.warnings.join("\n")).not.toMatch(/retired|inference minimum/);
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
    const { resources } = (await devPlan()).document;
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
    const { resources, outputs } = (await devPlan()).document;
    const connection = named(resources, "foundry-endpoint-connection");
    expect(connection.dependsOn).toContain(single(resources, "azure-native:machinelearningservices:OnlineEndpoint").urn);
    expect(connection.dependsOn).toContain(named(resources, "foundry-project").urn);
    expect(input(connection, "properties.credentials.keys.key")).toBe("[secret]");
    expect(input(connection, "properties.metadata.endpoint")).toBe(outputs.scoringUri);
  });

  it("creates the chat flow in the project after the project and its connection, and says so in the plan", async () => {
    const plan = await devPlan();
    const { resources, outputs } = plan.document;
    const flow = single(resources, "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
    const [project, connection] = [named(resources, "foundry-project"), named(resources, "foundry-endpoint-connection")];
    expect(flow.dependsOn).toEqual(expect.arrayContaining([project.urn, connection.urn]));
    expect(resources.indexOf(flow)).toBeGreaterThan(resources.indexOf(connection));
    expect(flow.inputs).toMatchObject({ workspaceName: outputs.projectName, connectionName: outputs.connectionName, flowName: "phi3-chat", flowType: "chat" });
    expect((flow.inputs.files as { path: string }[]).map((f) => f.path)).toContain("flow.dag.yaml");
    // Creating the flow needs no GPU: it does not wait for the deployment.
    expect(flow.dependsOn).not.toContain(single(resources, "azure-native:machinelearningservices:OnlineDeployment").urn);
    expect(outputs).toMatchObject({ flowId: flow.id, flowName: "phi3-chat" });
    expect(outputs.flowPortalUrl).toMatch(new RegExp(`^https://ml\\.azure\\.com/prompts/flow/[0-9a-f-]+/${flow.id}/details\\?wsid=`));
    expect(plan.notes.join("\n")).toMatch(/Chat flow phi3-chat: `pulumi up` uploads the 4 files of flows\/phi3-chat .* as `pfazure flow create` does/);
  });

  it("is left out with foundryEnabled=false", async () => {
    const { resources, outputs } = (await buildPlan({ overrides: ["foundryEnabled=false"] })).document;
    expect(resources.filter((r) => r.type === "phi3-foundry:integrate:Foundry" || r.type.includes("cognitiveservices"))).toEqual([]);
    expect(outputs.flowId).toBeUndefined();
    expect(resources.map((r) => r.type)).not.toContain("pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
  });
});
