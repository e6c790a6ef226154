/**
 * The project's config keys, as Pulumi.yaml declares them, and the raw settings keyed by them: the strings
 * parseStackConfig (./config.ts) turns into a StackConfig. Reading them from Pulumi's runtime is ./pulumiConfig.ts, so
 * that the commands that only check settings (`npm run preflight`) load no Pulumi SDK.
 */

/** The project's config namespace: keys are written `phi3-foundry:<key>`. */
export const CONFIG_NAMESPACE = "phi3-foundry";
/** The provider key that holds the Azure region; read by the stack as its location. */
export const LOCATION_KEY = "azure-native:location";
/** The command that parks serving: no GPU deployment, nothing else lost. */
export const PARK_COMMAND = "pulumi config set servingEnabled false && pulumi up";
/** The config key a user bumps to run an unchanged fine-tuning job again. */
export const RERUN_KEY = "phi3-foundry:fineTuneRun";

/** Every project key the stack reads. Pulumi.yaml declares each with a type, description and default. */
export const CONFIG_KEYS = [
  "namePrefix",
  "resourceGroupName",
  "production",
  "keyVaultPurgeProtection",
  "quotaCheck",
  "trainingVmSize",
  "trainingMinNodes",
  "trainingMaxNodes",
  "trainingIdleSeconds",
  "trainingIdentityScope",
  "trainingNodes",
  "trainingPriority",
  "fineTuneEnabled",
  "baseModel",
  "fineTuneRun",
  "maxSteps",
  "registeredModelId",
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
  "fineTuneTimeoutMinutes",
  "trainDataPath",
  "validationDataPath",
  "fineTuneConfigFile",
  "minRecordsPerFile",
  "servingEnabled",
  "servingVmSize",
  "servingInstanceCount",
  "foundryEnabled",
  "aiServicesPublicNetworkAccess",
  "ciGithubRepo",
  "ciDestroyPrincipalId",
  "gpuPricesPerHour",
  "budgetMonthlyUsd",
  "alertEmails",
  "idleAlertHours",
  "azureRequestTimeoutSeconds",
  "azureMaxPolls",
  "azureMaxPages",
] as const;

export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Raw settings as Pulumi hands them over: strings, keyed by project key (or `namespace:key`). */
export type RawConfig = Readonly<Partial<Record<ConfigKey | typeof LOCATION_KEY, string>>>;

/** A key with its namespace: project keys get `phi3-foundry:`. */
export function qualifiedKey(key: string): string {
  return key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
}

/** Raw settings from config keyed `namespace:key`, as a stack's config files give them. */
export function rawConfigFrom(config: Readonly<Record<string, string>>): RawConfig {
  const raw: Partial<Record<ConfigKey | typeof LOCATION_KEY, string>> = {};
  for (const key of CONFIG_KEYS) raw[key] = config[`${CONFIG_NAMESPACE}:${key}`];
  raw[LOCATION_KEY] = config[LOCATION_KEY];
  return raw;
}
