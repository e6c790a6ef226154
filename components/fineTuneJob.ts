import * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import {
  BaseModelSource,
  CHAT_COMPLETION_TASK,
  DEEPSPEED_STAGES,
  FineTuneSettings,
  LR_SCHEDULER_TYPES,
  PRECISIONS,
} from "../domain/catalogue/fineTuneSettings";
import { withDefaults } from "../domain/defaults";
import type { ClusterHandle } from "./gpuCluster";
import type { WorkspaceHandle } from "./mlWorkspace";
import type { IdentityHandle } from "./trainingIdentity";
import type { JobInput, PipelineJobProperties } from "./azure/rest/machineLearning";
import { pipelineJobName } from "./azure/providers/pipelineJob";
import { JobCompletion, PipelineJob } from "./azure/providers/resources";

/**
 * The azureml registry's chat-completion fine-tuning pipeline, pinned. Its inputs and outputs are those of
 * Azure/azureml-assets assets/training/finetune_acft_hf_nlp/components/pipeline_components/chat_completion/spec.yaml.
 */
export const CHAT_COMPLETION_PIPELINE = "azureml://registries/azureml/components/chat_completion_pipeline/versions/0.0.82";

/**
 * What the pipeline's spec says of its `finetune_config_path` input, word for word: the stack quotes it when it fine-tunes
 * a Hugging Face model without a finetune config.
 */
export const FINETUNE_CONFIG_REQUIRED =
  "Required when finetuning a raw Hugging Face model (huggingface_id) that does not bundle a finetune config";

/** The pipeline's MLflow model output (the parent job binds it to {@link TRAINED_MODEL_OUTPUT}). */
export const COMPONENT_MODEL_OUTPUT = "mlflow_model_folder";

/**
 * Inputs every catalogue model's `model_specific_defaults` sets to the same value (Phi-3-mini-4k-instruct and Phi-4
 * specs): the studio passes them, and the pipeline's own defaults differ (logging, checkpoints kept).
 */
export const STUDIO_FIXED_INPUTS: Readonly<Record<string, string>> = {
  apply_ort: "false",
  ignore_mismatched_sizes: "false",
  logging_strategy: "steps",
  logging_steps: "10",
  save_total_limit: "1",
};

/** The pipeline's output that holds the fine-tuned MLflow model (the parent job's name for `mlflow_model_folder`). */
export const TRAINED_MODEL_OUTPUT = "trained_model";

/** Prefix of the job's name; the rest is a digest of the request (see {@link pipelineJobName}). */
export const JOB_NAME_PREFIX = "phi3-ft";

export interface FineTuneJobArgs {
  /** The workspace the job runs in and the model is registered in. */
  readonly workspace: Pick<WorkspaceHandle, "subscriptionId" | "resourceGroupName" | "workspaceName">;
  /** The base model: a short label for names and messages, and where the pipeline takes it from. */
  readonly baseModel: { readonly label: string; readonly source: BaseModelSource };
  /** ARM id of the training data asset version. */
  readonly trainAssetId: pulumi.Input<string>;
  /** ARM id of the validation data asset version. */
  readonly validationAssetId: pulumi.Input<string>;
  /** ARM id of the finetune config's data asset version, sent as `finetune_config_path`; none is sent without it. */
  readonly finetuneConfigAssetId?: pulumi.Input<string>;
  /** The GPU cluster every step of the pipeline runs on. */
  readonly cluster: ClusterHandle;
  /** GPUs per node of the cluster's VM size. */
  readonly gpusPerNode: number;
  /** Nodes the fine-tuning step runs on (`num_nodes_finetune`); 1 by default, at most the cluster's most nodes. */
  readonly nodes?: number;
  /** Stop after this many training steps (`max_steps`); unset trains the full epochs (the component's -1). */
  readonly maxSteps?: number;
  /** The user-assigned identity the job runs as; the job is submitted once its role assignments exist. */
  readonly identity: Pick<IdentityHandle, "id" | "clientId" | "roleAssignments">;
  /** Every training setting, the model's defaults already applied. */
  readonly settings: FineTuneSettings;
  /** Bumped by a user to run an unchanged job again (a failed job keeps its name); "" by default. */
  readonly run?: string;
  /** The config key that sets {@link run}, named when a job ended without a model (the stack's, not the component's). */
  readonly rerunKey: string;
  /** Name of the registered model; `phi3-chat-finetuned` by default. */
  readonly modelName?: string;
  /** How long `pulumi up` waits for the job; 360 minutes by default. */
  readonly timeoutMinutes?: number;
  /** The stack's tags, put on the job: destroy cancels a running job that carries them. */
  readonly tags?: Record<string, string>;
}

/** What the job uses when an arg is not set. */
export const FINE_TUNE_JOB_DEFAULTS = { nodes: 1, run: "", modelName: "phi3-chat-finetuned", timeoutMinutes: 360 } as const satisfies Partial<FineTuneJobArgs>;

/** Checks the args before anything is created; throws naming the argument. */
export function validateFineTuneJobArgs(args: Pick<FineTuneJobArgs, "gpusPerNode" | "settings" | "timeoutMinutes" | "nodes" | "maxSteps">): void {
  if (!Number.isInteger(args.gpusPerNode) || args.gpusPerNode < 1) {
    throw new Error(`FineTuneJob: gpusPerNode is ${args.gpusPerNode}; it must be a whole number of at least 1`);
  }
  if (args.nodes !== undefined && (!Number.isInteger(args.nodes) || args.nodes < 1)) {
    throw new Error(`FineTuneJob: nodes is ${args.nodes}; it must be a whole number of at least 1`);
  }
  if (args.maxSteps !== undefined && (!Number.isInteger(args.maxSteps) || args.maxSteps < 1)) {
    throw new Error(`FineTuneJob: maxSteps is ${args.maxSteps}; it must be a whole number of at least 1 (or unset for full epochs)`);
  }
  if (!LR_SCHEDULER_TYPES.includes(args.settings.lrSchedulerType)) {
    throw new Error(`FineTuneJob: settings.lrSchedulerType is '${args.settings.lrSchedulerType}'; allowed: ${LR_SCHEDULER_TYPES.join(", ")}`);
  }
  if (!(args.settings.learningRate > 0)) throw new Error(`FineTuneJob: settings.learningRate is ${args.settings.learningRate}; it must be above 0`);
  if (!PRECISIONS.includes(args.settings.precision)) throw new Error(`FineTuneJob: settings.precision is '${args.settings.precision}'; allowed: ${PRECISIONS.join(", ")}`);
  if (!DEEPSPEED_STAGES.includes(args.settings.deepspeedStage)) {
    throw new Error(`FineTuneJob: settings.deepspeedStage is '${args.settings.deepspeedStage}'; allowed: ${DEEPSPEED_STAGES.join(", ")}`);
  }
  if (args.timeoutMinutes !== undefined && !(args.timeoutMinutes > 0)) {
    throw new Error(`FineTuneJob: timeoutMinutes is ${args.timeoutMinutes}; it must be above 0`);
  }
}

/** How far one run reaches: nodes of the fine-tuning step and, when set, the step count it stops at. */
export interface RunScale {
  readonly nodes?: number;
  readonly maxSteps?: number;
}

/** The component's literal inputs for these settings: strings, as Azure ML takes literal job inputs. */
export function literalInputs(settings: FineTuneSettings, gpusPerNode: number, computeName: string, scale: RunScale = {}): Record<string, string> {
  const bool = (b: boolean) => (b ? "true" : "false");
  return {
    task_name: CHAT_COMPLETION_TASK,
    compute_model_import: computeName,
    compute_preprocess: computeName,
    compute_finetune: computeName,
    compute_model_evaluation: computeName,
    number_of_gpu_to_use_finetuning: String(gpusPerNode),
    num_nodes_finetune: String(scale.nodes ?? FINE_TUNE_JOB_DEFAULTS.nodes),
    // max_steps is an integer input, -1 (full epochs) by default (chat_completion_pipeline spec.yaml): sent only when set.
    ...(scale.maxSteps !== undefined ? { max_steps: String(scale.maxSteps) } : {}),
    learning_rate: String(settings.learningRate),
    lr_scheduler_type: settings.lrSchedulerType,
    num_train_epochs: String(settings.epochs),
    per_device_train_batch_size: String(settings.batchSize),
    per_device_eval_batch_size: String(settings.batchSize),
    gradient_accumulation_steps: String(settings.gradientAccumulationSteps),
    warmup_steps: String(settings.warmupSteps),
    weight_decay: String(settings.weightDecay),
    max_seq_length: String(settings.maxSeqLength),
    apply_lora: bool(settings.applyLora),
    apply_deepspeed: bool(settings.applyDeepspeed),
    deepspeed_stage: settings.deepspeedStage,
    precision: settings.precision,
    seed: String(settings.seed),
    ...STUDIO_FIXED_INPUTS,
  };
}

/** How the pipeline receives the base model: `mlflow_model_path` for a registry model, `huggingface_id` otherwise. */
export function modelInputs(source: BaseModelSource): Record<string, JobInput> {
  if (source.kind === "registry") return { mlflow_model_path: { jobInputType: "mlflow_model", uri: source.uri } };
  return {
    huggingface_id: { jobInputType: "literal", value: source.id },
    // Transformers loads phi3 natively; the model's own remote code is not run (finetune_acft_hf_nlp preprocess).
    trust_remote_code: { jobInputType: "literal", value: "false" },
  };
}

/** The job's request, as the jobs API takes it (a PipelineJob of one registry pipeline node). */
export function pipelineJobProperties(
  args: Pick<FineTuneJobArgs, "baseModel" | "settings" | "gpusPerNode" | "nodes" | "maxSteps">,
  resolved: {
    computeName: string;
    computeId: string;
    identityId: string;
    identityClientId: string;
    trainAssetId: string;
    validationAssetId: string;
    finetuneConfigAssetId?: string;
  },
): PipelineJobProperties {
  const inputs: Record<string, JobInput> = {
    ...Object.fromEntries(
      Object.entries(literalInputs(args.settings, args.gpusPerNode, resolved.computeName, { nodes: args.nodes, maxSteps: args.maxSteps })).map(([key, value]) => [key, { jobInputType: "literal" as const, value }]),
    ),
    ...modelInputs(args.baseModel.source),
    train_file_path: { jobInputType: "uri_file", uri: resolved.trainAssetId },
    validation_file_path: { jobInputType: "uri_file", uri: resolved.validationAssetId },
    // A uri_file input, as the spec declares it; its data asset id, as the training files' (mfe.json UriFileJobInput).
    ...(resolved.finetuneConfigAssetId ? { finetune_config_path: { jobInputType: "uri_file" as const, uri: resolved.finetuneConfigAssetId } } : {}),
  };
  const bind = (input: string) => ({ job_input_type: "literal", value: `\${{parent.inputs.${input}}}` });
  return {
    jobType: "Pipeline",
    displayName: `Fine-tune ${args.baseModel.label} for chat`,
    experimentName: "phi3-foundry-finetune",
    computeId: resolved.computeId,
    identity: { identityType: "Managed", clientId: resolved.identityClientId, resourceId: resolved.identityId },
    inputs,
    outputs: { [TRAINED_MODEL_OUTPUT]: { jobOutputType: "mlflow_model" } },
    // A pipeline job's nodes are free-form in the REST spec (mfe.json PipelineJob.jobs); this is the Azure ML SDK's
    // REST form of a registry component node (azure-sdk-for-python pipeline node serialization).
    jobs: {
      finetune: {
        _source: "REMOTE.REGISTRY",
        type: "pipeline",
        componentId: CHAT_COMPLETION_PIPELINE,
        inputs: Object.fromEntries(Object.keys(inputs).map((input) => [input, bind(input)])),
        outputs: { [COMPONENT_MODEL_OUTPUT]: { type: "literal", value: `\${{parent.outputs.${TRAINED_MODEL_OUTPUT}}}` } },
      },
    },
    settings: { continue_on_step_failure: false, default_compute: resolved.computeId },
  };
}

/**
 * Fine-tunes the base model with the azureml registry's chat_completion_pipeline on the GPU cluster, waits for the job
 * to finish (not during preview), and registers the result as an MLflow model version.
 */
export class FineTuneJob extends pulumi.ComponentResource {
  public readonly jobName: pulumi.Output<string>;
  /** The job in Azure ML studio. */
  public readonly studioUrl: pulumi.Output<string>;
  /** ARM id of the registered model version. */
  public readonly modelId: pulumi.Output<string>;
  public readonly modelName: pulumi.Output<string>;
  public readonly modelVersion: pulumi.Output<string>;

  constructor(name: string, args: FineTuneJobArgs, opts?: pulumi.ComponentResourceOptions) {
    const spec = withDefaults(FINE_TUNE_JOB_DEFAULTS, args);
    validateFineTuneJobArgs(spec);
    super("phi3-foundry:train:FineTuneJob", name, {}, opts);

    const resolved = pulumi.all({
      computeName: spec.cluster.name,
      computeId: spec.cluster.id,
      identityId: spec.identity.id,
      identityClientId: spec.identity.clientId,
      trainAssetId: spec.trainAssetId,
      validationAssetId: spec.validationAssetId,
      finetuneConfigAssetId: spec.finetuneConfigAssetId,
    });
    const properties = resolved.apply((r) => pipelineJobProperties(spec, r as Parameters<typeof pipelineJobProperties>[1]));
    const job = new PipelineJob(
      `${name}-job`,
      {
        subscriptionId: spec.workspace.subscriptionId,
        resourceGroupName: spec.workspace.resourceGroupName,
        workspaceName: spec.workspace.workspaceName,
        jobName: properties.apply((p) => pipelineJobName(JOB_NAME_PREFIX, p, spec.run)),
        properties,
        ...(spec.tags ? { tags: spec.tags } : {}),
        rerunKey: spec.rerunKey,
      },
      // The job reads data and pulls images as the identity: its roles must exist first.
      { parent: this, dependsOn: [...spec.identity.roleAssignments] },
    );
    // Said as soon as the job exists, before the long wait for it.
    pulumi.all([job.jobName, job.studioUrl]).apply(([jobName, url]) => {
      if (jobName && url) {
        pulumi.log.info(`fine-tuning job ${jobName}: ${url} (until it completes, \`pulumi up\` waits for it, up to ${spec.timeoutMinutes} minutes)`, this);
      }
    });

    const completion = new JobCompletion(
      `${name}-completion`,
      {
        subscriptionId: spec.workspace.subscriptionId,
        resourceGroupName: spec.workspace.resourceGroupName,
        workspaceName: spec.workspace.workspaceName,
        jobName: job.jobName,
        timeoutMinutes: spec.timeoutMinutes,
        rerunKey: spec.rerunKey,
      },
      { parent: this },
    );

    const model = new machinelearningservices.ModelVersion(
      `${name}-model`,
      {
        resourceGroupName: spec.workspace.resourceGroupName,
        workspaceName: spec.workspace.workspaceName,
        name: spec.modelName,
        version: completion.jobName.apply((jobName) => jobName.slice(JOB_NAME_PREFIX.length + 1)),
        properties: {
          modelType: "mlflow_model",
          // The documented form of a job output path (azureml://jobs/<job>/outputs/<output>).
          modelUri: pulumi.interpolate`azureml://jobs/${completion.jobName}/outputs/${TRAINED_MODEL_OUTPUT}`,
          jobName: completion.jobName,
          description: `Fine-tuned from ${spec.baseModel.label} by chat_completion_pipeline`,
          tags: { baseModel: spec.baseModel.label, learningRate: String(spec.settings.learningRate), epochs: String(spec.settings.epochs) },
        },
      },
      { parent: this },
    );

    this.jobName = completion.jobName;
    this.studioUrl = completion.studioUrl;
    this.modelId = model.id;
    this.modelName = pulumi.output(spec.modelName);
    this.modelVersion = model.name;

    this.registerOutputs({
      jobName: this.jobName,
      studioUrl: this.studioUrl,
      modelId: this.modelId,
      modelName: this.modelName,
      modelVersion: this.modelVersion,
    });
  }
}
