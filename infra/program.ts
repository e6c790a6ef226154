import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as random from "@pulumi/random";
import { checkQuota } from "../components/azure/quota";
import { FINETUNE_CONFIG_REQUIRED } from "../components/fineTuneJob";
import { gpuVmSize } from "../domain/catalogue/vmSizes";
import { validateTrainingSet } from "../domain/data/trainingSet";
import { PRODUCTION_TAG } from "../domain/limits";
import { azureName, AzureNamer, namePattern, SUFFIX_LENGTH } from "../domain/naming";
import { PROJECT_ROOT, projectPath } from "../domain/paths";
import type { StackConfig } from "./config";
import type { StackOutputs } from "./outputs";
import { quotaDemands } from "./quotaDemands";
import { integrate, observe, prepare, serve, StackContext, StackEnvironment, train, TrainingSet } from "./stages";

export { FLOW_DIRECTORY, modelAssetId } from "./stages";
export type { StackEnvironment } from "./stages";

/** A namer whose suffix is an output (the stack's `random.RandomString`), so names resolve once it exists. */
export function createNamer(prefix: string, stack: string, suffix: pulumi.Input<string>): AzureNamer {
  return (kind) => pulumi.output(suffix).apply((s) => azureName(kind, { prefix, stack, suffix: s }));
}

/** Fewer training records than this is a sample, not a fine-tuning set: the stack says so. */
export const SMALL_TRAINING_SET = 100;

/** The validated training and validation files; throws a DataError naming setting, file and line of each problem. */
function readTrainingData(config: StackConfig, warn: (message: string) => void): TrainingSet {
  const ref = (key: "trainDataPath" | "validationDataPath") => {
    const file = projectPath(config.fineTune[key]);
    return { path: file, name: path.relative(PROJECT_ROOT, file), key };
  };
  const model = config.fineTune.baseModel.catalogue;
  const { train, validation, warnings } = validateTrainingSet(ref("trainDataPath"), ref("validationDataPath"), {
    minRecordsPerFile: config.fineTune.minRecordsPerFile,
    minRecordsSetting: "minRecordsPerFile",
    context: model ? { model: model.name, tokens: model.contextTokens } : undefined,
  });
  warnings.forEach((warning) => warn(warning));
  // A run cut short with maxSteps (the canary) is a trial by choice: its sample is not a mistake.
  if (train.records < SMALL_TRAINING_SET && config.fineTune.maxSteps === undefined) {
    warn(
      `${config.fineTune.trainDataPath} holds ${train.records} records, a sample: run \`npm run prepare-data\` ` +
        "for 1% of ultrachat_200k before fine-tuning for real.",
    );
  }
  return { train, validation };
}

/** The whole stack. Everything that can fail without the cloud (config, quota) fails before any resource exists. */
export async function deployStack(config: StackConfig, env: StackEnvironment): Promise<StackOutputs> {
  const warn = env.warn ?? ((message: string) => pulumi.log.warn(message));
  warnAboutServingSize(config, warn);
  const data = config.fineTune.enabled ? readTrainingData(config, warn) : undefined;
  if (data) warnAboutFinetuneConfig(config, warn);
  const client = await authorization.getClientConfig();
  if (config.quotaCheck) {
    const ownWorkspace = namePattern("mlWorkspace", config.namePrefix, env.stack);
    const checks = await checkQuota(env.quotaSource(client.subscriptionId), config.location, quotaDemands(config), (ws) =>
      ownWorkspace.test(ws),
    );
    env.onQuotaChecked?.(checks);
  }

  // Kept in state: a destroy and a new `up` get new names, clear of Azure's soft-deleted ones.
  const suffix = new random.RandomString("name-suffix", { length: SUFFIX_LENGTH, special: false, upper: false, numeric: true });
  const context: StackContext = {
    config,
    env,
    client,
    namer: createNamer(config.namePrefix, env.stack, suffix.result),
    tags: {
      project: "phi3-foundry",
      stack: env.stack,
      "managed-by": "pulumi",
      // Only on production stacks: the policy pack holds tagged resources to its production rules.
      ...(config.production ? { [PRODUCTION_TAG.key]: PRODUCTION_TAG.value } : {}),
    },
  };

  const prepared = prepare(context, data);
  const trained = train(context, prepared);
  const served = serve(context, prepared, trained);
  const integrated = integrate(context, prepared, served);
  const observed = observe(context, prepared, served);
  return {
    ...prepared.outputs,
    modelId: trained.modelId,
    ...served.outputs,
    ...integrated.outputs,
    ...observed.outputs,
    // Last, and only when there is a job: Pulumi warns about undefined stack outputs.
    ...trained.jobOutputs,
  };
}

/** A serving size below the base model's inference minimum (its registry spec's inferenceMinSkuSpec) is allowed, with a warning. */
function warnAboutServingSize(config: StackConfig, warn: (message: string) => void): void {
  const minimum = config.fineTune.baseModel.catalogue?.inferenceMinimum;
  const size = gpuVmSize(config.serving.vmSize);
  if (!config.serving.enabled || !minimum || !size) return;
  if (size.vCPUs < minimum.vCPUs || size.gpus < minimum.gpus || size.memoryGB < minimum.memoryGB) {
    warn(
      `servingVmSize ${size.name} (${size.vCPUs} vCPUs, ${size.gpus} GPU, ${size.memoryGB} GB) is below ${config.fineTune.baseModel.label}'s ` +
        `inference minimum (${minimum.vCPUs} vCPUs, ${minimum.gpus} GPU, ${minimum.memoryGB} GB); the deployment may fail to load the model.`,
    );
  }
}

/**
 * A Hugging Face model without `fineTuneConfigFile`: the pipeline's spec calls the config required there, and no public
 * source states one for Phi-3 (README, "Not yet proven"), so the stack sends none and says so.
 */
function warnAboutFinetuneConfig(config: StackConfig, warn: (message: string) => void): void {
  const model = config.fineTune.baseModel;
  if (model.source.kind !== "huggingface" || config.fineTune.configFile) return;
  warn(
    `baseModel ${model.label} comes from Hugging Face (huggingface_id ${model.source.id}) and fineTuneConfigFile is not set, ` +
      `so the job has no finetune_config_path; chat_completion_pipeline's spec says of it: "${FINETUNE_CONFIG_REQUIRED}". ` +
      "Whether the job trains without one is proven only by a live run (the canary stack); set fineTuneConfigFile to send one.",
  );
}
