import * as path from "node:path";
import { azureLimitSettings } from "../components/azure/rest/azureLimits";
import { DEEPSPEED_STAGES, FineTuneSettings, LR_SCHEDULER_TYPES, PRECISIONS } from "../domain/catalogue/fineTuneSettings";
import {
  DEFAULT_IDLE_ALERT_HOURS, EMAIL, IDLE_ALERT_HOURS, IdleAlertHours, TRAINING_IDENTITY_SCOPES, TrainingIdentityScope, TRAINING_PRIORITIES, TrainingPriority,
} from "../domain/settingValues";
import { GPU_CLUSTER, LIMIT_REASONS } from "../domain/limits";
import { FINETUNE_CONFIG_SHAPE, FinetuneConfigFile, readFinetuneConfig } from "../domain/data/finetuneConfig";
import { BASE_MODEL_ALLOWED, PIPELINE_DEFAULTS, resolveBaseModel, ResolvedModel } from "../domain/catalogue/models";
import { outsideProject, PROJECT_ROOT, projectPath } from "../domain/paths";
import { parsePriceOverrides } from "../domain/catalogue/prices";
import { baseModelRetirement, retirementMessage } from "../domain/catalogue/retirements";
import { namespaceKeyProblem } from "../domain/configNamespaces";
import { didYouMean } from "../domain/similarNames";
import { CONFIG_KEYS, CONFIG_NAMESPACE, ConfigKey, LOCATION_KEY, RawConfig, rawConfigFrom } from "./configKeys";
import { ConfigError, ConfigProblem, Reader } from "./configReader";

/** The validated, typed settings of one stack. Built by {@link parseStackConfig}; nothing else reads config. */
export interface StackConfig {
  readonly location: string;
  readonly namePrefix: string;
  /** An existing resource group to deploy into; undefined creates one. */
  readonly resourceGroupName?: string;
  /** A production stack: its resources are tagged so, and the policy pack holds them to the production rules. */
  readonly production: boolean;
  readonly keyVaultPurgeProtection: boolean;
  readonly quotaCheck: boolean;
  readonly training: {
    readonly vmSize: string;
    readonly minNodes: number;
    readonly maxNodes: number;
    readonly idleSeconds: number;
    /** How far the training identity's rights reach: the resource group (the tutorial's) or the workspace. */
    readonly identityScope: TrainingIdentityScope;
    /** Nodes one fine-tune runs on (`num_nodes_finetune`), at most `maxNodes`. */
    readonly nodes: number;
    /** Dedicated nodes, or low-priority ones (cheaper, preemptible, their own quota). */
    readonly priority: TrainingPriority;
  };
  readonly fineTune: {
    readonly enabled: boolean;
    readonly baseModel: ResolvedModel;
    /** Bumped to run an unchanged fine-tuning job again; "" when unset. */
    readonly run: string;
    /** Training steps after which the job stops (`max_steps`); undefined trains the full epochs. */
    readonly maxSteps?: number;
    /** The model to serve when fine-tuning is off. */
    readonly registeredModelId?: string;
    readonly settings: FineTuneSettings;
    /** How long `pulumi up` waits for the job to finish. */
    readonly timeoutMinutes: number;
    readonly trainDataPath: string;
    readonly validationDataPath: string;
    /** `fineTuneConfigFile`, read and checked: sent to the pipeline as `finetune_config_path`; undefined sends none. */
    readonly configFile?: FinetuneConfigFile;
    /** Fewest records each data file must hold. */
    readonly minRecordsPerFile: number;
  };
  readonly serving: {
    readonly enabled: boolean;
    readonly vmSize: string;
    readonly instanceCount: number;
  };
  readonly foundry: {
    readonly enabled: boolean;
    /** Whether the AI Services account answers on its public endpoint. */
    readonly aiServicesPublicNetworkAccess: boolean;
  };
  /** `owner/repo` whose pull requests may preview the stack; undefined creates no CI identity. */
  readonly ciGithubRepo?: string;
  /** Object id of the destroy workflow's service principal, made an owner of the CI identity's Entra objects. */
  readonly ciDestroyPrincipalId?: string;
  /** USD per hour by VM size, over the plan's price table. */
  readonly gpuPricesPerHour: Readonly<Record<string, number>>;
  /** The budget and idle alarm; undefined when budgetMonthlyUsd and alertEmails are unset. */
  readonly costAlerts?: CostAlertSettings;
}

/** `budgetMonthlyUsd`, `alertEmails` and `idleAlertHours`, validated. */
export interface CostAlertSettings {
  readonly monthlyBudgetUsd: number;
  /** Distinct addresses, in the order given. */
  readonly emails: readonly string[];
  readonly idleAlertHours: IdleAlertHours;
}

const REGION = /^[a-z][a-z0-9]*$/;
const REGISTRY_MODEL = /^azureml:\/\/registries\/[\w-]+\/models\/[\w.-]+\/versions\/[\w.-]+$/;
const WORKSPACE_MODEL = /^azureml:[\w.-]+:[\w.-]+$/;
const MODEL_ID = new RegExp(`${REGISTRY_MODEL.source}|${WORKSPACE_MODEL.source}`);
const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/**
 * `maxSeqLength`: -1 lets the component choose; otherwise 1 to the base model's context length (131072 for a model
 * outside the catalogue): a longer sequence than the model was built for cannot be trained on.
 */
function maxSeqLength(r: Reader, fallback: number, contextTokens = 131072): number {
  return r.orDefault("maxSeqLength", fallback, () => {
    const value = r.whole("maxSeqLength", -1, contextTokens);
    if (value === 0) r.fail("maxSeqLength", `-1 (the component's default) or a whole number from 1 to ${contextTokens}`);
    return value;
  });
}

/** `baseModel`: a catalogue name, a registry URI or a Hugging Face id; retired registry models are refused. */
function baseModel(r: Reader, raw: RawConfig): ResolvedModel {
  const value = raw.baseModel?.trim() ?? "";
  const retired = baseModelRetirement(value);
  const resolved = retired ? undefined : resolveBaseModel(value);
  if (!resolved) r.fail("baseModel", retired ? retirementMessage(retired) : BASE_MODEL_ALLOWED);
  return resolved ?? { label: value, source: { kind: "huggingface", id: value } };
}

/** The training settings: each explicit value, else the base model's default. */
function fineTuneSettings(r: Reader, defaults: FineTuneSettings, contextTokens?: number): FineTuneSettings {
  return {
    learningRate: r.orDefault("learningRate", defaults.learningRate, () => r.decimal("learningRate", 0, 1)),
    lrSchedulerType: r.orDefault("lrSchedulerType", defaults.lrSchedulerType, () => r.oneOf("lrSchedulerType", LR_SCHEDULER_TYPES)),
    epochs: r.orDefault("epochs", defaults.epochs, () => r.whole("epochs", 1, 100)),
    batchSize: r.orDefault("batchSize", defaults.batchSize, () => r.whole("batchSize", 1, 64)),
    gradientAccumulationSteps: r.orDefault("gradientAccumulationSteps", defaults.gradientAccumulationSteps, () => r.whole("gradientAccumulationSteps", 1, 128)),
    warmupSteps: r.orDefault("warmupSteps", defaults.warmupSteps, () => r.whole("warmupSteps", 0, 100000)),
    weightDecay: r.orDefault("weightDecay", defaults.weightDecay, () => r.decimal("weightDecay", 0, 1, true)),
    maxSeqLength: maxSeqLength(r, defaults.maxSeqLength, contextTokens),
    applyLora: r.orDefault("applyLora", defaults.applyLora, () => r.flag("applyLora")),
    applyDeepspeed: r.orDefault("applyDeepspeed", defaults.applyDeepspeed, () => r.flag("applyDeepspeed")),
    deepspeedStage: r.orDefault("deepspeedStage", defaults.deepspeedStage, () => r.oneOf("deepspeedStage", DEEPSPEED_STAGES)),
    precision: r.orDefault("precision", defaults.precision, () => r.oneOf("precision", PRECISIONS)),
    seed: r.orDefault("trainingSeed", defaults.seed, () => r.whole("trainingSeed", 0, 2147483647)),
  };
}

/** What a file setting may be: a file with this extension inside the project, or an absolute path elsewhere. */
function filePathAllowed(extension: string, example: string): string {
  return (
    `a ${extension} file inside the project (${PROJECT_ROOT}), as a relative path such as ${example} that does not ` +
    "leave it with '..', or an absolute path you choose for a file elsewhere"
  );
}

/**
 * A file setting: a relative path resolves inside the project, where Pulumi.yaml is; a relative path that would leave it
 * ('..') is refused, so that a typo cannot upload some other file; a file elsewhere takes an absolute path, which the
 * plan repeats. '~' is not a home directory to Pulumi, so it is refused too. Returns the problem, or undefined.
 */
function filePathProblem(value: string, extension: string, allowed: string): string | undefined {
  return !value.endsWith(extension)
    ? `${allowed}; this one does not end in ${extension}`
    : value.startsWith("~")
      ? `${allowed} ('~' is not expanded: write the absolute path)`
      : !path.isAbsolute(value) && outsideProject(value)
        ? `${allowed}; this one resolves to ${path.resolve(PROJECT_ROOT, value)}, outside the project`
        : undefined;
}

/** A data file, by {@link filePathProblem}'s rules. */
function dataPath(r: Reader, raw: RawConfig, key: "trainDataPath" | "validationDataPath"): string {
  const value = raw[key]?.trim() ?? "";
  const problem = filePathProblem(value, ".jsonl", filePathAllowed(".jsonl", "data/train_data.jsonl"));
  if (problem) r.fail(key, problem);
  return problem ? "" : value;
}

/**
 * `fineTuneConfigFile`: unset sends no config; otherwise a .json file by {@link filePathProblem}'s rules that exists and
 * has the shape the pipeline reads, read now so that a wrong file stops the stack before anything is created.
 */
function fineTuneConfigFile(r: Reader, raw: RawConfig): FinetuneConfigFile | undefined {
  const value = raw.fineTuneConfigFile?.trim() ?? "";
  if (value === "") return undefined;
  const allowed = `${filePathAllowed(".json", "config/finetune.json")}, holding a finetune config ${FINETUNE_CONFIG_SHAPE}`;
  const pathProblem = filePathProblem(value, ".json", allowed);
  const read = pathProblem ? { problem: pathProblem } : readFinetuneConfig(projectPath(value));
  if ("problem" in read) {
    r.fail("fineTuneConfigFile", pathProblem ?? `${allowed}; ${read.problem}`);
    return undefined;
  }
  return read;
}

/**
 * A whole number from `min` to `max`, where values above `max` are what a mandatory rule of the policy pack refuses:
 * the problem then says which rule and why (domain/limits.ts).
 */
function withinLimit(r: Reader, raw: RawConfig, key: ConfigKey, min: number, max: number, reason: string): number {
  const text = raw[key]?.trim() ?? "";
  if ((/^\d+$/.test(text) && Number(text) > max) || (min === max && text !== String(min))) {
    r.fail(key, `${min === max ? `${min}` : `a whole number from ${min} to ${max}`}: ${reason}`);
    return max;
  }
  return r.whole(key, min, max);
}

/** Most training steps `maxSteps` accepts: enough for a long run, and a typo of a few digits too many is caught. */
export const MAX_STEPS_LIMIT = 100_000;

/** `trainingNodes`: 1 to `trainingMaxNodes`, since the fine-tuning step cannot run on more nodes than the cluster has. */
function trainingNodes(r: Reader, raw: RawConfig, maxNodes: number, maxNodesValid: boolean): number {
  const text = raw.trainingNodes?.trim() ?? "";
  const nodes = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(nodes >= 1) || (maxNodesValid && nodes > maxNodes) || (!maxNodesValid && nodes > GPU_CLUSTER.maxNodes)) {
    const most = maxNodesValid ? `trainingMaxNodes (${maxNodes})` : `trainingMaxNodes (itself at most ${GPU_CLUSTER.maxNodes})`;
    r.fail("trainingNodes", `a whole number from 1 to ${most}: the fine-tuning step runs on that many of the cluster's nodes; raise trainingMaxNodes to train on more`);
    return 1;
  }
  return nodes;
}

/** `maxSteps`: unset (or "") trains the full epochs; else 1 to {@link MAX_STEPS_LIMIT} steps. */
function maxSteps(r: Reader, raw: RawConfig): number | undefined {
  const text = raw.maxSteps?.trim() ?? "";
  if (text === "") return undefined;
  const steps = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(steps >= 1 && steps <= MAX_STEPS_LIMIT)) {
    r.fail("maxSteps", `a whole number of training steps from 1 to ${MAX_STEPS_LIMIT}, or empty to train the full epochs (the component's max_steps -1)`);
    return undefined;
  }
  return steps;
}

/** `gpuPricesPerHour`: `Size=USD,...` over the price table. */
function priceOverrides(r: Reader, text: string): Record<string, number> {
  const parsed = parsePriceOverrides(text);
  if (typeof parsed === "string") {
    r.fail("gpuPricesPerHour", `Size=USD pairs separated by commas, such as Standard_NC4as_T4_v3=0.526 (${parsed})`);
    return {};
  }
  return parsed;
}

/** `budgetMonthlyUsd`, `alertEmails`, `idleAlertHours`: the first two both set, or neither. */
function costAlerts(r: Reader, raw: RawConfig): CostAlertSettings | undefined {
  const budgetText = raw.budgetMonthlyUsd?.trim() ?? "";
  const emailsText = raw.alertEmails?.trim() ?? "";
  const idleText = raw.idleAlertHours?.trim() ?? "";
  const idleAlertHours = (idleText === "" ? DEFAULT_IDLE_ALERT_HOURS : Number(idleText)) as IdleAlertHours;
  if (!/^\d*$/.test(idleText) || !(IDLE_ALERT_HOURS as readonly number[]).includes(idleAlertHours)) {
    r.fail("idleAlertHours", `one of ${IDLE_ALERT_HOURS.join(", ")}: the log search alert window sizes of an hour or more (PT1H to PT6H, P1D, P2D) Azure Monitor allows`);
  }
  if (budgetText === "" && emailsText === "") return undefined;

  const both = "(set both, or neither)";
  const monthlyBudgetUsd = /^\d*\.?\d+$/.test(budgetText) ? Number(budgetText) : NaN;
  if (budgetText === "") r.fail("budgetMonthlyUsd", `a monthly budget in USD greater than 0, such as 200; needed when alertEmails is set ${both}`);
  else if (!(monthlyBudgetUsd > 0)) r.fail("budgetMonthlyUsd", "a monthly budget in USD greater than 0, such as 200 or 149.50");

  const emails = emailsText.split(",").map((e) => e.trim());
  const wrong = emails.filter((e) => !EMAIL.test(e)).map((e) => JSON.stringify(e));
  const addresses = "email addresses separated by commas, such as ops@contoso.com,finance@contoso.com";
  if (emailsText === "") r.fail("alertEmails", `${addresses}; needed when budgetMonthlyUsd is set ${both}`);
  else if (wrong.length > 0) r.fail("alertEmails", `${addresses} (not an address: ${wrong.join(", ")})`);
  const distinct = emails.filter((e, i) => emails.findIndex((other) => other.toLowerCase() === e.toLowerCase()) === i);
  return { monthlyBudgetUsd, emails: distinct, idleAlertHours };
}

/**
 * Turns raw settings into a {@link StackConfig}, or throws one {@link ConfigError} listing every wrong key with
 * its value and what is allowed. Pure: the stack calls it before creating any resource.
 */
export function parseStackConfig(raw: RawConfig): StackConfig {
  const r = new Reader(raw);

  // What the policy pack's mandatory cluster rules refuse is refused here first (domain/limits.ts).
  const trainingMinNodes = withinLimit(r, raw, "trainingMinNodes", 0, GPU_CLUSTER.idleNodes, LIMIT_REASONS.idleNodes);
  const trainingMaxNodes = r.whole("trainingMaxNodes", 1, GPU_CLUSTER.maxNodes);
  const maxNodesValid = !r.problems.some((p) => p.key === "trainingMaxNodes");

  const model = baseModel(r, raw);
  const config: StackConfig = {
    location: r.text(LOCATION_KEY, REGION, "an Azure region name in lowercase, such as eastus2 or swedencentral"),
    namePrefix: r.text("namePrefix", /^[a-z0-9]{3,12}$/, "3 to 12 lowercase letters and digits"),
    resourceGroupName: r.optionalText("resourceGroupName", (v) =>
      v.length <= 90 && /^[-\w.()]*[-\w()]$/.test(v)
        ? undefined
        : "an existing resource group's name: 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'",
    ),
    production: r.flag("production"),
    keyVaultPurgeProtection: r.flag("keyVaultPurgeProtection"),
    quotaCheck: r.flag("quotaCheck"),
    training: {
      vmSize: r.gpuSize("trainingVmSize"),
      minNodes: trainingMinNodes,
      maxNodes: trainingMaxNodes,
      // Azure ML takes the idle time as a whole number of seconds.
      idleSeconds: withinLimit(r, raw, "trainingIdleSeconds", GPU_CLUSTER.minIdleSeconds, GPU_CLUSTER.maxIdleSeconds, LIMIT_REASONS.idleSeconds),
      identityScope: r.oneOf("trainingIdentityScope", TRAINING_IDENTITY_SCOPES),
      nodes: trainingNodes(r, raw, trainingMaxNodes, maxNodesValid),
      priority: r.oneOf("trainingPriority", TRAINING_PRIORITIES),
    },
    fineTune: {
      enabled: r.flag("fineTuneEnabled"),
      baseModel: model,
      run: r.optionalText("fineTuneRun", (v) => (/^[\w.-]{1,64}$/.test(v) ? undefined : "up to 64 letters, digits, '.', '-' or '_', such as 2")) ?? "",
      maxSteps: maxSteps(r, raw),
      registeredModelId: r.optionalText("registeredModelId", (v) =>
        MODEL_ID.test(v) ? undefined : "a model id: azureml:<name>:<version>, or azureml://registries/<registry>/models/<name>/versions/<version>",
      ),
      settings: fineTuneSettings(r, model.catalogue?.trainingDefaults ?? PIPELINE_DEFAULTS, model.catalogue?.contextTokens),
      timeoutMinutes: r.whole("fineTuneTimeoutMinutes", 10, 10080),
      trainDataPath: dataPath(r, raw, "trainDataPath"),
      validationDataPath: dataPath(r, raw, "validationDataPath"),
      configFile: fineTuneConfigFile(r, raw),
      minRecordsPerFile: r.whole("minRecordsPerFile", 1, 1_000_000),
    },
    serving: {
      enabled: r.flag("servingEnabled"),
      vmSize: r.gpuSize("servingVmSize"),
      instanceCount: r.whole("servingInstanceCount", 1, 20),
    },
    foundry: { enabled: r.flag("foundryEnabled"), aiServicesPublicNetworkAccess: r.flag("aiServicesPublicNetworkAccess") },
    ciGithubRepo: r.optionalText("ciGithubRepo", (v) =>
      GITHUB_REPO.test(v) ? undefined : "a GitHub repository as owner/repo, such as contoso/phi3-infra",
    ),
    ciDestroyPrincipalId: r.optionalText("ciDestroyPrincipalId", (v) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ? undefined : "an Entra ID object id (a GUID): the destroy workflow's service principal",
    ),
    gpuPricesPerHour: priceOverrides(r, raw.gpuPricesPerHour ?? ""),
    costAlerts: costAlerts(r, raw),
  };

  // Read again by the dynamic providers, which bound their Azure calls with them; checked here before anything is created.
  for (const { key, min, max } of azureLimitSettings()) if (raw[key as ConfigKey]?.trim()) r.whole(key as ConfigKey, min, max);

  const fineTuneSizes = config.fineTune.baseModel.catalogue?.fineTuneSizes;
  if (config.fineTune.enabled && fineTuneSizes && config.training.vmSize && !fineTuneSizes.includes(config.training.vmSize)) {
    r.fail("trainingVmSize", `a size ${config.fineTune.baseModel.label} can be fine-tuned on: ${fineTuneSizes.join(", ")}`);
  }

  if (config.production && !config.keyVaultPurgeProtection && !r.problems.some((p) => p.key === "keyVaultPurgeProtection")) {
    r.fail("keyVaultPurgeProtection", `true when production is true: ${LIMIT_REASONS.purgeProtection}`);
  }
  // The resourceGroup scope gives the training identity Contributor on the group.
  if (config.production && config.training.identityScope === "resourceGroup") {
    r.fail("trainingIdentityScope", `workspace when production is true: ${LIMIT_REASONS.noPrivilegedRoles}`);
  }

  const flagsValid = !r.problems.some((p) => p.key === "fineTuneEnabled" || p.key === "servingEnabled");
  const modelIdWrong = r.problems.some((p) => p.key === "registeredModelId");
  if (flagsValid && !modelIdWrong && !config.fineTune.enabled && config.serving.enabled && config.fineTune.registeredModelId === undefined) {
    r.fail("registeredModelId", "a registered model to serve (azureml:<name>:<version>) when fineTuneEnabled is false and servingEnabled is true");
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/**
 * Keys the stack would not read as meant: keys of the project's namespace that it does not have, with the key meant
 * where one is close, and keys of other namespaces that {@link namespaceKeyProblem} refuses (`phi3-fondry:`,
 * `azure-native:locaton`). The Pulumi CLI no longer refuses keys Pulumi.yaml does not declare (pulumi/pulumi
 * sdk/go/common/workspace/config.go, mergeConfig), so without this a typo in Pulumi.<stack>.yaml would be ignored
 * without a word.
 */
export function unknownKeyProblems(config: Readonly<Record<string, string>>): ConfigProblem[] {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const known = new Set<string>(CONFIG_KEYS);
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(config)) {
    const allowed = key.startsWith(prefix)
      ? known.has(key.slice(prefix.length))
        ? undefined
        : `not a setting of this project; ${didYouMean(key.slice(prefix.length), [...CONFIG_KEYS, LOCATION_KEY], "the settings are", {
            compareBy: (c) => c.slice(c.indexOf(":") + 1),
            all: CONFIG_KEYS,
          })}`
      : namespaceKeyProblem(key, { name: CONFIG_NAMESPACE, keys: CONFIG_KEYS });
    if (allowed !== undefined) problems.push({ key, value: undefined, unknown: true, allowed });
  }
  return problems;
}

/**
 * A stack's validated settings from its whole config (keys `namespace:key`), as `pulumi up` checks them: every unknown
 * key and every wrong value in one {@link ConfigError}, before anything is created.
 */
export function validStackConfig(config: Readonly<Record<string, string>>): StackConfig {
  const problems = unknownKeyProblems(config);
  let parsed: StackConfig | undefined;
  try {
    parsed = parseStackConfig(rawConfigFrom(config));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !parsed) throw new ConfigError(problems);
  return parsed;
}
