import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type { FamilyQuotaCheck, QuotaSource } from "../components/azure/quota";
import { authSettings, signInPrincipalType } from "../components/azure/rest/credential";
import { ChatFlow } from "../components/chatFlow";
import { CiIdentity } from "../components/ciIdentity";
import { CostAlerts } from "../components/costAlerts";
import { blobServiceId, Diagnostics, DiagnosticTarget, fileServiceId } from "../components/diagnostics";
import { Foundry } from "../components/foundry";
import { FineTuneJob } from "../components/fineTuneJob";
import { GpuCluster } from "../components/gpuCluster";
import { MlWorkspace } from "../components/mlWorkspace";
import { OnlineEndpoint } from "../components/onlineEndpoint";
import { TrainingData } from "../components/trainingData";
import { TrainingIdentity } from "../components/trainingIdentity";
import { gpuVmSize } from "../domain/catalogue/vmSizes";
import type { ChatDataFile } from "../domain/data/chatDataFile";
import type { AzureNamer } from "../domain/naming";
import { projectPath } from "../domain/paths";
import { StackConfig } from "./config";
import { PARK_COMMAND, RERUN_KEY } from "./configKeys";
import type { StackOutputs } from "./outputs";

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

// The stages of the stack, in the order deployStack runs them; each takes the results of the ones before it.

/** The validated training and validation files. */
export interface TrainingSet {
  readonly train: ChatDataFile;
  readonly validation: ChatDataFile;
}

/** Where the stack runs and what every stage shares: the signed-in client, the namer and the tags. */
export interface StackContext {
  readonly config: StackConfig;
  readonly env: StackEnvironment;
  readonly client: authorization.GetClientConfigResult;
  readonly namer: AzureNamer;
  readonly tags: Record<string, string>;
}

/** Stage 1: the workspace, the training identity and its roles, the GPU cluster, and the uploaded data. */
export interface Prepared {
  readonly ml: MlWorkspace;
  readonly identity: TrainingIdentity;
  readonly cluster: GpuCluster;
  /** The data assets; undefined when fine-tuning is off. */
  readonly assets?: TrainingData;
  readonly outputs: Pick<
    StackOutputs,
    | "location" | "subscriptionId" | "resourceGroupName" | "workspaceName" | "studioUrl"
    | "trainingIdentityId" | "trainingIdentityClientId" | "trainingIdentityPrincipalId" | "computeClusterName"
  >;
}

export function prepare({ config, client, namer, tags }: StackContext, data: TrainingSet | undefined): Prepared {
  const ml = new MlWorkspace("ml", {
    location: config.location,
    namer,
    tenantId: client.tenantId,
    subscriptionId: client.subscriptionId,
    existingResourceGroupName: config.resourceGroupName,
    keyVaultPurgeProtection: config.keyVaultPurgeProtection,
    tags,
  });
  const identity = new TrainingIdentity("training-identity", { workspace: ml, scope: config.training.identityScope, location: config.location, namer, tags });
  const cluster = new GpuCluster("gpu", {
    workspace: ml,
    location: config.location,
    namer,
    vmSize: config.training.vmSize,
    minNodes: config.training.minNodes,
    maxNodes: config.training.maxNodes,
    idleSeconds: config.training.idleSeconds,
    priority: config.training.priority,
    identity,
    tags,
  });
  const configFile = config.fineTune.configFile;
  const assets = data
    ? new TrainingData("data", {
        workspace: ml,
        train: { file: data.train, assetName: "phi3-train" },
        validation: { file: data.validation, assetName: "phi3-validation" },
        finetuneConfig: configFile ? { file: configFile, assetName: "phi3-finetune-config" } : undefined,
      })
    : undefined;
  return {
    ml,
    identity,
    cluster,
    assets,
    outputs: {
      location: config.location,
      subscriptionId: client.subscriptionId,
      resourceGroupName: ml.resourceGroupName,
      workspaceName: ml.workspaceName,
      studioUrl: ml.studioUrl,
      trainingIdentityId: identity.id,
      trainingIdentityClientId: identity.clientId,
      trainingIdentityPrincipalId: identity.principalId,
      computeClusterName: cluster.name,
    },
  };
}

/** Stage 2's training half: the model to serve, and the job that made it when there is one. */
export interface Trained {
  readonly modelId: pulumi.Output<string>;
  readonly jobOutputs: Pick<StackOutputs, "fineTuneJobName" | "fineTuneJobStudioUrl">;
}

/** Runs the fine-tuning job on the uploaded data and registers its model; without data, serves `registeredModelId`. */
export function train({ config, tags }: StackContext, { ml, identity, cluster, assets }: Prepared): Trained {
  if (!assets) return { modelId: modelAssetId(config.fineTune.registeredModelId ?? "", ml.workspaceId), jobOutputs: {} };
  const job = new FineTuneJob("finetune", {
    workspace: ml,
    baseModel: config.fineTune.baseModel,
    run: config.fineTune.run,
    rerunKey: RERUN_KEY,
    trainAssetId: assets.trainAssetId,
    validationAssetId: assets.validationAssetId,
    finetuneConfigAssetId: assets.finetuneConfigAssetId,
    cluster,
    gpusPerNode: trainingGpus(config),
    nodes: config.training.nodes,
    maxSteps: config.fineTune.maxSteps,
    identity,
    settings: config.fineTune.settings,
    timeoutMinutes: config.fineTune.timeoutMinutes,
    tags,
  });
  return { modelId: job.modelId, jobOutputs: { fineTuneJobName: job.jobName, fineTuneJobStudioUrl: job.studioUrl } };
}

/** GPUs per node of the training VM size; the config has already refused a size the catalogue does not know. */
function trainingGpus(config: StackConfig): number {
  const size = gpuVmSize(config.training.vmSize);
  if (!size) throw new Error(`trainingVmSize is '${config.training.vmSize}'; allowed: a GPU VM size of the catalogue (domain/catalogue/vmSizes.ts)`);
  return size.gpus;
}

/** Stage 2's serving half: the endpoint and, unless parked, its GPU deployment. */
export interface Served {
  readonly serving: OnlineEndpoint;
  readonly outputs: Pick<StackOutputs, "endpointName" | "scoringUri" | "endpointKey" | "deploymentName">;
}

export function serve({ config, namer, tags }: StackContext, { ml, identity }: Prepared, { modelId }: Trained): Served {
  const serving = new OnlineEndpoint("serving", {
    workspace: ml,
    location: config.location,
    namer,
    identity,
    // Parked: no deployment and no traffic; the endpoint (free without deployments), model and data stay.
    deployment: config.serving.enabled ? { modelId, vmSize: config.serving.vmSize, instanceCount: config.serving.instanceCount } : undefined,
    tags,
  });
  const outputs = { endpointName: serving.endpointName, scoringUri: serving.scoringUri, endpointKey: serving.primaryKey };
  return { serving, outputs: serving.deploymentName ? { ...outputs, deploymentName: serving.deploymentName } : outputs };
}

/**
 * Stage 3: the Foundry hub and project with the Custom keys connection to the endpoint, the stack's resource logs (once
 * Foundry's resources, the last that keep logs, exist), and the chat flow.
 */
export interface Integrated {
  readonly outputs: Pick<StackOutputs, "hubName" | "projectName" | "projectUrl" | "connectionName" | "flowId" | "flowName" | "flowPortalUrl">;
}

/** Needs nothing from training or serving but the endpoint its connection points at. */
export function integrate(context: StackContext, { ml }: Prepared, { serving }: Served): Integrated {
  const { config, tags } = context;
  const foundry = config.foundry.enabled ? foundryFor(context, ml, serving) : undefined;
  // Every resource that keeps resource logs sends them to the stack's Log Analytics workspace.
  new Diagnostics("diagnostics", { logAnalyticsWorkspaceId: ml.logAnalyticsWorkspaceId, targets: diagnosticTargets(ml, serving, foundry) });
  if (!foundry) return { outputs: {} };
  const connection = foundry.endpointConnection;
  if (!connection) throw new Error("Foundry: the project has no Custom keys connection, though the stack gave it the endpoint");

  // The chat flow goes into the project once its connection exists. It costs nothing, so parking serving keeps it (with
  // a user's studio edits and its id): while parked its tool answers that serving is parked and how to unpark.
  const chatFlow = new ChatFlow("chat-flow", { project: foundry, directory: projectPath(FLOW_DIRECTORY), tags });
  return {
    outputs: {
      hubName: foundry.hubName,
      projectName: foundry.projectName,
      projectUrl: foundry.projectUrl,
      connectionName: connection.created,
      flowId: chatFlow.flowId,
      flowName: chatFlow.flowName,
      flowPortalUrl: chatFlow.portalUrl,
    },
  };
}

/** The hub, the project and its connection to the endpoint. */
function foundryFor({ config, client, namer, tags }: StackContext, ml: MlWorkspace, serving: OnlineEndpoint): Foundry {
  return new Foundry("foundry", {
    workspace: ml,
    location: config.location,
    tenantId: client.tenantId,
    subscriptionId: client.subscriptionId,
    namer,
    endpoint: serving,
    keyVaultPurgeProtection: config.keyVaultPurgeProtection,
    aiServicesPublicNetworkAccess: config.foundry.aiServicesPublicNetworkAccess,
    // The chat flow's files go to the project's share with the deployer's token.
    deployer: {
      objectId: client.objectId,
      principalType: signInPrincipalType(authSettings((key) => pulumi.runtime.getConfig(`azure-native:${key}`))),
    },
    tags,
  });
}

/** Stage 4: who watches the stack from outside: the identity pull request previews read it with, and its cost. */
export interface Observed {
  readonly outputs: Pick<StackOutputs, "ciClientId" | "ciTenantId" | "budgetName" | "idleAlertName">;
}

export function observe({ config, env, client, namer, tags }: StackContext, { ml }: Prepared, { serving }: Served): Observed {
  const ci = config.ciGithubRepo
    ? new CiIdentity("ci", {
        githubRepo: config.ciGithubRepo,
        resourceGroup: ml.scope("resourceGroup"),
        displayName: `${config.namePrefix}-${env.stack}`,
        // Whoever runs `pulumi up`, and the destroy workflow's identity, so that destroy can delete the Entra objects.
        ownerObjectIds: [client.objectId, ...(config.ciDestroyPrincipalId ? [config.ciDestroyPrincipalId] : [])],
      })
    : undefined;

  // Cost a user can see and stop: a budget on the resource group and, while a deployment bills, an idle alarm on it.
  const cost = config.costAlerts
    ? new CostAlerts("cost", {
        workspace: ml,
        namer,
        shortName: config.namePrefix,
        monthlyBudget: config.costAlerts.monthlyBudgetUsd,
        emails: config.costAlerts.emails,
        // The deployment's traffic log, which the endpoint's diagnostic setting sends to the stack's workspace; parked,
        // there is no deployment to watch.
        idleAlarm: {
          endpoint: serving,
          location: config.location,
          hours: config.costAlerts.idleAlertHours,
          vmSize: config.serving.vmSize,
          parkCommand: PARK_COMMAND,
        },
        tags,
      })
    : undefined;

  const ciOutputs = ci ? { ciClientId: ci.clientId, ciTenantId: ci.tenantId } : {};
  const costOutputs = cost ? { budgetName: cost.budgetName, ...(cost.idleAlertName ? { idleAlertName: cost.idleAlertName } : {}) } : {};
  return { outputs: { ...ciOutputs, ...costOutputs } };
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

/** The chat flow, relative to the project root. */
export const FLOW_DIRECTORY = "flows/phi3-chat";

/** An `azureml:<name>:<version>` model id as the ARM id a deployment takes; registry and ARM ids stay as they are. */
export function modelAssetId(id: string, workspaceId: pulumi.Input<string>): pulumi.Output<string> {
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(id);
  return short ? pulumi.interpolate`${workspaceId}/models/${short[1]}/versions/${short[2]}` : pulumi.output(id);
}

