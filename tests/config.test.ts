import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LR_SCHEDULER_TYPES } from "../components/fineTuneJob";
import { CONFIG_KEYS, ConfigError, parseStackConfig, RawConfig, readRawConfig } from "../infra/config";
import { loadStackSettings, PROJECT_ROOT, readProjectFile } from "../scripts/lib/stackFiles";

/** The dev stack's raw config, read through pulumi.Config as the program reads it, with `changes` on top. */
function devRaw(changes: Record<string, string | undefined> = {}): RawConfig {
  const settings = loadStackSettings("dev");
  pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);
  return { ...readRawConfig(), ...changes };
}

function problemsOf(raw: RawConfig): ConfigError["problems"] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("parseStackConfig", () => {
  it("turns the dev stack's settings into the mission's defaults", () => {
    const config = parseStackConfig(devRaw());
    expect(config.location).toBe("eastus2");
    expect(config.namePrefix).toBe("finetunephi");
    expect(config.training).toEqual({ vmSize: "Standard_NC24ads_A100_v4", minNodes: 0, maxNodes: 1, idleSeconds: 120 });
    expect(config.serving).toEqual({ enabled: true, vmSize: "Standard_NC6s_v3", instanceCount: 1 });
    expect(config.fineTune.enabled).toBe(true);
    expect(config.fineTune.baseModel).toBe("azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15");
    // Phi-3-mini-4k-instruct's own fine-tuning defaults (its model_specific_defaults in azureml-assets).
    expect(config.fineTune.settings).toMatchObject({ learningRate: 5e-6, lrSchedulerType: "cosine", epochs: 1, applyLora: true });
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
    ["servingVmSize", "Standard NC6s v3", /GPU VM size.*Standard_NC6s_v3/],
    ["trainingMinNodes", "-1", /whole number from 0/],
    ["trainingMinNodes", "0.5", /whole number/],
    ["trainingMaxNodes", "0", /whole number from 1/],
    ["trainingMaxNodes", "two", /whole number/],
    ["trainingIdleSeconds", "0", /whole number from 60 to 86400/],
    ["trainingIdleSeconds", "120.5", /whole number/],
    ["trainingIdleSeconds", "1000000", /to 86400/],
    ["servingInstanceCount", "0", /whole number from 1 to 20/],
    ["servingInstanceCount", "1.5", /whole number/],
    ["epochs", "0", /whole number from 1/],
    ["learningRate", "0", /greater than 0/],
    ["learningRate", "fast", /number/],
    ["lrSchedulerType", "exponential", /one of linear, cosine/],
    ["lrSchedulerType", "inverse_sqrt", /constant_with_warmup$/],
    ["batchSize", "0", /whole number from 1 to 64/],
    ["gradientAccumulationSteps", "500", /1 to 128/],
    ["warmupSteps", "-1", /0 to 100000/],
    ["weightDecay", "1.5", /from 0 to 1/],
    ["maxSeqLength", "0", /-1 \(the component's default\)/],
    ["applyLora", "lora", /true or false/],
    ["trainingSeed", "x", /whole number/],
    ["fineTuneTimeoutMinutes", "5", /10 to 10080/],
    ["registeredModelId", "my-model", /azureml:<name>:<version>/],
    ["fineTuneEnabled", "yes", /true or false/],
    ["servingEnabled", "1", /true or false/],
    ["quotaCheck", "", /true or false/],
    ["baseModel", "phi-3", /model asset id/],
    ["trainDataPath", "data/train.csv", /\.jsonl/],
    ["resourceGroupName", "ends-with-period.", /resource group/],
    ["ciGithubRepo", "not a repo", /owner\/repo/],
    ["azure-native:location", "East US 2", /region/],
  ])("refuses %s = %j, naming the key, the value and what is allowed", (key, value, allowed) => {
    const problems = problemsOf(devRaw({ [key]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key, value });
    expect(problems[0].allowed).toMatch(allowed);
  });

  it("refuses a minimum node count above the maximum", () => {
    const problems = problemsOf(devRaw({ trainingMinNodes: "3", trainingMaxNodes: "2" }));
    expect(problems).toEqual([{ key: "trainingMinNodes", value: "3", allowed: "at most trainingMaxNodes (2)" }]);
  });

  it("accepts min equal to max, every scheduler the component knows, a weight decay of 0 and case-insensitive VM sizes", () => {
    expect(parseStackConfig(devRaw({ trainingMinNodes: "2", trainingMaxNodes: "2" })).training.minNodes).toBe(2);
    for (const scheduler of LR_SCHEDULER_TYPES) {
      expect(parseStackConfig(devRaw({ lrSchedulerType: scheduler })).fineTune.settings.lrSchedulerType).toBe(scheduler);
    }
    expect(parseStackConfig(devRaw({ weightDecay: "0" })).fineTune.settings.weightDecay).toBe(0);
    expect(parseStackConfig(devRaw({ servingVmSize: "standard_nc6s_v3" })).serving.vmSize).toBe("Standard_NC6s_v3");
  });

  it("needs a registered model to serve when fine-tuning is off", () => {
    expect(problemsOf(devRaw({ fineTuneEnabled: "false" }))).toEqual([
      expect.objectContaining({ key: "registeredModelId", value: undefined, allowed: expect.stringMatching(/fineTuneEnabled is false/) }),
    ]);
    expect(parseStackConfig(devRaw({ fineTuneEnabled: "false", registeredModelId: "azureml:phi3-chat-finetuned:3" })).fineTune.registeredModelId).toBe(
      "azureml:phi3-chat-finetuned:3",
    );
    expect(problemsOf(devRaw({ fineTuneEnabled: "false", servingEnabled: "false" }))).toEqual([]);
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
    const config = parseStackConfig(
      devRaw({ resourceGroupName: "rg-shared_ml(1)", ciGithubRepo: "contoso/phi3-infra", baseModel: "azureml:my-phi3:2" }),
    );
    expect(config.resourceGroupName).toBe("rg-shared_ml(1)");
    expect(config.ciGithubRepo).toBe("contoso/phi3-infra");
    expect(config.fineTune.baseModel).toBe("azureml:my-phi3:2");
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

  it("gives a default to every key but the optional ones", () => {
    const withoutDefault = CONFIG_KEYS.filter((key) => project.keys[key].default === undefined);
    expect(withoutDefault.sort()).toEqual(["ciGithubRepo", "registeredModelId", "resourceGroupName"]);
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
