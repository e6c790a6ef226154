import { parseStackConfig, StackConfig } from "../infra/config";
import { devRaw, problemsOf } from "./support/stackConfig";

/**
 * The numeric, range and enum rules of the stack's config, each at its limit and one past it, on top of the dev stack's
 * settings (Pulumi.yaml's defaults). Every message is written out as the user reads it after `phi3-foundry:<key> = ...:`.
 */

type Changes = Record<string, string | undefined>;

/** The dev stack's settings, read once. */
const DEV = devRaw();
const raw = (changes: Changes) => ({ ...DEV, ...changes });

/** The problems `changes` cause, as key, value and what is allowed. */
function refused(changes: Changes): { key: string; value: string | undefined; allowed: string }[] {
  return problemsOf(raw(changes)).map(({ key, value, allowed }) => ({ key, value, allowed }));
}

const config = (changes: Changes): StackConfig => parseStackConfig(raw(changes));

/** Where each whole-number key lands in the validated settings. */
const READ: Record<string, (c: StackConfig) => unknown> = {
  trainingMaxNodes: (c) => c.training.maxNodes,
  trainingIdleSeconds: (c) => c.training.idleSeconds,
  servingInstanceCount: (c) => c.serving.instanceCount,
  fineTuneTimeoutMinutes: (c) => c.fineTune.timeoutMinutes,
  minRecordsPerFile: (c) => c.fineTune.minRecordsPerFile,
  epochs: (c) => c.fineTune.settings.epochs,
  batchSize: (c) => c.fineTune.settings.batchSize,
  gradientAccumulationSteps: (c) => c.fineTune.settings.gradientAccumulationSteps,
  warmupSteps: (c) => c.fineTune.settings.warmupSteps,
  trainingSeed: (c) => c.fineTune.settings.seed,
  maxSeqLength: (c) => c.fineTune.settings.maxSeqLength,
};

describe("whole numbers: each limit accepted, one past it refused", () => {
  // [key, lowest, highest, highest as text, what is allowed]
  it.each<[string, number, number, string, string]>([
    ["trainingMaxNodes", 1, 100, "100", "a whole number from 1 to 100"],
    ["servingInstanceCount", 1, 20, "20", "a whole number from 1 to 20"],
    ["fineTuneTimeoutMinutes", 10, 10080, "10080", "a whole number from 10 to 10080"],
    ["minRecordsPerFile", 1, 1000000, "1000000", "a whole number from 1 to 1000000"],
    ["epochs", 1, 100, "100", "a whole number from 1 to 100"],
    ["batchSize", 1, 64, "64", "a whole number from 1 to 64"],
    ["gradientAccumulationSteps", 1, 128, "128", "a whole number from 1 to 128"],
    ["warmupSteps", 0, 100000, "100000", "a whole number from 0 to 100000"],
    ["trainingSeed", 0, 2147483647, "2147483647", "a whole number from 0 to 2147483647"],
    // Phi-3-mini-4k-instruct (the dev stack's model) reads 4096 tokens at most; -1 lets the component choose.
    ["maxSeqLength", -1, 4096, "4096", "a whole number from -1 to 4096"],
  ])("%s: %d and %d accepted, one below and one above refused", (key, lowest, highest, highestText, allowed) => {
    expect(READ[key](config({ [key]: String(lowest) }))).toBe(lowest);
    expect(READ[key](config({ [key]: highestText }))).toBe(highest);
    expect(READ[key](config({ [key]: ` ${highestText} ` }))).toBe(highest);
    for (const past of [String(lowest - 1), String(BigInt(highestText) + 1n)]) {
      expect(refused({ [key]: past })).toEqual([{ key, value: past, allowed }]);
    }
  });

  it.each<[string, string, string]>([
    ["azureRequestTimeoutSeconds", "3600", "a whole number from 1 to 3600"],
    ["azureMaxPolls", "100000", "a whole number from 1 to 100000"],
    ["azureMaxPages", "100000", "a whole number from 1 to 100000"],
  ])("%s (read again by the dynamic providers): 1 and %s accepted, 0 and one above refused, blank is the default", (key, highest, allowed) => {
    for (const value of ["1", highest, ` ${highest} `, "", "  ", undefined]) expect(refused({ [key]: value })).toEqual([]);
    for (const value of ["0", String(Number(highest) + 1), "1.5", "-1"]) expect(refused({ [key]: value })).toEqual([{ key, value, allowed }]);
  });

  it.each(["+2", "2e0", "0x2", "2.0", "1.5", "two", "-", " ", ""])("refuses %j as a whole number (servingInstanceCount)", (value) => {
    expect(refused({ servingInstanceCount: value })).toEqual([{ key: "servingInstanceCount", value, allowed: "a whole number from 1 to 20" }]);
  });

  it("refuses an unset required whole number, naming it unset", () => {
    expect(refused({ servingInstanceCount: undefined })).toEqual([{ key: "servingInstanceCount", value: undefined, allowed: "a whole number from 1 to 20" }]);
    expect(refused({ trainingMaxNodes: undefined })).toEqual([{ key: "trainingMaxNodes", value: undefined, allowed: "a whole number from 1 to 100" }]);
  });

  it("takes digits only, however many", () => {
    expect(config({ servingInstanceCount: "10" }).serving.instanceCount).toBe(10);
    expect(config({ warmupSteps: "00012" }).fineTune.settings.warmupSteps).toBe(12);
  });
});

describe("the limits the policy pack enforces too", () => {
  const idleOut = "a GPU cluster releases an idle node within 60 minutes (mandatory policy rule gpu-cluster-idles-out)";
  const scalesToZero = "0: a GPU cluster keeps no nodes while idle (mandatory policy rule gpu-cluster-scales-to-zero)";

  it("trainingIdleSeconds: 60 and 3600 accepted; 59 refused, 3601 refused with the rule that would refuse it", () => {
    expect(config({ trainingIdleSeconds: "60" }).training.idleSeconds).toBe(60);
    expect(config({ trainingIdleSeconds: "3600" }).training.idleSeconds).toBe(3600);
    expect(config({ trainingIdleSeconds: " 3600 " }).training.idleSeconds).toBe(3600);
    expect(refused({ trainingIdleSeconds: "59" })).toEqual([{ key: "trainingIdleSeconds", value: "59", allowed: "a whole number from 60 to 3600" }]);
    expect(refused({ trainingIdleSeconds: "3601" })).toEqual([{ key: "trainingIdleSeconds", value: "3601", allowed: `a whole number from 60 to 3600: ${idleOut}` }]);
    // Not a whole number at all: the plain rule, no policy reason.
    for (const value of ["1e4", "+4000", "4000.5", "-4000"]) {
      expect(refused({ trainingIdleSeconds: value })).toEqual([{ key: "trainingIdleSeconds", value, allowed: "a whole number from 60 to 3600" }]);
    }
  });

  it("trainingMinNodes: 0 only, anything else refused with the rule that would refuse it", () => {
    expect(config({ trainingMinNodes: "0" }).training.minNodes).toBe(0);
    expect(config({ trainingMinNodes: " 0 " }).training.minNodes).toBe(0);
    for (const value of ["1", "-1", "00", "0.0", "", undefined]) {
      expect(refused({ trainingMinNodes: value })).toEqual([{ key: "trainingMinNodes", value, allowed: scalesToZero }]);
    }
  });

  it("trainingNodes: 1 to trainingMaxNodes; one past it, or past a wrong trainingMaxNodes's own limit, refused", () => {
    const past = (most: string) =>
      `a whole number from 1 to ${most}: the fine-tuning step runs on that many of the cluster's nodes; raise trainingMaxNodes to train on more`;
    expect(config({ trainingNodes: "1" }).training.nodes).toBe(1);
    expect(config({ trainingNodes: " 10 ", trainingMaxNodes: "10" }).training.nodes).toBe(10);
    expect(refused({ trainingNodes: "11", trainingMaxNodes: "10" })).toEqual([{ key: "trainingNodes", value: "11", allowed: past("trainingMaxNodes (10)") }]);
    for (const value of ["0", "+2", "2e0", "1.0", "", undefined]) {
      expect(refused({ trainingNodes: value, trainingMaxNodes: "2" })).toEqual([{ key: "trainingNodes", value, allowed: past("trainingMaxNodes (2)") }]);
    }
    // trainingMaxNodes wrong: trainingNodes is held to what trainingMaxNodes may be, 100.
    const maxWrong = { key: "trainingMaxNodes", value: "0", allowed: "a whole number from 1 to 100" };
    expect(refused({ trainingNodes: "100", trainingMaxNodes: "0" })).toEqual([maxWrong]);
    expect(refused({ trainingNodes: "101", trainingMaxNodes: "0" })).toEqual([
      maxWrong,
      { key: "trainingNodes", value: "101", allowed: past("trainingMaxNodes (itself at most 100)") },
    ]);
  });

  it("maxSteps: unset or blank trains the full epochs; 1 to 100000, one past either end refused", () => {
    const allowed = "a whole number of training steps from 1 to 100000, or empty to train the full epochs (the component's max_steps -1)";
    for (const value of ["", "   ", undefined]) expect(config({ maxSteps: value }).fineTune.maxSteps).toBeUndefined();
    expect(config({ maxSteps: "1" }).fineTune.maxSteps).toBe(1);
    expect(config({ maxSteps: " 100000 " }).fineTune.maxSteps).toBe(100000);
    for (const value of ["0", "100001", "-1", "+5", "5e0", "5.0", "ten"]) {
      expect(refused({ maxSteps: value })).toEqual([{ key: "maxSteps", value, allowed }]);
    }
  });

  it("maxSeqLength: 0 is neither the component's default nor a length; the limit follows the base model", () => {
    expect(refused({ maxSeqLength: "0" })).toEqual([
      { key: "maxSeqLength", value: "0", allowed: "-1 (the component's default) or a whole number from 1 to 4096" },
    ]);
    expect(config({ maxSeqLength: "1" }).fineTune.settings.maxSeqLength).toBe(1);
    // Phi-4 reads 16384 tokens; a model outside the catalogue is held to 131072.
    expect(config({ baseModel: "Phi-4", maxSeqLength: "16384" }).fineTune.settings.maxSeqLength).toBe(16384);
    expect(refused({ baseModel: "Phi-4", maxSeqLength: "16385" })).toEqual([{ key: "maxSeqLength", value: "16385", allowed: "a whole number from -1 to 16384" }]);
    expect(config({ baseModel: "contoso/tiny-chat", maxSeqLength: "131072" }).fineTune.settings.maxSeqLength).toBe(131072);
    expect(refused({ baseModel: "contoso/tiny-chat", maxSeqLength: "131073" })).toEqual([
      { key: "maxSeqLength", value: "131073", allowed: "a whole number from -1 to 131072" },
    ]);
    expect(refused({ baseModel: "contoso/tiny-chat", maxSeqLength: "0" })).toEqual([
      { key: "maxSeqLength", value: "0", allowed: "-1 (the component's default) or a whole number from 1 to 131072" },
    ]);
  });
});

describe("decimals", () => {
  it("learningRate: greater than 0 and at most 1", () => {
    const allowed = "a number greater than 0 and at most 1";
    const accepted: [string, number][] = [["1", 1], ["1e0", 1], ["0.25", 0.25], [".5", 0.5], ["5e-6", 0.000005], ["5E-6", 0.000005], ["1e-10", 1e-10], [" 2e-5 ", 0.00002]];
    for (const [value, rate] of accepted) expect(config({ learningRate: value }).fineTune.settings.learningRate).toBe(rate);
    for (const value of ["0", "0.0", "1.000001", "2", "-0.5", "+0.5", "0x1", "1e+0", "1e", "fast"]) {
      expect(refused({ learningRate: value })).toEqual([{ key: "learningRate", value, allowed }]);
    }
  });

  it("weightDecay: from 0 to 1, 0 included", () => {
    const allowed = "a number from 0 to 1";
    for (const [value, decay] of [["0", 0], ["1", 1], ["0.01", 0.01]] as [string, number][]) {
      expect(config({ weightDecay: value }).fineTune.settings.weightDecay).toBe(decay);
    }
    for (const value of ["1.01", "-0.01", "x"]) expect(refused({ weightDecay: value })).toEqual([{ key: "weightDecay", value, allowed }]);
  });
});

describe("unset and blank training settings are the base model's", () => {
  it.each(["", "  ", undefined])("%j", (value) => {
    const settings = config({ learningRate: value, epochs: value, warmupSteps: value, lrSchedulerType: value, applyLora: value }).fineTune.settings;
    // Phi-3-mini-4k-instruct's model_specific_defaults in azureml-assets.
    expect(settings).toMatchObject({ learningRate: 5e-6, epochs: 1, warmupSteps: 0, lrSchedulerType: "cosine", applyLora: true });
  });
});

describe("choices", () => {
  it.each<[string, string[], string, (c: StackConfig) => unknown]>([
    ["trainingPriority", ["Dedicated", "LowPriority"], "one of Dedicated, LowPriority", (c) => c.training.priority],
    ["trainingIdentityScope", ["resourceGroup", "workspace"], "one of resourceGroup, workspace", (c) => c.training.identityScope],
    ["deepspeedStage", ["2", "3"], "one of 2, 3", (c) => c.fineTune.settings.deepspeedStage],
    ["precision", ["16", "32"], "one of 16, 32", (c) => c.fineTune.settings.precision],
    [
      "lrSchedulerType",
      ["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup"],
      "one of linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup",
      (c) => c.fineTune.settings.lrSchedulerType,
    ],
  ])("%s: each of %j, and nothing else", (key, choices, allowed, read) => {
    for (const choice of choices) {
      expect(read(config({ [key]: choice }))).toBe(choice);
      expect(read(config({ [key]: ` ${choice} ` }))).toBe(choice);
    }
    for (const value of [`${choices[0]}x`, `x${choices[0]}`, "1"]) expect(refused({ [key]: value })).toEqual([{ key, value, allowed }]);
  });

  it("choices are case-sensitive: Azure reads these names as written", () => {
    for (const value of ["lowpriority", "DEDICATED"]) expect(refused({ trainingPriority: value })).toEqual([{ key: "trainingPriority", value, allowed: "one of Dedicated, LowPriority" }]);
  });

  it("flags: true or false, exactly", () => {
    expect(config({ quotaCheck: "true" }).quotaCheck).toBe(true);
    expect(config({ quotaCheck: " false " }).quotaCheck).toBe(false);
    // Phi-3-mini-4k-instruct's defaults are true for both.
    expect(config({ applyLora: " false " }).fineTune.settings.applyLora).toBe(false);
    expect(config({ applyDeepspeed: "false" }).fineTune.settings.applyDeepspeed).toBe(false);
    for (const value of ["True", "yes", "1", "", undefined]) {
      expect(refused({ quotaCheck: value })).toEqual([{ key: "quotaCheck", value, allowed: "true or false" }]);
    }
  });

  it("GPU sizes: a known size by any case, its canonical name kept; a retired one names the retirement", () => {
    expect(config({ servingVmSize: " standard_nc4as_t4_v3 " }).serving.vmSize).toBe("Standard_NC4as_T4_v3");
    expect(refused({ servingVmSize: "Standard_D4s_v3" })).toEqual([
      {
        key: "servingVmSize",
        value: "Standard_D4s_v3",
        allowed:
          "a GPU VM size Azure ML supports: Standard_NC24ads_A100_v4, Standard_NC48ads_A100_v4, Standard_NC96ads_A100_v4, Standard_NC40ads_H100_v5, " +
          "Standard_NC80adis_H100_v5, Standard_ND96asr_v4, Standard_ND96amsr_A100_v4, Standard_ND96isr_H100_v5, Standard_NC4as_T4_v3, " +
          "Standard_NC8as_T4_v3, Standard_NC16as_T4_v3, Standard_NC64as_T4_v3, Standard_NV36ads_A10_v5, Standard_NV72ads_A10_v5",
      },
    ]);
    expect(refused({ servingVmSize: undefined })[0].allowed).toMatch(/^a GPU VM size Azure ML supports: /);
    expect(refused({ trainingVmSize: "Standard_NC6s_v3" })).toEqual([
      { key: "trainingVmSize", value: "Standard_NC6s_v3", allowed: expect.stringMatching(/^retired by Azure on 2025-09-30: NCv3 \(V100\) virtual machines/) },
    ]);
  });

  it("required and optional text: blank or unset is refused, or left out", () => {
    expect(refused({ namePrefix: " " })).toEqual([{ key: "namePrefix", value: " ", allowed: "3 to 12 lowercase letters and digits" }]);
    expect(refused({ namePrefix: undefined })).toEqual([{ key: "namePrefix", value: undefined, allowed: "3 to 12 lowercase letters and digits" }]);
    expect(config({ namePrefix: " abc " }).namePrefix).toBe("abc");
    for (const value of ["", "  ", undefined]) expect(config({ ciGithubRepo: value }).ciGithubRepo).toBeUndefined();
    expect(config({ ciGithubRepo: " contoso/phi3 " }).ciGithubRepo).toBe("contoso/phi3");
    expect(refused({ ciGithubRepo: "contoso" })).toEqual([
      { key: "ciGithubRepo", value: "contoso", allowed: "a GitHub repository as owner/repo, such as contoso/phi3-infra" },
    ]);
  });
});

describe("the cost alerts' numbers", () => {
  const budget = { budgetMonthlyUsd: "200", alertEmails: "ops@contoso.com" };
  const hours = "one of 1, 2, 3, 4, 5, 6, 24, 48: the log search alert window sizes of an hour or more (PT1H to PT6H, P1D, P2D) Azure Monitor allows";

  it("idleAlertHours: the window sizes Azure Monitor allows; blank is 6", () => {
    for (const h of [1, 2, 3, 4, 5, 6, 24, 48]) expect(config({ ...budget, idleAlertHours: String(h) }).costAlerts?.idleAlertHours).toBe(h);
    expect(config({ ...budget, idleAlertHours: " 24 " }).costAlerts?.idleAlertHours).toBe(24);
    expect(config({ ...budget, idleAlertHours: "" }).costAlerts?.idleAlertHours).toBe(6);
    expect(config({ ...budget, idleAlertHours: undefined }).costAlerts?.idleAlertHours).toBe(6);
    for (const value of ["0", "7", "23", "25", "47", "49", "1.0", "+1", "-1", "6h"]) {
      expect(refused({ ...budget, idleAlertHours: value })).toEqual([{ key: "idleAlertHours", value, allowed: hours }]);
    }
    // Checked even while no alert is configured, so it is right when one is.
    expect(refused({ idleAlertHours: "7" })).toEqual([{ key: "idleAlertHours", value: "7", allowed: hours }]);
  });

  it("budgetMonthlyUsd: more than 0 USD; needed with alertEmails, and the other way round", () => {
    expect(config({}).costAlerts).toBeUndefined();
    expect(config({ ...budget, budgetMonthlyUsd: " 0.01 " }).costAlerts?.monthlyBudgetUsd).toBe(0.01);
    expect(config({ ...budget, budgetMonthlyUsd: "149.50" }).costAlerts?.monthlyBudgetUsd).toBe(149.5);
    expect(config({ ...budget, budgetMonthlyUsd: ".5" }).costAlerts?.monthlyBudgetUsd).toBe(0.5);
    for (const value of ["0", "0.00", "-5", "+200", "1e3", "200 USD", "$200"]) {
      expect(refused({ ...budget, budgetMonthlyUsd: value })).toEqual([
        { key: "budgetMonthlyUsd", value, allowed: "a monthly budget in USD greater than 0, such as 200 or 149.50" },
      ]);
    }
    expect(refused({ alertEmails: "ops@contoso.com" })).toEqual([
      { key: "budgetMonthlyUsd", value: "", allowed: "a monthly budget in USD greater than 0, such as 200; needed when alertEmails is set (set both, or neither)" },
    ]);
    expect(refused({ budgetMonthlyUsd: "200" })).toEqual([
      {
        key: "alertEmails",
        value: "",
        allowed: "email addresses separated by commas, such as ops@contoso.com,finance@contoso.com; needed when budgetMonthlyUsd is set (set both, or neither)",
      },
    ]);
  });

  it("alertEmails: addresses separated by commas, trimmed, each once whatever its case; every wrong one named", () => {
    expect(config({ ...budget, alertEmails: " ops@contoso.com , Finance@Contoso.com,OPS@contoso.com " }).costAlerts?.emails).toEqual([
      "ops@contoso.com",
      "Finance@Contoso.com",
    ]);
    expect(refused({ ...budget, alertEmails: "ops@contoso.com,ops,finance@contoso" })).toEqual([
      {
        key: "alertEmails",
        value: "ops@contoso.com,ops,finance@contoso",
        allowed: 'email addresses separated by commas, such as ops@contoso.com,finance@contoso.com (not an address: "ops", "finance@contoso")',
      },
    ]);
  });

  it("gpuPricesPerHour: a price list it cannot read is refused with why", () => {
    expect(config({ gpuPricesPerHour: "Standard_NC4as_T4_v3=0.6" }).gpuPricesPerHour).toEqual({ Standard_NC4as_T4_v3: 0.6 });
    expect(refused({ gpuPricesPerHour: "x" })).toEqual([
      { key: "gpuPricesPerHour", value: "x", allowed: "Size=USD pairs separated by commas, such as Standard_NC4as_T4_v3=0.526 ('x' is not Size=USD)" },
    ]);
  });
});

describe("production's limits", () => {
  const purge =
    "true when production is true: a production stack's key vaults keep deleted secrets recoverable for their retention period (mandatory policy rule key-vault-purge-protection-in-production)";
  const roles = "workspace when production is true: a production stack assigns no Contributor or Owner role (mandatory policy rule no-privileged-roles-in-production)";
  const prod = { production: "true", keyVaultPurgeProtection: "true", trainingIdentityScope: "workspace" };

  it("needs purge protection and the workspace scope, and nothing more", () => {
    expect(config(prod)).toMatchObject({ production: true, keyVaultPurgeProtection: true, training: { identityScope: "workspace" } });
    expect(refused({ ...prod, keyVaultPurgeProtection: "false" })).toEqual([{ key: "keyVaultPurgeProtection", value: "false", allowed: purge }]);
    expect(refused({ ...prod, trainingIdentityScope: "resourceGroup" })).toEqual([{ key: "trainingIdentityScope", value: "resourceGroup", allowed: roles }]);
    // A flag that is wrong in itself is reported once, for what it is.
    expect(refused({ ...prod, keyVaultPurgeProtection: "maybe" })).toEqual([{ key: "keyVaultPurgeProtection", value: "maybe", allowed: "true or false" }]);
  });

  it("holds a stack that is not production to neither", () => {
    expect(config({ production: "false", keyVaultPurgeProtection: "false", trainingIdentityScope: "resourceGroup" })).toMatchObject({
      production: false,
      keyVaultPurgeProtection: false,
      training: { identityScope: "resourceGroup" },
    });
  });
});
