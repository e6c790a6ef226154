import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as random from "@pulumi/random";
import { authSettings, signInPrincipalType } from "../components/azure/rest/credential";
import { checkQuota, FamilyQuotaCheck, QuotaDemand, QuotaSource } from "../components/azure/quota";
import { ChatFlow } from "../components/chatFlow";
import { CiIdentity } from "../components/ciIdentity";
import { blobServiceId, Diagnostics, DiagnosticTarget, fileServiceId } from "../components/diagnostics";
import { CostAlerts } from "../components/costAlerts";
import { DEFAULT_CONNECTION_NAME, Foundry } from "../components/foundry";
import { GpuCluster } from "../components/gpuCluster";
import { MlWorkspace } from "../components/mlWorkspace";
import { OnlineEndpoint } from "../components/onlineEndpoint";
import { FINETUNE_CONFIG_REQUIRED, FineTuneJob } from "../components/fineTuneJob";
import { TrainingData } from "../components/trainingData";
import { TrainingIdentity } from "../components/trainingIdentity";
import type { ChatDataFile } from "../domain/data/chatData";
import { PARK_COMMAND, RERUN_KEY, StackConfig } from "./config";
import { PRODUCTION_TAG } from "../domain/limits";
import { createNamer, namePattern, SUFFIX_LENGTH } from "../domain/naming";
import type { StackOutputs } from "./outputs";
import { PROJECT_ROOT, projectPath } from "../domain/paths";
import { validateTrainingSet } from "../domain/data/trainingSet";
import { gpuVmSize } from "../domain/catalogue/vmSizes";

/** What the stack takes from where it runs: the real cloud under `pulumi up`, stand-ins in the plan and tests. */
export interface StackEnvironment {
  /** The Pulumi stack name. */
  readonly stack: string;
  /** Quota facts for a subscription. */
  readonly quotaSource: (subscriptionId: string) => QuotaSource;
  /** Says something a person should know before `up`; `pulumi.log.warn` by default. */
  readonly warn?: (message: string) => void;
  /** Told the quota of each family the stack needs, once the check has passed. */
  readonly onQuotaChecked?: (checks: FamilyQuotaCheck[]) => void;
}

/** Managed online endpoints reserve 20% extra instances for upgrades (Azure ML "Manage quotas" docs). */
export const ONLINE_ENDPOINT_RESERVE = 0.2;

/** The vCPUs the stack will run, by purpose: the training cluster at full scale and the online deployment. */
export function quotaDemands(config: StackConfig): QuotaDemand[] {
  const demands: QuotaDemand[] = [];
  if (config.fineTune.enabled) {
    // The cluster's most nodes: the fine-tune's trainingNodes are at most that, and the pipeline's other steps share them.
    demands.push({
      purpose: "training cluster",
      key: "trainingVmSize",
      vmSize: config.training.vmSize,
      instances: config.training.maxNodes,
      priority: config.training.priority,
    });
  }
  if (config.serving.enabled) {
    demands.push({
      purpose: "online deployment",
      key: "servingVmSize",
      vmSize: config.serving.vmSize,
      instances: config.serving.instanceCount,
      reserve: ONLINE_ENDPOINT_RESERVE,
    });
  }
  return demands;
}

/** Fewer training records than this is a sample, not a fine-tuning set: the stack says so. */
export const SMALL_TRAINING_SET = 100;

/** The validated training and validation files; throws a DataError naming setting, file and line of each problem. */
function readTrainingData(config: StackConfig, warn: (message: string) => void): { train: ChatDataFile; validation: ChatDataFile } {
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
  const namer = createNamer(config.namePrefix, env.stack, suffix.result);
  const tags: Record<string, string> = {
    project: "phi3-foundry",
    stack: env.stack,
    "managed-by": "pulumi",
    // Only on production stacks: the policy pack holds tagged resources to its production rules.
    ...(config.production ? { [PRODUCTION_TAG.key]: PRODUCTION_TAG.value } : {}),
  };

  const ml = new MlWorkspace("ml", {
    location: config.location,
    namer,
    tenantId: client.tenantId,
    existingResourceGroupName: config.resourceGroupName,
    keyVaultPurgeProtection: config.keyVaultPurgeProtection,
    tags,
  });

  const identity = new TrainingIdentity("training-identity", {
    resourceGroupName: ml.resourceGroupName,
    resourceGroupId: ml.resourceGroupId,
    scope: config.training.identityScope,
    workspaceId: ml.workspaceId,
    location: config.location,
    identityName: namer("managedIdentity"),
    storageAccountId: ml.storageAccountId,
    containerRegistryId: ml.containerRegistryId,
    subscriptionId: client.subscriptionId,
    tags,
  });

  const cluster = new GpuCluster("gpu", {
    resourceGroupName: ml.resourceGroupName,
    workspaceName: ml.workspaceName,
    location: config.location,
    computeName: namer("computeCluster"),
    vmSize: config.training.vmSize,
    minNodes: config.training.minNodes,
    maxNodes: config.training.maxNodes,
    idleSeconds: config.training.idleSeconds,
    priority: config.training.priority,
    identityId: identity.id,
    tags,
  });

  const model = data
    ? fineTune(config, data, { ml, identity, cluster, subscriptionId: client.subscriptionId, tags })
    : { modelId: modelAssetId(config.fineTune.registeredModelId ?? "", ml.workspaceId), jobName: undefined, jobStudioUrl: undefined };

  const serving = new OnlineEndpoint("serving", {
    subscriptionId: client.subscriptionId,
    resourceGroupName: ml.resourceGroupName,
    workspaceName: ml.workspaceName,
    location: config.location,
    endpointName: namer("onlineEndpoint"),
    identityId: identity.id,
    // Parked: no deployment and no traffic; the endpoint (free without deployments), model and data stay.
    deployment: config.serving.enabled
      ? {
          modelId: model.modelId,
          vmSize: config.serving.vmSize,
          instanceCount: config.serving.instanceCount,
          waitFor: identity.roleAssignments,
        }
      : undefined,
    tags,
  });

  // Stage 3 needs nothing from training or serving but the endpoint its connection points at.
  const foundry = config.foundry.enabled
    ? new Foundry("foundry", {
        resourceGroupName: ml.resourceGroupName,
        location: config.location,
        tenantId: client.tenantId,
        subscriptionId: client.subscriptionId,
        namer,
        endpoint: { scoringUri: serving.scoringUri, key: serving.primaryKey },
        keyVaultPurgeProtection: config.keyVaultPurgeProtection,
        aiServicesPublicNetworkAccess: config.foundry.aiServicesPublicNetworkAccess,
        // The chat flow's files go to the project's share with the deployer's token.
        deployer: {
          objectId: client.objectId,
          principalType: signInPrincipalType(authSettings((key) => pulumi.runtime.getConfig(`azure-native:${key}`))),
        },
        tags,
      })
    : undefined;

  // Every resource that keeps resource logs sends them to the stack's Log Analytics workspace.
  new Diagnostics("diagnostics", { logAnalyticsWorkspaceId: ml.logAnalyticsWorkspaceId, targets: diagnosticTargets(ml, serving, foundry) });

  // The chat flow goes into the project once its connection exists. It costs nothing, so parking serving keeps it (with
  // a user's studio edits and its id): while parked its tool answers that serving is parked and how to unpark.
  const chatFlow = foundry
    ? new ChatFlow("chat-flow", {
        subscriptionId: client.subscriptionId,
        resourceGroupName: ml.resourceGroupName,
        projectName: foundry.projectName,
        connectionName: DEFAULT_CONNECTION_NAME,
        connection: foundry.connectionName!,
        directory: projectPath(FLOW_DIRECTORY),
        fileAccess: foundry.flowFileAccess ? [foundry.flowFileAccess] : [],
        tags,
      })
    : undefined;

  const ci = config.ciGithubRepo
    ? new CiIdentity("ci", {
        githubRepo: config.ciGithubRepo,
        resourceGroupId: ml.resourceGroupId,
        subscriptionId: client.subscriptionId,
        displayName: `${config.namePrefix}-${env.stack}`,
        // Whoever runs `pulumi up`, and the destroy workflow's identity, so that destroy can delete the Entra objects.
        ownerObjectIds: [client.objectId, ...(config.ciDestroyPrincipalId ? [config.ciDestroyPrincipalId] : [])],
      })
    : undefined;

  // Cost a user can see and stop: a budget on the resource group and, while a deployment bills, an idle alarm on it.
  const cost = config.costAlerts
    ? new CostAlerts("cost", {
        resourceGroupName: ml.resourceGroupName,
        resourceGroupId: ml.resourceGroupId,
        namer,
        shortName: config.namePrefix,
        monthlyBudget: config.costAlerts.monthlyBudgetUsd,
        emails: config.costAlerts.emails,
        // The deployment's traffic log, which the endpoint's diagnostic setting sends to the stack's workspace.
        idleAlarm: serving.deploymentName
          ? {
              endpointName: serving.endpointName,
              deploymentName: serving.deploymentName,
              logAnalyticsWorkspaceId: ml.logAnalyticsWorkspaceId,
              location: config.location,
              hours: config.costAlerts.idleAlertHours,
              vmSize: config.serving.vmSize,
              parkCommand: PARK_COMMAND,
            }
          : undefined,
        tags,
      })
    : undefined;

  return {
    location: config.location,
    subscriptionId: client.subscriptionId,
    resourceGroupName: ml.resourceGroupName,
    workspaceName: ml.workspaceName,
    studioUrl: ml.studioUrl,
    trainingIdentityId: identity.id,
    trainingIdentityClientId: identity.clientId,
    trainingIdentityPrincipalId: identity.principalId,
    computeClusterName: cluster.name,
    modelId: model.modelId,
    endpointName: serving.endpointName,
    scoringUri: serving.scoringUri,
    endpointKey: serving.primaryKey,
    ...(serving.deploymentName ? { deploymentName: serving.deploymentName } : {}),
    ...(foundry ? foundryOutputs(foundry) : {}),
    ...(chatFlow ? { flowId: chatFlow.flowId, flowName: chatFlow.flowName, flowPortalUrl: chatFlow.portalUrl } : {}),
    ...(ci ? { ciClientId: ci.clientId, ciTenantId: ci.tenantId } : {}),
    ...(cost ? { budgetName: cost.budgetName, ...(cost.idleAlertName ? { idleAlertName: cost.idleAlertName } : {}) } : {}),
    // Only when there is a job: Pulumi warns about undefined stack outputs.
    ...(model.jobName && model.jobStudioUrl ? { fineTuneJobName: model.jobName, fineTuneJobStudioUrl: model.jobStudioUrl } : {}),
  };
}

/** The resources whose logs go to Log Analytics: the workspace and its stores, the endpoint, and Foundry's when it exists. */
function diagnosticTargets(ml: MlWorkspace, serving: OnlineEndpoint, foundry: Foundry | undefined): DiagnosticTarget[] {
  const targets: DiagnosticTarget[] = [
    { name: "workspace", type: "Microsoft.MachineLearningServices/workspaces", resourceUri: ml.workspaceId },
    { name: "keyvault", type: "Microsoft.KeyVault/vaults", resourceUri: ml.keyVaultId },
    { name: "storage-blobs", type: "Microsoft.Storage/storageAccounts/blobServices", resourceUri: blobServiceId(ml.storageAccountId) },
    { name: "registry", type: "Microsoft.ContainerRegistry/registries", resourceUri: ml.containerRegistryId },
    { name: "endpoint", type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", resourceUri: serving.endpointId },
  ];
  if (foundry) {
    targets.push(
      { name: "hub", type: "Microsoft.MachineLearningServices/workspaces", resourceUri: foundry.hubId },
      { name: "project", type: "Microsoft.MachineLearningServices/workspaces", resourceUri: foundry.projectId },
      { name: "hub-keyvault", type: "Microsoft.KeyVault/vaults", resourceUri: foundry.hubKeyVaultId },
      { name: "hub-storage-blobs", type: "Microsoft.Storage/storageAccounts/blobServices", resourceUri: blobServiceId(foundry.hubStorageAccountId) },
      // The project's file share, where the chat flow's files are written with the deployer's token.
      { name: "hub-storage-files", type: "Microsoft.Storage/storageAccounts/fileServices", resourceUri: fileServiceId(foundry.hubStorageAccountId) },
      { name: "ai-services", type: "Microsoft.CognitiveServices/accounts", resourceUri: foundry.aiServicesId },
    );
  }
  return targets;
}

/** The outputs that find the project and its connection. */
function foundryOutputs(foundry: Foundry) {
  return {
    hubName: foundry.hubName,
    projectName: foundry.projectName,
    projectUrl: foundry.projectUrl,
    connectionName: foundry.connectionName!,
  };
}

/** The chat flow, relative to the project root. */
export const FLOW_DIRECTORY = "flows/phi3-chat";

/** An `azureml:<name>:<version>` model id as the ARM id a deployment takes; registry and ARM ids stay as they are. */
export function modelAssetId(id: string, workspaceId: pulumi.Input<string>): pulumi.Output<string> {
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(id);
  return short ? pulumi.interpolate`${workspaceId}/models/${short[1]}/versions/${short[2]}` : pulumi.output(id);
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

/** Stage 2's training half: upload and register the data, run the fine-tuning job, register its model. */
function fineTune(
  config: StackConfig,
  data: { train: ChatDataFile; validation: ChatDataFile },
  deps: { ml: MlWorkspace; identity: TrainingIdentity; cluster: GpuCluster; subscriptionId: string; tags: Record<string, string> },
) {
  const { ml, identity, cluster } = deps;
  const configFile = config.fineTune.configFile;
  const assets = new TrainingData("data", {
    resourceGroupName: ml.resourceGroupName,
    storageAccountName: ml.storageAccountName,
    workspaceName: ml.workspaceName,
    train: { file: data.train, assetName: "phi3-train" },
    validation: { file: data.validation, assetName: "phi3-validation" },
    finetuneConfig: configFile ? { file: configFile, assetName: "phi3-finetune-config" } : undefined,
  });
  const job = new FineTuneJob("finetune", {
    resourceGroupName: ml.resourceGroupName,
    workspaceName: ml.workspaceName,
    subscriptionId: deps.subscriptionId,
    baseModel: config.fineTune.baseModel,
    run: config.fineTune.run,
    rerunKey: RERUN_KEY,
    trainAssetId: assets.trainAssetId,
    validationAssetId: assets.validationAssetId,
    finetuneConfigAssetId: assets.finetuneConfigAssetId,
    computeName: cluster.name,
    computeId: cluster.id,
    gpusPerNode: gpuVmSize(config.training.vmSize)!.gpus,
    nodes: config.training.nodes,
    maxSteps: config.fineTune.maxSteps,
    identityId: identity.id,
    identityClientId: identity.clientId,
    settings: config.fineTune.settings,
    timeoutMinutes: config.fineTune.timeoutMinutes,
    tags: deps.tags,
    // The job reads data and pulls images as the identity: its roles must exist first.
    dependsOn: identity.roleAssignments,
  });
  return { modelId: job.modelId, jobName: job.jobName, jobStudioUrl: job.studioUrl };
}
