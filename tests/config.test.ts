import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { parseStackConfig, unknownKeyProblems } from "../infra/config";
import { loadStackConfig } from "../infra/pulumiConfig";
import { CONFIG_KEYS } from "../infra/configKeys";
import { ConfigError } from "../infra/configReader";
import { namespaceKeyProblem, PROVIDER_KEYS } from "../domain/configNamespaces";
import { closestNames, didYouMean, editDistance } from "../domain/similarNames";
import { GPU_VM_SIZES } from "../domain/catalogue/vmSizes";
import { outsideProject } from "../domain/paths";
import { loadStackSettings, parseStackName, PROJECT_ROOT, readProjectFile, SettingsError } from "../scripts/shared/stackFiles";
import { devRaw, problemsOf } from "./support/stackConfig";

describe("parseStackConfig", () => {
  it("turns the dev stack's settings into the mission's defaults", () => {
    const config = parseStackConfig(devRaw());
    expect(config.location).toBe("eastus2");
    expect(config.namePrefix).toBe("finetunephi");
    expect(config.training).toEqual({
      vmSize: "Standard_NC24ads_A100_v4",
      minNodes: 0,
      maxNodes: 1,
      idleSeconds: 120,
      identityScope: "resourceGroup",
      nodes: 1,
      priority: "Dedicated",
    });
    expect(config.fineTune.maxSteps).toBeUndefined();
    expect(config.serving).toEqual({ enabled: true, vmSize: "Standard_NC24ads_A100_v4", instanceCount: 1 });
    expect(config.fineTune.enabled).toBe(true);
    // The catalogue's Phi-3-mini-4k-instruct: the same weights as the retired registry model, from Hugging Face.
    expect(config.fineTune.baseModel).toMatchObject({
      label: "Phi-3-mini-4k-instruct",
      source: { kind: "huggingface", id: "microsoft/Phi-3-mini-4k-instruct" },
    });
    expect(config.fineTune.baseModel.catalogue?.name).toBe("Phi-3-mini-4k-instruct");
    expect(config.fineTune.run).toBe("");
    expect(config.fineTune.registeredModelId).toBeUndefined();
    // Every training setting is "" on the dev stack, so each is Phi-3-mini-4k-instruct's own fine-tuning default
    // (its model_specific_defaults in azureml-assets), the seed the pipeline's.
    expect(config.fineTune.settings).toEqual({
      learningRate: 5e-6,
      lrSchedulerType: "cosine",
      epochs: 1,
      batchSize: 1,
      gradientAccumulationSteps: 1,
      warmupSteps: 0,
      weightDecay: 0,
      maxSeqLength: -1,
      applyLora: true,
      applyDeepspeed: true,
      deepspeedStage: "2",
      precision: "16",
      seed: 42,
    });
    expect(config.fineTune.timeoutMinutes).toBe(360);
    expect(config.quotaCheck).toBe(true);
    expect(config.keyVaultPurgeProtection).toBe(false);
    expect(config.resourceGroupName).toBeUndefined();
    expect(config.ciGithubRepo).toBeUndefined();
  });

  it.each<[string, string, RegExp]>([
    ["namePrefix", "AB", /3 to 12 lowercase letters and digits/],
    ["namePrefix", "ab", /3 to 12/],
    ["namePrefix", "waytoolongprefix", /3 to 12/],
    ["namePrefix", "has-hyphen", /lowercase letters and digits/],
    ["trainingVmSize", "big", /a GPU VM size Azure ML supports: Standard_NC24ads_A100_v4, /],
    ["trainingVmSize", "Standard_D4s_v3", /GPU VM size/],
    ["servingVmSize", "Standard NC6s v3", /GPU VM size Azure ML supports: .*Standard_NC4as_T4_v3/],
    ["servingVmSize", "Standard_NC6s_v3", /^retired by Azure on 2025-09-30: NCv3 \(V100\) virtual machines \(.+\); use Standard_NC24ads_A100_v4/],
    ["servingVmSize", "standard_nc12s_v3", /retired by Azure on 2025-09-30/],
    ["trainingVmSize", "Standard_NC24s_v3", /retired by Azure on 2025-09-30: .*; use Standard_NC24ads_A100_v4/],
    ["trainingVmSize", "Standard_NC4as_T4_v3", /^a size Phi-3-mini-4k-instruct can be fine-tuned on: Standard_NC24ads_A100_v4, Standard_NC48ads_A100_v4, /],
    ["trainingVmSize", "Standard_NC40ads_H100_v5", /a size Phi-3-mini-4k-instruct can be fine-tuned on: .*Standard_ND96amsr_A100_v4$/],
    ["trainingMinNodes", "-1", /^0: a GPU cluster keeps no nodes while idle \(mandatory policy rule gpu-cluster-scales-to-zero\)$/],
    ["trainingMinNodes", "0.5", /^0: /],
    ["trainingMaxNodes", "0", /whole number from 1/],
    ["trainingMaxNodes", "two", /whole number/],
    ["trainingIdleSeconds", "0", /whole number from 60 to 3600/],
    ["trainingIdleSeconds", "120.5", /whole number/],
    ["trainingIdleSeconds", "86400", /^a whole number from 60 to 3600: .*\(mandatory policy rule gpu-cluster-idles-out\)$/],
    ["servingInstanceCount", "0", /whole number from 1 to 20/],
    ["servingInstanceCount", "1.5", /whole number/],
    ["epochs", "0", /whole number from 1/],
    ["epochs", "1.5", /whole number from 1 to 100/],
    ["learningRate", "0", /greater than 0/],
    ["learningRate", "fast", /number/],
    ["lrSchedulerType", "exponential", /one of linear, cosine/],
    ["lrSchedulerType", "inverse_sqrt", /constant_with_warmup$/],
    ["batchSize", "0", /whole number from 1 to 64/],
    ["gradientAccumulationSteps", "500", /1 to 128/],
    ["warmupSteps", "-1", /0 to 100000/],
    ["weightDecay", "1.5", /from 0 to 1/],
    ["maxSeqLength", "0", /-1 \(the component's default\)/],
    // Phi-3-mini-4k-instruct, the default base model, reads 4096 tokens at most.
    ["maxSeqLength", "8192", /from -1 to 4096/],
    ["applyLora", "lora", /true or false/],
    ["applyDeepspeed", "yes", /true or false/],
    ["deepspeedStage", "1", /one of 2, 3$/],
    ["precision", "8", /one of 16, 32$/],
    ["trainingSeed", "x", /whole number/],
    ["fineTuneTimeoutMinutes", "5", /10 to 10080/],
    ["azureRequestTimeoutSeconds", "0", /^a whole number from 1 to 3600$/],
    ["azureMaxPolls", "many", /^a whole number from 1 to 100000$/],
    ["azureMaxPages", "-1", /^a whole number from 1 to 100000$/],
    ["registeredModelId", "my-model", /azureml:<name>:<version>/],
    ["fineTuneEnabled", "yes", /true or false/],
    ["servingEnabled", "1", /true or false/],
    ["quotaCheck", "", /true or false/],
    ["baseModel", "phi-3", /^a catalogue model \(Phi-3-mini-4k-instruct, Phi-4\), a registry model .* or a Hugging Face id \(owner\/name\)$/],
    ["baseModel", "azureml:my-phi3:2", /a catalogue model/],
    ["baseModel", "", /a catalogue model/],
    [
      "baseModel",
      "azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15",
      /^retired by Azure on 2025-08-30: fine-tuning the azureml registry's Phi-3 and Phi-3.5 models \(.+\); use Phi-3-mini-4k-instruct \(the default: the same model, from Hugging Face\) or Phi-4$/,
    ],
    ["baseModel", "azureml://registries/azureml/models/Phi-3.5-mini-instruct/versions/6", /retired by Azure on 2025-08-30/],
    ["trainDataPath", "data/train.csv", /\.jsonl/],
    ["resourceGroupName", "ends-with-period.", /resource group/],
    ["ciGithubRepo", "not a repo", /owner\/repo/],
    ["ciDestroyPrincipalId", "destroyer", /Entra ID object id/],
    ["trainingIdentityScope", "subscription", /one of resourceGroup, workspace$/],
    ["trainingNodes", "0", /^a whole number from 1 to trainingMaxNodes \(1\): /],
    ["trainingNodes", "2", /^a whole number from 1 to trainingMaxNodes \(1\): .*raise trainingMaxNodes to train on more$/],
    ["trainingNodes", "1.5", /whole number from 1 to trainingMaxNodes/],
    ["trainingPriority", "Spot", /^one of Dedicated, LowPriority$/],
    ["trainingPriority", "lowpriority", /^one of Dedicated, LowPriority$/],
    ["maxSteps", "0", /^a whole number of training steps from 1 to 100000, or empty to train the full epochs/],
    ["maxSteps", "100001", /from 1 to 100000/],
    ["maxSteps", "-1", /from 1 to 100000/],
    ["maxSteps", "ten", /from 1 to 100000/],
    ["azure-native:location", "East US 2", /region/],
  ])("refuses %s = %j, naming the key, the value and what is allowed", (key, value, allowed) => {
    const problems = problemsOf(devRaw({ [key]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key, value });
    expect(problems[0].allowed).toMatch(allowed);
  });

  it("accepts every scheduler the component knows, a weight decay of 0 and case-insensitive VM sizes", () => {
    // lr_scheduler_type's enum in chat_completion_pipeline's spec.yaml (Azure/azureml-assets, finetune_acft_hf_nlp).
    for (const scheduler of ["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup"]) {
      expect(parseStackConfig(devRaw({ lrSchedulerType: scheduler })).fineTune.settings.lrSchedulerType).toBe(scheduler);
    }
    expect(parseStackConfig(devRaw({ weightDecay: "0" })).fineTune.settings.weightDecay).toBe(0);
    expect(parseStackConfig(devRaw({ servingVmSize: "standard_nc4as_t4_v3" })).serving.vmSize).toBe("Standard_NC4as_T4_v3");
    // The base model's fine-tuning sizes are compared by the canonical name.
    expect(parseStackConfig(devRaw({ trainingVmSize: "standard_nc48ads_a100_v4" })).training.vmSize).toBe("Standard_NC48ads_A100_v4");
  });

  it("offers no retired VM size, and names none when it lists the sizes it supports", () => {
    const names = GPU_VM_SIZES.map((s) => s.name.toLowerCase());
    for (const retired of ["standard_nc6s_v3", "standard_nc12s_v3", "standard_nc24s_v3", "standard_nc24rs_v3"]) expect(names).not.toContain(retired);
    const [problem] = problemsOf(devRaw({ servingVmSize: "Standard_D4s_v3" }));
    expect(problem.allowed).toMatch(/^a GPU VM size Azure ML supports: Standard_NC24ads_A100_v4, /);
    expect(problem.allowed).not.toMatch(/Standard_NC\d+r?s_v3/i);
  });

  it("refuses production=true with trainingIdentityScope=resourceGroup (its Contributor), naming both keys and the policy rule", () => {
    const prod = { production: "true", keyVaultPurgeProtection: "true" };
    expect(problemsOf(devRaw({ ...prod, trainingIdentityScope: "resourceGroup" }))).toEqual([
      expect.objectContaining({
        key: "trainingIdentityScope",
        value: "resourceGroup",
        allowed: "workspace when production is true: a production stack assigns no Contributor or Owner role (mandatory policy rule no-privileged-roles-in-production)",
      }),
    ]);
    // The dev default, the seed's, is production=false with the resourceGroup scope, and stays accepted.
    expect(parseStackConfig(devRaw({ production: "false" })).training.identityScope).toBe("resourceGroup");
    expect(parseStackConfig(devRaw({ ...prod, trainingIdentityScope: "workspace" })).training.identityScope).toBe("workspace");
  });

  it("checks the training size against the catalogue model's fine-tuning sizes only when it applies", () => {
    // Phi-4 fine-tunes on H100 too.
    expect(parseStackConfig(devRaw({ baseModel: "Phi-4", trainingVmSize: "Standard_NC40ads_H100_v5" })).training.vmSize).toBe("Standard_NC40ads_H100_v5");
    expect(problemsOf(devRaw({ baseModel: "Phi-4", trainingVmSize: "Standard_NC4as_T4_v3" }))).toEqual([
      expect.objectContaining({ key: "trainingVmSize", value: "Standard_NC4as_T4_v3", allowed: expect.stringMatching(/^a size Phi-4 can be fine-tuned on: .*Standard_ND96isr_H100_v5$/) }),
    ]);
    // A model outside the catalogue may train on any known GPU size.
    expect(parseStackConfig(devRaw({ baseModel: "contoso/tiny-chat", trainingVmSize: "Standard_NC4as_T4_v3" })).training.vmSize).toBe("Standard_NC4as_T4_v3");
    // No fine-tuning, no check.
    expect(
      problemsOf(devRaw({ fineTuneEnabled: "false", registeredModelId: "azureml:phi3-chat-finetuned:3", trainingVmSize: "Standard_NC4as_T4_v3" })),
    ).toEqual([]);
    // A wrong size is reported once, as unknown, not again as a size the model cannot use.
    expect(problemsOf(devRaw({ trainingVmSize: "Standard_NC6s_v3" })).map((p) => p.key)).toEqual(["trainingVmSize"]);
  });

  it("resolves baseModel: a catalogue name, a registry URI or a Hugging Face id, the catalogue's where it knows the model", () => {
    const phi4 = parseStackConfig(devRaw({ baseModel: "phi-4" })).fineTune.baseModel;
    expect(phi4).toMatchObject({ label: "Phi-4", source: { kind: "registry", uri: "azureml://registries/azureml/models/Phi-4/versions/8" } });
    expect(phi4.catalogue?.name).toBe("Phi-4");

    const phi4Uri = "azureml://registries/azureml/models/Phi-4/versions/8";
    const phi4ByUri = parseStackConfig(devRaw({ baseModel: phi4Uri })).fineTune.baseModel;
    expect(phi4ByUri).toMatchObject({ label: "Phi-4", source: { kind: "registry", uri: phi4Uri } });
    expect(phi4ByUri.catalogue?.name).toBe("Phi-4");

    const phi3ByHf = parseStackConfig(devRaw({ baseModel: "microsoft/Phi-3-mini-4k-instruct" })).fineTune.baseModel;
    expect(phi3ByHf).toMatchObject({ label: "Phi-3-mini-4k-instruct", source: { kind: "huggingface", id: "microsoft/Phi-3-mini-4k-instruct" } });
    expect(phi3ByHf.catalogue?.name).toBe("Phi-3-mini-4k-instruct");

    const ownUri = "azureml://registries/contoso/models/my-llm/versions/3";
    expect(parseStackConfig(devRaw({ baseModel: ownUri })).fineTune.baseModel).toEqual({ label: "my-llm", source: { kind: "registry", uri: ownUri }, catalogue: undefined });
    expect(parseStackConfig(devRaw({ baseModel: " contoso/tiny-chat " })).fineTune.baseModel).toEqual({
      label: "tiny-chat",
      source: { kind: "huggingface", id: "contoso/tiny-chat" },
      catalogue: undefined,
    });
  });

  it("takes each empty training setting from the base model, the pipeline's defaults outside the catalogue", () => {
    expect(parseStackConfig(devRaw({ baseModel: "Phi-4" })).fineTune.settings).toEqual({
      learningRate: 5e-6,
      lrSchedulerType: "cosine",
      epochs: 1,
      batchSize: 1,
      gradientAccumulationSteps: 1,
      warmupSteps: 0,
      weightDecay: 0,
      maxSeqLength: -1,
      applyLora: true,
      applyDeepspeed: true,
      deepspeedStage: "3",
      precision: "16",
      seed: 42,
    });
    // chat_completion_pipeline 0.0.82's own defaults.
    expect(parseStackConfig(devRaw({ baseModel: "contoso/tiny-chat" })).fineTune.settings).toEqual({
      learningRate: 2e-5,
      lrSchedulerType: "linear",
      epochs: 1,
      batchSize: 1,
      gradientAccumulationSteps: 1,
      warmupSteps: 0,
      weightDecay: 0,
      maxSeqLength: -1,
      applyLora: false,
      applyDeepspeed: false,
      deepspeedStage: "2",
      precision: "32",
      seed: 42,
    });
  });

  it("lets explicit training settings override the base model's defaults", () => {
    const explicit = {
      learningRate: "1e-4",
      lrSchedulerType: "linear",
      epochs: "3",
      batchSize: "4",
      gradientAccumulationSteps: "8",
      warmupSteps: "10",
      weightDecay: "0.01",
      maxSeqLength: "2048",
      applyLora: "false",
      applyDeepspeed: "false",
      deepspeedStage: "3",
      precision: "32",
      trainingSeed: "7",
    };
    expect(parseStackConfig(devRaw(explicit)).fineTune.settings).toEqual({
      learningRate: 1e-4,
      lrSchedulerType: "linear",
      epochs: 3,
      batchSize: 4,
      gradientAccumulationSteps: 8,
      warmupSteps: 10,
      weightDecay: 0.01,
      maxSeqLength: 2048,
      applyLora: false,
      applyDeepspeed: false,
      deepspeedStage: "3",
      precision: "32",
      seed: 7,
    });
    // One override leaves the other settings at the model's defaults.
    expect(parseStackConfig(devRaw({ baseModel: "Phi-4", deepspeedStage: "2" })).fineTune.settings).toMatchObject({ deepspeedStage: "2", precision: "16" });
  });

  it("takes trainingNodes up to trainingMaxNodes, trainingPriority and maxSteps at their limits", () => {
    const at = (changes: Record<string, string>) => parseStackConfig(devRaw(changes));
    expect(at({ trainingNodes: "2", trainingMaxNodes: "2" }).training).toMatchObject({ nodes: 2, maxNodes: 2 });
    expect(at({ trainingNodes: "100", trainingMaxNodes: "100" }).training.nodes).toBe(100);
    expect(at({ trainingPriority: "LowPriority" }).training.priority).toBe("LowPriority");
    expect(at({ maxSteps: "1" }).fineTune.maxSteps).toBe(1);
    expect(at({ maxSteps: "100000" }).fineTune.maxSteps).toBe(100000);
    expect(at({ maxSteps: " 7 " }).fineTune.maxSteps).toBe(7);
    expect(at({ maxSteps: "" }).fineTune.maxSteps).toBeUndefined();
    // One node past the cluster names both keys; so does one past a wrong trainingMaxNodes, reported too.
    expect(problemsOf(devRaw({ trainingNodes: "3", trainingMaxNodes: "2" }))).toEqual([
      {
        key: "trainingNodes",
        value: "3",
        allowed: "a whole number from 1 to trainingMaxNodes (2): the fine-tuning step runs on that many of the cluster's nodes; raise trainingMaxNodes to train on more",
      },
    ]);
    expect(problemsOf(devRaw({ trainingNodes: "101", trainingMaxNodes: "0" })).map((p) => [p.key, p.allowed])).toEqual([
      ["trainingMaxNodes", "a whole number from 1 to 100"],
      ["trainingNodes", expect.stringMatching(/^a whole number from 1 to trainingMaxNodes \(itself at most 100\)/)],
    ]);
  });

  it("reads fineTuneRun, trimmed, and refuses one that is not a short name", () => {
    expect(parseStackConfig(devRaw({ fineTuneRun: " 2 " })).fineTune.run).toBe("2");
    expect(parseStackConfig(devRaw({ fineTuneRun: undefined })).fineTune.run).toBe("");
    expect(() => parseStackConfig(devRaw({ fineTuneRun: "run #2" }))).toThrow(/phi3-foundry:fineTuneRun = "run #2": up to 64 letters/);
  });

  it("needs a registered model to serve when fine-tuning is off", () => {
    expect(problemsOf(devRaw({ fineTuneEnabled: "false" }))).toEqual([
      // Pulumi.yaml's default for registeredModelId is "", the value an unset key now has; the message says "(not set)".
      expect.objectContaining({ key: "registeredModelId", value: "", allowed: expect.stringMatching(/fineTuneEnabled is false/) }),
    ]);
    expect(() => parseStackConfig(devRaw({ fineTuneEnabled: "false" }))).toThrow(/phi3-foundry:registeredModelId = \(not set\)/);
    expect(parseStackConfig(devRaw({ fineTuneEnabled: "false", registeredModelId: "azureml:phi3-chat-finetuned:3" })).fineTune.registeredModelId).toBe(
      "azureml:phi3-chat-finetuned:3",
    );
    expect(problemsOf(devRaw({ fineTuneEnabled: "false", servingEnabled: "false" }))).toEqual([]);
    // A malformed id is one problem, not a second one saying it is missing.
    expect(problemsOf(devRaw({ fineTuneEnabled: "false", registeredModelId: "phi3:1" }))).toEqual([
      expect.objectContaining({ key: "registeredModelId", value: "phi3:1", allowed: expect.stringMatching(/^a model id: azureml:<name>:<version>/) }),
    ]);
  });

  it("says what is wrong with a price, a data path and a long value, each the real reason", () => {
    expect(problemsOf(devRaw({ gpuPricesPerHour: "Standard_NC24ads_A100_v4=-3" }))).toEqual([
      expect.objectContaining({ key: "gpuPricesPerHour", allowed: expect.stringContaining("(the price of Standard_NC24ads_A100_v4 must be above 0, not -3)") }),
    ]);
    expect(problemsOf(devRaw({ gpuPricesPerHour: "Standard_NC24ads_A100_v4=0" }))[0].allowed).toContain("must be above 0, not 0");
    expect(problemsOf(devRaw({ gpuPricesPerHour: "Standard_NC24ads_A100_v4=cheap" }))[0].allowed).toContain("'cheap' in 'Standard_NC24ads_A100_v4=cheap' is not a number of USD");
    expect(problemsOf(devRaw({ trainDataPath: "/etc/passwd" }))[0].allowed).toMatch(/; this one does not end in \.jsonl$/);
    const long = "x".repeat(100_000);
    let message = "";
    try {
      parseStackConfig(devRaw({ namePrefix: long }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`phi3-foundry:namePrefix = "${"x".repeat(119)}... (100002 characters): 3 to 12 lowercase letters and digits`);
    expect(message.length).toBeLessThan(400);
  });

  it("reports every wrong key at once, each qualified with its namespace in the message", () => {
    let error: unknown;
    try {
      parseStackConfig(devRaw({ namePrefix: "X", trainingMaxNodes: "0", servingEnabled: "maybe", "azure-native:location": undefined }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.key).sort()).toEqual(["azure-native:location", "namePrefix", "servingEnabled", "trainingMaxNodes"]);
    expect(message).toContain('phi3-foundry:namePrefix = "X"');
    expect(message).toContain("azure-native:location = (not set)");
    expect(message).toMatch(/4 problems/);
  });

  it("accepts an existing resource group, a GitHub repository and a workspace model id", () => {
    // A workspace model id (azureml:<name>:<version>) is a model to serve; baseModel no longer takes one.
    const config = parseStackConfig(
      devRaw({
        resourceGroupName: "rg-shared_ml(1)",
        ciGithubRepo: "contoso/phi3-infra",
        fineTuneEnabled: "false",
        registeredModelId: "azureml:my-phi3:2",
      }),
    );
    expect(config.resourceGroupName).toBe("rg-shared_ml(1)");
    expect(config.ciGithubRepo).toBe("contoso/phi3-infra");
    expect(config.fineTune.registeredModelId).toBe("azureml:my-phi3:2");
  });
});

describe("Pulumi.yaml", () => {
  const project = readProjectFile();

  it("declares every key the stack reads, with a type and a description, and no key the stack ignores", () => {
    expect(Object.keys(project.keys).sort()).toEqual([...CONFIG_KEYS].sort());
    for (const key of CONFIG_KEYS) {
      expect(project.keys[key].description?.length).toBeGreaterThan(10);
      expect(["string", "integer", "boolean"]).toContain(project.keys[key].type);
    }
  });

  it("gives a default to every key, an empty one to the optional ones and the training settings", () => {
    const withoutDefault = CONFIG_KEYS.filter((key) => project.keys[key].default === undefined);
    expect(withoutDefault).toEqual([]);
    const emptyDefault = CONFIG_KEYS.filter((key) => project.keys[key].default === "");
    expect(emptyDefault.sort()).toEqual(
      [
        "ciGithubRepo",
        "ciDestroyPrincipalId",
        "fineTuneRun",
        "maxSteps",
        "fineTuneConfigFile",
        "registeredModelId",
        "resourceGroupName",
        "gpuPricesPerHour",
        "learningRate",
        "lrSchedulerType",
        "epochs",
        "batchSize",
        "gradientAccumulationSteps",
        "warmupSteps",
        "weightDecay",
        "maxSeqLength",
        "applyLora",
        "applyDeepspeed",
        "deepspeedStage",
        "precision",
        "trainingSeed",
        "budgetMonthlyUsd",
        "alertEmails",
      ].sort(),
    );
    // An empty setting must be one Pulumi passes through: a string, since "" is neither an integer nor a boolean.
    for (const key of emptyDefault) expect(project.keys[key].type).toBe("string");
    expect(project.keys.baseModel.default).toBe("Phi-3-mini-4k-instruct");
    expect(project.keys.servingVmSize.default).toBe("Standard_NC24ads_A100_v4");
  });

  describe("Pulumi's rule: a key without a default is required", () => {
    const copies: string[] = [];
    afterAll(() => {
      for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The project and its dev stack in a temporary directory, Pulumi.yaml changed by `edit`. */
    function projectCopy(edit: (keys: Record<string, Record<string, unknown>>) => void): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-test-"));
      copies.push(dir);
      const doc = yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
      edit(doc.config);
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml.dump(doc));
      fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
      return dir;
    }

    it("holds for every key Pulumi.yaml declares, so `pulumi preview` on the dev stack finds none missing", () => {
      const withoutDefault = Object.entries(project.keys)
        .filter(([, declared]) => declared.default === undefined || declared.default === null)
        .map(([key]) => key);
      expect(withoutDefault).toEqual([]);
      // The dev stack sets only the region and namePrefix; every other key comes from its default.
      const settings = loadStackSettings("dev");
      for (const key of CONFIG_KEYS) expect(settings.config).toHaveProperty([`phi3-foundry:${key}`]);
      expect(settings.config["phi3-foundry:registeredModelId"]).toBe("");
    });

    it("fails the stack, in Pulumi's words, when a key has no default and the stack does not set it", () => {
      const dir = projectCopy((keys) => {
        delete keys.baseModel.default;
        delete keys.resourceGroupName.default;
      });
      expect(() => loadStackSettings("dev", [], dir)).toThrow(SettingsError);
      expect(() => loadStackSettings("dev", [], dir)).toThrow(
        "Stack 'dev' is missing configuration values 'phi3-foundry:baseModel' and 'phi3-foundry:resourceGroupName'",
      );
      // Setting them satisfies the rule.
      const settings = loadStackSettings("dev", ["baseModel=Phi-4", "resourceGroupName=rg-shared"], dir);
      expect(settings.config["phi3-foundry:baseModel"]).toBe("Phi-4");

      const single = projectCopy((keys) => delete keys.fineTuneRun.default);
      expect(() => loadStackSettings("dev", [], single)).toThrow(/^Stack 'dev' is missing configuration value 'phi3-foundry:fineTuneRun'$/);
    });

    it("reports a missing key together with every value of the wrong type", () => {
      const dir = projectCopy((keys) => delete keys.baseModel.default);
      let error: unknown;
      try {
        loadStackSettings("dev", ["trainingMinNodes=x", "quotaCheck=maybe"], dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as SettingsError).message).toMatch(/^3 problems in the stack's settings:\n {2}- --config trainingMinNodes=x: /);
      expect((error as SettingsError).problems).toEqual([
        "--config trainingMinNodes=x: Stack 'dev' with configuration key 'phi3-foundry:trainingMinNodes' must be of type 'integer'",
        "--config quotaCheck=maybe: Stack 'dev' with configuration key 'phi3-foundry:quotaCheck' must be of type 'boolean'",
        "Stack 'dev' is missing configuration value 'phi3-foundry:baseModel'",
      ]);
    });
  });

  it("points the Pulumi CLI at infra/, whose index.ts exports the program", () => {
    expect(project.name).toBe("phi3-foundry");
    expect(project.main).toBe("infra/");
    expect(fs.existsSync(path.join(PROJECT_ROOT, "infra", "index.ts"))).toBe(true);
  });

  it("is documented: the README's config table names every key", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    for (const key of CONFIG_KEYS) expect(readme).toContain(`| \`${key}\``);
  });
});

describe("config errors that say what was meant", () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The project's Pulumi.yaml in a temporary directory with `files` (stack files) beside it. */
  function projectWith(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-errors-"));
    copies.push(dir);
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  function settingsProblems(stack: string, overrides: string[] = [], root?: string): readonly string[] {
    try {
      loadStackSettings(stack, overrides, root);
    } catch (err) {
      if (err instanceof SettingsError) return err.problems;
      throw err;
    }
    return [];
  }

  describe("did you mean", () => {
    it.each<[string, string[]]>([
      ["trainingMaxNode", ["trainingMaxNodes"]],
      ["trainingmaxnodes", ["trainingMaxNodes"]],
      ["namePrefx", ["namePrefix"]],
      ["learnignRate", ["learningRate"]],
      ["epoch", ["epochs"]],
      ["VmSize", ["servingVmSize", "trainingVmSize"]],
      ["foo", []],
    ])("finds %s -> %j among the stack's keys", (typed, meant) => {
      expect(closestNames(typed, CONFIG_KEYS)).toEqual(meant);
    });

    it("says the keys meant, or lists them all when nothing is close", () => {
      expect(didYouMean("trainingMaxNode", CONFIG_KEYS, "keys:")).toBe("did you mean trainingMaxNodes?");
      expect(didYouMean("VmSize", CONFIG_KEYS, "keys:")).toBe("did you mean servingVmSize or trainingVmSize?");
      expect(didYouMean("foo", ["b", "a"], "keys:")).toBe("keys: b, a");
      expect(editDistance("ab", "ba")).toBe(1);
      expect(editDistance("Kitten", "sitting")).toBe(3);
    });

    it("for an unknown --config key", () => {
      expect(settingsProblems("dev", ["trainingMaxNode=3"])).toEqual([
        "--config trainingMaxNode=3: unknown key phi3-foundry:trainingMaxNode; did you mean trainingMaxNodes?",
      ]);
      // Another namespace the stack sets is a candidate too.
      expect(settingsProblems("dev", ["location=westus"])).toEqual([
        "--config location=westus: unknown key phi3-foundry:location; did you mean azure-native:location?",
      ]);
    });

    it("lists every key only when nothing is close", () => {
      const [problem] = settingsProblems("dev", ["noSuchKey=1"]);
      expect(problem).toMatch(/^--config noSuchKey=1: unknown key phi3-foundry:noSuchKey; Pulumi\.yaml declares namePrefix, /);
      for (const key of CONFIG_KEYS) expect(problem).toContain(key);
      expect(problem).not.toContain("did you mean");
    });

    it("for an unknown key in the stack file, with its file and line", () => {
      const root = projectWith({
        "Pulumi.typo.yaml": "config:\n  azure-native:location: eastus2\n  phi3-foundry:servingEnable: false\n  phi3-foundry:namePrefx: abc\n",
      });
      expect(settingsProblems("typo", [], root)).toEqual([
        "Pulumi.typo.yaml:3: unknown key phi3-foundry:servingEnable; did you mean servingEnabled?",
        "Pulumi.typo.yaml:4: unknown key phi3-foundry:namePrefx; did you mean namePrefix?",
      ]);
    });

    it("for an unknown key under `pulumi up`, which Pulumi itself lets through, without its value", () => {
      const settings = loadStackSettings("dev", ["namePrefix=AB"]);
      const config = { ...settings.config, "phi3-foundry:trainingMaxNode": "hunter2" };
      pulumi.runtime.setAllConfig(config, ["phi3-foundry:trainingMaxNode"]);
      expect(unknownKeyProblems(config)).toEqual([
        { key: "phi3-foundry:trainingMaxNode", value: undefined, unknown: true, allowed: "not a setting of this project; did you mean trainingMaxNodes?" },
      ]);
      let error: unknown;
      try {
        loadStackConfig();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const { message } = error as ConfigError;
      expect(message).toContain("2 problems");
      expect(message).toContain("  - phi3-foundry:trainingMaxNode: not a setting of this project; did you mean trainingMaxNodes?");
      expect(message).toContain('  - phi3-foundry:namePrefix = "AB": 3 to 12 lowercase letters and digits');
      expect(message).not.toContain("hunter2");
    });

    it("for a misspelt namespace, in --config, in the stack file and under `pulumi up`, with the key meant", () => {
      expect(settingsProblems("dev", ["phi3-fondry:servingEnabled=false", "PHI3-FOUNDRY:servingEnabled=false", "azure:location=westus"])).toEqual([
        "--config phi3-fondry:servingEnabled=false: unknown key phi3-fondry:servingEnabled; phi3-fondry is not a namespace this stack reads; did you mean phi3-foundry:servingEnabled?",
        "--config PHI3-FOUNDRY:servingEnabled=false: unknown key PHI3-FOUNDRY:servingEnabled; PHI3-FOUNDRY is not a namespace this stack reads (namespaces are case-sensitive); did you mean phi3-foundry:servingEnabled?",
        "--config azure:location=westus: unknown key azure:location; azure is not a namespace this stack reads; did you mean azure-native:location?",
      ]);
      const root = projectWith({
        "Pulumi.typo.yaml": "config:\n  azure-native:locaton: eastus\n  phi3-fondry:servingEnabled: false\n  random:length: 3\n  pulumi:tag: x\n",
      });
      expect(settingsProblems("typo", [], root)).toEqual([
        "Pulumi.typo.yaml:2: unknown key azure-native:locaton; the azure-native provider has no such setting; did you mean azure-native:location?",
        "Pulumi.typo.yaml:3: unknown key phi3-fondry:servingEnabled; phi3-fondry is not a namespace this stack reads; did you mean phi3-foundry:servingEnabled?",
        "Pulumi.typo.yaml:4: unknown key random:length; the random provider takes no settings",
        "Pulumi.typo.yaml:5: unknown key pulumi:tag; not one of Pulumi's own settings; did you mean pulumi:tags?",
      ]);
      const config = { ...loadStackSettings("dev").config, "phi3-fondry:servingEnabled": "false" };
      expect(unknownKeyProblems(config)).toEqual([
        {
          key: "phi3-fondry:servingEnabled",
          value: undefined,
          unknown: true,
          allowed: "phi3-fondry is not a namespace this stack reads; did you mean phi3-foundry:servingEnabled?",
        },
      ]);
    });

    it("lets through Pulumi's own keys and namespaces that resemble none the stack reads", () => {
      const project = { name: "phi3-foundry", keys: CONFIG_KEYS };
      for (const key of ["pulumi:tags", "pulumi:template", "pulumi:disable-default-providers", "pulumi:autonaming", "pulumi:someFutureKey", "aws:region", "kubernetes:context"]) {
        expect(namespaceKeyProblem(key, project)).toBeUndefined();
      }
      expect(settingsProblems("dev", ["pulumi:disable-default-providers=[\"random\"]", "aws:region=us-east-1"])).toEqual([]);
    });

    describe("the providers' own keys, read from each installed SDK", () => {
      const root = path.join(PROJECT_ROOT, "node_modules");
      const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
      // Every dependency that is a Pulumi resource provider, with its namespace and its config keys as its SDK declares them.
      const providers = Object.keys(pkg.dependencies)
        .filter((name) => fs.existsSync(path.join(root, name, "package.json")))
        .map((name) => ({ name, manifest: JSON.parse(fs.readFileSync(path.join(root, name, "package.json"), "utf8")) as { pulumi?: { resource?: boolean; name?: string } } }))
        .filter(({ manifest }) => manifest.pulumi?.resource === true)
        .map(({ name, manifest }) => {
          const vars = path.join(root, name, "config", "vars.d.ts");
          const keys = fs.existsSync(vars) ? [...fs.readFileSync(vars, "utf8").matchAll(/^export declare const (\w+):/gm)].map((m) => m[1]) : [];
          return { namespace: manifest.pulumi!.name!, keys };
        });

      it("knows every provider the stack depends on, and no other", () => {
        expect(providers.map((p) => p.namespace).sort()).toEqual(["azure-native", "azuread", "random", "time"]);
        expect(Object.keys(PROVIDER_KEYS).sort()).toEqual(providers.map((p) => p.namespace).sort());
        expect(providers.find((p) => p.namespace === "azure-native")!.keys).toEqual(expect.arrayContaining(["location", "subscriptionId", "tenantId", "clientId", "useOidc"]));
        expect(providers.find((p) => p.namespace === "azuread")!.keys).toEqual(expect.arrayContaining(["tenantId", "clientId", "useCli", "useOidc"]));
      });

      it("are what each SDK's config module exports", () => {
        expect([...PROVIDER_KEYS["azure-native"]].sort()).toEqual(Object.keys(require("@pulumi/azure-native/config")).sort());
        expect([...PROVIDER_KEYS.azuread].sort()).toEqual(Object.keys(require("@pulumi/azuread/config")).sort());
      });

      it("accepts each key, and refuses each one misspelt, suggesting it", () => {
        for (const { namespace, keys } of providers) {
          const settings = keys.map((key) => `${namespace}:${key}=x`);
          expect(settingsProblems("dev", settings)).toEqual([]);
          for (const key of keys) {
            const typo = `${namespace}:${key.slice(0, -1)}`;
            const [problem] = settingsProblems("dev", [`${typo}=x`]);
            expect(problem).toMatch(new RegExp(`^--config ${typo}=x: unknown key ${typo}; the ${namespace} provider has no such setting; did you mean .*\\b${namespace}:${key}\\b`));
          }
        }
      });

      it("refuses any key of a provider that takes none", () => {
        for (const { namespace } of providers.filter((p) => p.keys.length === 0)) {
          expect(settingsProblems("dev", [`${namespace}:anything=1`])).toEqual([`--config ${namespace}:anything=1: unknown key ${namespace}:anything; the ${namespace} provider takes no settings`]);
        }
      });

      it("refuses every project key under its namespace in capitals, suggesting the key itself", () => {
        for (const key of CONFIG_KEYS) {
          expect(namespaceKeyProblem(`PHI3-FOUNDRY:${key}`, { name: "phi3-foundry", keys: CONFIG_KEYS })).toMatch(new RegExp(`did you mean phi3-foundry:${key}[ ?]`));
        }
      });
    });

    it("for a stack without a stack file", () => {
      expect(settingsProblems("deb")).toEqual(["no stack file Pulumi.deb.yaml for stack 'deb'; did you mean dev?"]);
      expect(settingsProblems("xyzzy")).toEqual([expect.stringMatching(/^no stack file Pulumi\.xyzzy\.yaml for stack 'xyzzy'; this project's stacks: .*\bdev\b/)]);
    });
  });

  describe("stack names, by Pulumi's rule", () => {
    it.each([
      ["../../etc/passwd", /^--stack "\.\.\/\.\.\/etc\/passwd": a stack name may only contain ASCII letters, digits, hyphens, underscores or periods, 1 to 100 of them \(Pulumi's rule\)/],
      ["dev;rm -rf", /invalid character ";" at position 3$/],
      ["dev stack", /invalid character " " at position 3$/],
      ["", /a stack name may only contain/],
      ["x".repeat(101), /1 to 100 of them/],
      ["org/other-project/dev", /the project of org\/project\/name must be this project, phi3-foundry$/],
      ["/dev", /a stack name may only contain/],
      ["../etc", /^--stack "\.\.\/etc": "\.\." is a folder, not a stack, org or project name/],
      ["./dev", /"\." is a folder/],
    ])("refuses %j, saying what a stack name may contain", (stack, message) => {
      const problems = settingsProblems(stack);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    });

    it("reads no file for a refused name, and still checks the overrides", () => {
      expect(settingsProblems("../../etc/passwd", ["trainingMaxNode=2", "quotaCheck=maybe"])).toEqual([
        expect.stringMatching(/^--stack "\.\.\/\.\.\/etc\/passwd": /),
        "--config quotaCheck=maybe: Stack '../../etc/passwd' with configuration key 'phi3-foundry:quotaCheck' must be of type 'boolean'",
        "--config trainingMaxNode=2: unknown key phi3-foundry:trainingMaxNode; did you mean trainingMaxNodes?",
      ]);
    });

    it("takes a name as Pulumi does: alone, after org/, or after org/<this project>/; the stack file and URNs use the name", () => {
      expect(parseStackName("dev", "phi3-foundry")).toEqual({ name: "dev" });
      expect(parseStackName("my-org/dev", "phi3-foundry")).toEqual({ name: "dev" });
      expect(parseStackName("my-org/phi3-foundry/dev", "phi3-foundry")).toEqual({ name: "dev" });
      expect(parseStackName("feature_x.v2", "phi3-foundry")).toEqual({ name: "feature_x.v2" });
      expect(loadStackSettings("my-org/phi3-foundry/dev").stack).toBe("dev");
    });
  });

  describe("a malformed stack file", () => {
    it.each([
      ["bad indentation", "config:\n  azure-native:location: eastus2\n   phi3-foundry:namePrefix: abc\n", /^Pulumi\.broken\.yaml:3:\d+: bad indentation of a mapping entry$/],
      ["a duplicated key", "config:\n  phi3-foundry:epochs: '1'\n  phi3-foundry:epochs: '2'\n", /^Pulumi\.broken\.yaml:3:\d+: duplicated mapping key$/],
      ["an unclosed quote", "config:\n  phi3-foundry:namePrefix: \"abc\n", /^Pulumi\.broken\.yaml:\d+:\d+: unexpected end of the stream within a double quoted scalar$/],
      ["config as a list", "config:\n  - namePrefix\n", /^Pulumi\.broken\.yaml: expected `config:` to be a mapping of keys to values$/],
    ])("is named with its file and line: %s", (_, text, message) => {
      const root = projectWith({ "Pulumi.broken.yaml": text });
      const problems = settingsProblems("broken", [], root);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    });

    it("is reported together with the overrides' problems", () => {
      const root = projectWith({ "Pulumi.broken.yaml": "config:\n  a: 1\n   b: 2\n" });
      expect(settingsProblems("broken", ["trainingMaxNodes=abc"], root)).toEqual([
        "Pulumi.broken.yaml:3:5: bad indentation of a mapping entry",
        "--config trainingMaxNodes=abc: Stack 'broken' with configuration key 'phi3-foundry:trainingMaxNodes' must be of type 'integer'",
      ]);
    });

    it("names Pulumi.yaml itself with its line", () => {
      const root = projectWith({ "Pulumi.dev.yaml": "config: {}\n" });
      fs.appendFileSync(path.join(root, "Pulumi.yaml"), "  broken: [\n");
      expect(() => loadStackSettings("dev", [], root)).toThrow(/^Pulumi\.yaml:\d+:\d+: /);
    });
  });

  describe("data paths", () => {
    it.each([
      ["trainDataPath", "../../etc/x.jsonl", `resolves to ${path.resolve(PROJECT_ROOT, "../../etc/x.jsonl")}, outside the project`],
      ["validationDataPath", "data/../../other/test.jsonl", `resolves to ${path.resolve(PROJECT_ROOT, "../other/test.jsonl")}, outside the project`],
      ["trainDataPath", "~/train.jsonl", "'~' is not expanded: write the absolute path"],
      ["validationDataPath", "data/test.csv", ""],
    ])("refuses %s = %j, naming the key, the value and what is allowed", (key, value, detail) => {
      const problems = problemsOf(devRaw({ [key]: value }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ key, value });
      expect(problems[0].allowed).toContain(`a .jsonl file inside the project (${PROJECT_ROOT}), as a relative path such as data/train_data.jsonl`);
      expect(problems[0].allowed).toContain("or an absolute path you choose for a file elsewhere");
      expect(problems[0].allowed).toContain(detail);
    });

    it("accepts a path inside the project, and an absolute path the user chose, as given", () => {
      expect(parseStackConfig(devRaw({ trainDataPath: "./data/train_data.jsonl" })).fineTune.trainDataPath).toBe("./data/train_data.jsonl");
      expect(parseStackConfig(devRaw({ trainDataPath: "data/sample/../train_data.jsonl" })).fineTune.trainDataPath).toBe("data/sample/../train_data.jsonl");
      expect(parseStackConfig(devRaw({ validationDataPath: "/srv/chats/test.jsonl" })).fineTune.validationDataPath).toBe("/srv/chats/test.jsonl");
    });

    it("outside the project are only absolute ones, which the plan's notes name", () => {
      expect(outsideProject("/srv/chats/test.jsonl")).toBe(true);
      expect(outsideProject(path.join(PROJECT_ROOT, "data", "x.jsonl"))).toBe(false);
      expect(outsideProject("data/train_data.jsonl")).toBe(false);
      expect(outsideProject("../x.jsonl")).toBe(true);
    });
  });
});

describe("fineTuneConfigFile", () => {
  // A version-2 finetune config as the pipeline's model_selector/finetune_config.py reads it (azureml-assets), with a
  // setting from that file's own table (its Llama entry's load_tokenizer_kwargs).
  const FIXTURE = "tests/support/finetuneConfig.json";
  const write = (name: string, text: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "finetune-config-")), name);
    fs.writeFileSync(file, text);
    return file;
  };
  const SHAPE = '{"version": "2", "task_specific_config": {"ChatCompletion": {...}}}';

  it("is unset by default: no config", () => {
    expect(parseStackConfig(devRaw()).fineTune.configFile).toBeUndefined();
  });

  it("reads a good file inside the project, by its path from the project's root, with the SHA-256 of its bytes", () => {
    expect(parseStackConfig(devRaw({ fineTuneConfigFile: FIXTURE })).fineTune.configFile).toEqual({
      path: path.join(PROJECT_ROOT, "tests", "support", "finetuneConfig.json"),
      sha256: "9c7a103aad737e6660d068b0298a5c2692c69ea8585b8ca7800af58e10df12a6",
    });
    const elsewhere = write("ft.json", '{"version":"2","task_specific_config":{"ChatCompletion":{"finetune_args":{}}}}');
    expect(parseStackConfig(devRaw({ fineTuneConfigFile: elsewhere })).fineTune.configFile?.path).toBe(elsewhere);
  });

  it.each([
    ["config/missing.json", `there is no file at ${path.join(PROJECT_ROOT, "config", "missing.json")}`],
    ["../finetune.json", `this one resolves to ${path.resolve(PROJECT_ROOT, "../finetune.json")}, outside the project`],
    ["~/finetune.json", "'~' is not expanded: write the absolute path"],
    ["config/finetune.yaml", SHAPE],
  ])("refuses %j, naming the key, the value and what is allowed", (value, detail) => {
    const problems = problemsOf(devRaw({ fineTuneConfigFile: value }));
    expect(problems).toEqual([{ key: "fineTuneConfigFile", value, allowed: expect.stringContaining(detail) }]);
    expect(problems[0].allowed).toContain(`a .json file inside the project (${PROJECT_ROOT}), as a relative path such as config/finetune.json`);
    expect(problems[0].allowed).toContain(`holding a finetune config ${SHAPE}`);
  });

  it("refuses a folder", () => {
    const folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "finetune-config-")), "config.json");
    fs.mkdirSync(folder);
    expect(problemsOf(devRaw({ fineTuneConfigFile: folder }))[0].allowed).toMatch(new RegExp(`; ${folder} is a folder$`));
  });

  it.each([
    ["not JSON", "{version: 2}", "is not JSON ("],
    ["a JSON array", "[]", "is JSON but not an object"],
    ["version 2 as a number", '{"version": 2, "task_specific_config": {"ChatCompletion": {"finetune_args": {}}}}', 'has "version": 2; the component reads a task\'s settings only from "version": "2" (a string)'],
    ["version 1", '{"version": "1", "load_tokenizer_kwargs": {}}', 'has "version": "1";'],
    ["no version", '{"task_specific_config": {"ChatCompletion": {"finetune_args": {}}}}', 'has "version": (missing);'],
    ["another task's settings only", '{"version": "2", "task_specific_config": {"TextGeneration": {"finetune_args": {}}}}', "has no settings in task_specific_config.ChatCompletion"],
    ["empty ChatCompletion settings", '{"version": "2", "task_specific_config": {"ChatCompletion": {}}}', "has no settings in task_specific_config.ChatCompletion"],
  ])("refuses a file that is %s, before anything is created", (_, text, detail) => {
    const file = write("finetune.json", text);
    const problems = problemsOf(devRaw({ fineTuneConfigFile: file }));
    expect(problems).toEqual([{ key: "fineTuneConfigFile", value: file, allowed: expect.stringContaining(`; ${file} ${detail}`) }]);
  });
});
