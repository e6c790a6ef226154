import { pipelineJobName } from "../components/azure/providers/pipelineJob";
import {
  FineTuneJob,
  FineTuneJobArgs,
  modelInputs,
  pipelineJobProperties,
  validateFineTuneJobArgs,
} from "../components/fineTuneJob";
import { FineTuneSettings } from "../domain/catalogue/fineTuneSettings";
import { input, named, runProgram, single } from "./helpers";

/**
 * The pinned pipeline and every input it has: Azure/azureml-assets
 * assets/training/finetune_acft_hf_nlp/components/pipeline_components/chat_completion/spec.yaml, version 0.0.82.
 */
const CHAT_COMPLETION_PIPELINE = "azureml://registries/azureml/components/chat_completion_pipeline/versions/0.0.82";
// prettier-ignore
const COMPONENT_INPUTS = [
  "mlflow_model_path", "pytorch_model_path", "huggingface_id", "finetune_config_path", "trust_remote_code",
  "compute_model_import", "compute_preprocess", "compute_finetune", "compute_model_evaluation",
  "instance_type_model_import", "instance_type_preprocess", "instance_type_finetune", "instance_type_model_evaluation",
  "shm_size_finetune", "num_nodes_finetune", "number_of_gpu_to_use_finetuning",
  "train_file_path", "validation_file_path", "test_file_path", "train_mltable_path", "validation_mltable_path",
  "test_mltable_path", "task_name", "batch_size", "pad_to_max_length", "max_seq_length",
  "apply_lora", "merge_lora_weights", "lora_alpha", "lora_r", "lora_dropout", "num_train_epochs", "max_steps",
  "per_device_train_batch_size", "per_device_eval_batch_size", "auto_find_batch_size", "optim", "learning_rate",
  "warmup_steps", "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon", "gradient_accumulation_steps",
  "eval_accumulation_steps", "lr_scheduler_type", "precision", "seed", "enable_full_determinism",
  "dataloader_num_workers", "ignore_mismatched_sizes", "max_grad_norm", "evaluation_strategy",
  "evaluation_steps_interval", "eval_steps", "logging_strategy", "logging_steps", "metric_for_best_model",
  "resume_from_checkpoint", "save_total_limit", "apply_early_stopping", "early_stopping_patience",
  "early_stopping_threshold", "apply_deepspeed", "deepspeed", "deepspeed_stage", "apply_ort",
  "evaluation_config", "evaluation_config_params",
];
/**
 * Inputs the studio sets from both catalogue models' `model_specific_defaults` (azureml-assets
 * assets/models/system/phi-3-mini-4k-instruct/spec.yaml and Phi-4/spec.yaml), where the pipeline's defaults differ.
 */
const STUDIO_FIXED_INPUTS = { apply_ort: "false", ignore_mismatched_sizes: "false", logging_strategy: "steps", logging_steps: "10", save_total_limit: "1" };

const settings: FineTuneSettings = {
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
};
const ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw";
const PHI4_URI = "azureml://registries/azureml/models/Phi-4/versions/8";
/** What the job's request is built from once Pulumi has resolved the inputs. */
const resolved = {
  computeName: "gpuphi",
  computeId: `${ws}/computes/gpuphi`,
  identityId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
  identityClientId: "client-1",
  trainAssetId: `${ws}/data/phi3-train/versions/aaa`,
  validationAssetId: `${ws}/data/phi3-validation/versions/bbb`,
};
const args: FineTuneJobArgs = {
  workspace: { subscriptionId: "s", resourceGroupName: "rg", workspaceName: "mlw" },
  baseModel: { label: "Phi-4", source: { kind: "registry", uri: PHI4_URI } },
  trainAssetId: resolved.trainAssetId,
  validationAssetId: resolved.validationAssetId,
  cluster: { name: resolved.computeName, id: resolved.computeId },
  identity: { id: resolved.identityId, clientId: resolved.identityClientId, roleAssignments: [] },
  gpusPerNode: 1,
  settings,
  rerunKey: "phi3-foundry:fineTuneRun",
};

async function run(a: FineTuneJobArgs = args) {
  return (await runProgram(() => new FineTuneJob("finetune", a))).resources;
}

/** The job name these args and resolved values give. */
function nameOf(a: Pick<FineTuneJobArgs, "baseModel" | "settings" | "gpusPerNode" | "nodes" | "maxSteps"> = args, r: typeof resolved = resolved, runCounter = "") {
  return pipelineJobName("phi3-ft", pipelineJobProperties(a, r), runCounter);
}

describe("FineTuneJob", () => {
  it("submits a pipeline job of the pinned chat_completion_pipeline, passing only inputs the component has", async () => {
    const job = named(await run(), "finetune-job");
    const properties = job.inputs.properties as any;
    expect(properties.jobType).toBe("Pipeline");
    expect(properties.displayName).toBe("Fine-tune Phi-4 for chat");
    expect(properties.jobs.finetune).toMatchObject({ componentId: CHAT_COMPLETION_PIPELINE, type: "pipeline", _source: "REMOTE.REGISTRY" });
    const names = Object.keys(properties.inputs);
    for (const name of names) expect(COMPONENT_INPUTS).toContain(name);
    expect(Object.keys(properties.jobs.finetune.inputs).sort()).toEqual(names.sort());
    for (const [name, binding] of Object.entries<any>(properties.jobs.finetune.inputs)) expect(binding.value).toBe(`\${{parent.inputs.${name}}}`);
  });

  it("passes the base model, separate training and validation assets, the cluster and the tuned settings", async () => {
    const inputs = (named(await run(), "finetune-job").inputs.properties as any).inputs;
    expect(inputs.mlflow_model_path).toEqual({ jobInputType: "mlflow_model", uri: PHI4_URI });
    expect(inputs.huggingface_id).toBeUndefined();
    expect(inputs.train_file_path).toEqual({ jobInputType: "uri_file", uri: resolved.trainAssetId });
    expect(inputs.validation_file_path).toEqual({ jobInputType: "uri_file", uri: resolved.validationAssetId });
    const literal = (name: string) => inputs[name].value;
    expect(["compute_model_import", "compute_preprocess", "compute_finetune", "compute_model_evaluation"].map(literal)).toEqual(Array(4).fill("gpuphi"));
    expect(literal("number_of_gpu_to_use_finetuning")).toBe("1");
    expect(literal("learning_rate")).toBe("0.000005");
    expect(literal("lr_scheduler_type")).toBe("cosine");
    expect(literal("num_train_epochs")).toBe("1");
    expect(literal("apply_lora")).toBe("true");
    expect(literal("apply_deepspeed")).toBe("true");
    expect(literal("deepspeed_stage")).toBe("3");
    expect(literal("precision")).toBe("16");
    expect(literal("task_name")).toBe("ChatCompletion");
    for (const [name, value] of Object.entries(STUDIO_FIXED_INPUTS)) expect(literal(name)).toBe(value);
    for (const value of Object.values<any>(inputs)) if (value.jobInputType === "literal") expect(typeof value.value).toBe("string");
  });

  it("runs the fine-tuning step on one node and full epochs unless told: num_nodes_finetune and max_steps (integers in spec.yaml)", async () => {
    const inputs = (named(await run(), "finetune-job").inputs.properties as any).inputs;
    expect(inputs.num_nodes_finetune).toEqual({ jobInputType: "literal", value: "1" });
    // Unset, the component's own default (-1: the epochs decide) applies, and the request stays as it was.
    expect(inputs.max_steps).toBeUndefined();
    expect(nameOf({ ...args, nodes: 1 })).toBe(nameOf());

    const scaled = named(await run({ ...args, nodes: 2, maxSteps: 7 }), "finetune-job").inputs.properties as any;
    expect(scaled.inputs.num_nodes_finetune).toEqual({ jobInputType: "literal", value: "2" });
    expect(scaled.inputs.max_steps).toEqual({ jobInputType: "literal", value: "7" });
    expect(scaled.jobs.finetune.inputs.max_steps).toEqual({ job_input_type: "literal", value: "${{parent.inputs.max_steps}}" });
    expect(nameOf({ ...args, nodes: 2 })).not.toBe(nameOf());
    expect(nameOf({ ...args, maxSteps: 7 })).not.toBe(nameOf());
  });

  it("takes a Hugging Face base model by id, without running the model's remote code", async () => {
    const source = { kind: "huggingface", id: "microsoft/Phi-3-mini-4k-instruct" } as const;
    expect(modelInputs(source)).toEqual({
      huggingface_id: { jobInputType: "literal", value: "microsoft/Phi-3-mini-4k-instruct" },
      trust_remote_code: { jobInputType: "literal", value: "false" },
    });
    expect(modelInputs({ kind: "registry", uri: PHI4_URI })).toEqual({ mlflow_model_path: { jobInputType: "mlflow_model", uri: PHI4_URI } });
    const properties = named(await run({ ...args, baseModel: { label: "Phi-3-mini-4k-instruct", source } }), "finetune-job").inputs.properties as any;
    expect(properties.inputs.huggingface_id).toEqual({ jobInputType: "literal", value: "microsoft/Phi-3-mini-4k-instruct" });
    expect(properties.inputs.trust_remote_code).toEqual({ jobInputType: "literal", value: "false" });
    expect(properties.inputs.mlflow_model_path).toBeUndefined();
    expect(properties.jobs.finetune.inputs.huggingface_id).toEqual({ job_input_type: "literal", value: "${{parent.inputs.huggingface_id}}" });
    expect(properties.displayName).toBe("Fine-tune Phi-3-mini-4k-instruct for chat");
  });

  it("sends a finetune config as the uri_file input finetune_config_path, bound in the pipeline node; none without one", async () => {
    const configAssetId = `${ws}/data/phi3-finetune-config/versions/9c7a103aad737e66`;
    const properties = named(await run({ ...args, finetuneConfigAssetId: configAssetId }), "finetune-job").inputs.properties as any;
    // chat_completion_pipeline 0.0.82 spec.yaml: finetune_config_path is `type: uri_file`.
    expect(properties.inputs.finetune_config_path).toEqual({ jobInputType: "uri_file", uri: configAssetId });
    expect(properties.jobs.finetune.inputs.finetune_config_path).toEqual({ job_input_type: "literal", value: "${{parent.inputs.finetune_config_path}}" });

    const without = named(await run(), "finetune-job").inputs.properties as any;
    expect(without.inputs).not.toHaveProperty("finetune_config_path");
    expect(without.jobs.finetune.inputs).not.toHaveProperty("finetune_config_path");
  });

  it("re-trains when the finetune config changes, and not while it stays", () => {
    const withConfig = (version: string) => nameOf(args, { ...resolved, finetuneConfigAssetId: `${ws}/data/phi3-finetune-config/versions/${version}` } as typeof resolved);
    expect(withConfig("9c7a103aad737e66")).toBe(withConfig("9c7a103aad737e66"));
    expect(withConfig("9c7a103aad737e66")).not.toBe(withConfig("0d1f5e2b77c3a901"));
    expect(withConfig("9c7a103aad737e66")).not.toBe(nameOf());
  });

  it("runs on the cluster as the training identity and exposes the MLflow output", async () => {
    const properties = named(await run(), "finetune-job").inputs.properties as any;
    expect(properties.computeId).toBe(resolved.computeId);
    expect(properties.identity).toEqual({ identityType: "Managed", clientId: "client-1", resourceId: resolved.identityId });
    expect(properties.outputs).toEqual({ trained_model: { jobOutputType: "mlflow_model" } });
    expect(properties.jobs.finetune.outputs).toEqual({ mlflow_model_folder: { type: "literal", value: "${{parent.outputs.trained_model}}" } });
  });

  it("gates the model on the job's completion and registers it from the job's output as an MLflow model", async () => {
    const resources = await run();
    const job = named(resources, "finetune-job");
    const gate = named(resources, "finetune-completion");
    const model = single(resources, "azure-native:machinelearningservices:ModelVersion");
    expect(gate.dependsOn).toContain(job.urn);
    expect(gate.inputs).toMatchObject({ jobName: job.inputs.jobName, timeoutMinutes: 360 });
    expect(model.dependsOn).toContain(gate.urn);
    expect(model.dependsOn).not.toContain(job.urn);
    expect(input(model, "properties")).toMatchObject({
      modelType: "mlflow_model",
      modelUri: `azureml://jobs/${job.inputs.jobName}/outputs/trained_model`,
      jobName: job.inputs.jobName,
      description: "Fine-tuned from Phi-4 by chat_completion_pipeline",
      tags: { baseModel: "Phi-4", learningRate: "0.000005", epochs: "1" },
    });
    expect(model.inputs.name).toBe("phi3-chat-finetuned");
    expect(model.inputs.version).toBe((job.inputs.jobName as string).slice("phi3-ft-".length));
  });

  it("names the job from a hash of the complete request and the run counter: the same request keeps its job, any change is a new one", async () => {
    const name = nameOf();
    expect(name).toMatch(/^phi3-ft-[0-9a-f]{16}$/);
    expect(named(await run(), "finetune-job").inputs.jobName).toBe(name);
    expect(nameOf({ ...args }, { ...resolved })).toBe(name);
    // Key order is not part of the request.
    const properties = pipelineJobProperties(args, resolved);
    const reordered = Object.fromEntries(Object.entries(properties).reverse()) as typeof properties;
    expect(pipelineJobName("phi3-ft", reordered, "")).toBe(name);
    expect(nameOf({ ...args, settings: { ...settings, learningRate: 1e-5 } })).not.toBe(name);
    expect(nameOf({ ...args, settings: { ...settings, precision: "32" } })).not.toBe(name);
    expect(nameOf(args, { ...resolved, trainAssetId: `${ws}/data/phi3-train/versions/ccc` })).not.toBe(name);
    expect(nameOf({ ...args, baseModel: { label: "Phi-4", source: { kind: "registry", uri: "azureml://registries/azureml/models/Phi-4/versions/7" } } })).not.toBe(name);
    expect(nameOf({ ...args, gpusPerNode: 2 })).not.toBe(name);
    expect(nameOf(args, { ...resolved, computeId: `${ws}/computes/gpubig`, computeName: "gpubig" })).not.toBe(name);
    expect(nameOf(args, { ...resolved, identityClientId: "client-2" })).not.toBe(name);
    expect(nameOf(args, resolved, "2")).not.toBe(name);
  });

  it("submits an unchanged job again under a new name when the run counter is bumped", async () => {
    const bumped = named(await run({ ...args, run: "2" }), "finetune-job").inputs.jobName;
    expect(bumped).toBe(nameOf(args, resolved, "2"));
    expect(bumped).not.toBe(nameOf());
  });

  it("waits for the identity's role assignments before submitting", async () => {
    const resources = (
      await runProgram(() => {
        const { RandomString } = require("@pulumi/random");
        const marker = new RandomString("roles-ready", { length: 4 });
        new FineTuneJob("finetune", { ...args, identity: { ...args.identity, roleAssignments: [marker] } });
      })
    ).resources;
    expect(named(resources, "finetune-job").dependsOn).toContain(named(resources, "roles-ready").urn);
  });

  it("accepts the least of each bound: one GPU, one node, one step, one minute", () => {
    expect(() => validateFineTuneJobArgs({ ...args, gpusPerNode: 1, nodes: 1, maxSteps: 1, timeoutMinutes: 1 })).not.toThrow();
  });

  it.each([
    [{ gpusPerNode: 0 }, /gpusPerNode is 0/],
    [{ gpusPerNode: 1.5 }, "FineTuneJob: gpusPerNode is 1.5; it must be a whole number of at least 1"],
    [{ maxSteps: 2.5 }, "FineTuneJob: maxSteps is 2.5; it must be a whole number of at least 1 (or unset for full epochs)"],
    [{ timeoutMinutes: -5 }, "FineTuneJob: timeoutMinutes is -5; it must be above 0"],
    // chat_completion_pipeline spec.yaml: lr_scheduler_type's enum.
    [
      { settings: { ...settings, lrSchedulerType: "exponential" as never } },
      "FineTuneJob: settings.lrSchedulerType is 'exponential'; allowed: linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup",
    ],
    [{ settings: { ...settings, learningRate: 0 } }, "FineTuneJob: settings.learningRate is 0; it must be above 0"],
    [{ settings: { ...settings, precision: "8" as never } }, /precision is '8'; allowed: 16, 32/],
    [{ settings: { ...settings, deepspeedStage: "1" as never } }, /deepspeedStage is '1'; allowed: 2, 3/],
    [{ timeoutMinutes: 0 }, /timeoutMinutes is 0/],
    [{ nodes: 0 }, /nodes is 0; it must be a whole number of at least 1/],
    [{ nodes: 1.5 }, /nodes is 1.5/],
    [{ maxSteps: 0 }, /maxSteps is 0; it must be a whole number of at least 1/],
  ])("refuses %j before creating anything", async (bad, message) => {
    expect(() => validateFineTuneJobArgs({ ...args, ...bad })).toThrow(message);
    await expect(run({ ...args, ...bad })).rejects.toThrow(message);
  });
});
