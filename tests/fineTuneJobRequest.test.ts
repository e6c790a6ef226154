/**
 * The fine-tuning job's request from the component to Azure: FineTuneJob runs under the mock runtime, and the job it
 * registers is submitted by the job's provider (in this process) to the HTTPS stand-in, where the PUT is read back.
 * The job's members and input types are the REST spec's, Azure/azure-rest-api-specs specification/
 * machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01/mfe.json (PipelineJob,
 * JobInput: literal, uri_file; MLFlowModelJobOutput; ManagedIdentity); the pipeline's input and output names are
 * those of Azure/azureml-assets assets/training/finetune_acft_hf_nlp/components/pipeline_components/chat_completion/
 * spec.yaml (chat_completion_pipeline 0.0.82).
 */
import { pipelineJobProvider } from "../components/azure/providers/pipelineJob";
import { FineTuneJob, FineTuneJobArgs } from "../components/fineTuneJob";
import { ProgramMessage, runUnderMocks } from "../scripts/plan/mockRuntime";
import { AzureStandIn, STAND_IN_SUBSCRIPTION } from "./support/azureStandIn";
import { configured, standInStackConfig, trustInThisProcess } from "./support/inProcessProvider";
import { named, single } from "./helpers";

const WS = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-phi3/providers/Microsoft.MachineLearningServices/workspaces/mlw-phi3";
const COMPUTE = `${WS}/computes/gpu-a100`;
const IDENTITY = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-phi3/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-phi3-training";

const args: FineTuneJobArgs = {
  workspace: { subscriptionId: STAND_IN_SUBSCRIPTION, resourceGroupName: "rg-phi3", workspaceName: "mlw-phi3" },
  baseModel: { label: "Phi-3-mini-4k-instruct", source: { kind: "huggingface", id: "microsoft/Phi-3-mini-4k-instruct" } },
  trainAssetId: `${WS}/data/phi3-train/versions/1a2b`,
  validationAssetId: `${WS}/data/phi3-validation/versions/3c4d`,
  finetuneConfigAssetId: `${WS}/data/phi3-finetune-config/versions/5e6f`,
  cluster: { name: "gpu-a100", id: COMPUTE },
  gpusPerNode: 4,
  nodes: 2,
  maxSteps: 50,
  identity: { id: IDENTITY, clientId: "0c0ffee0-0000-4000-8000-000000000001", roleAssignments: [] },
  settings: {
    learningRate: 2e-5,
    lrSchedulerType: "cosine_with_restarts",
    epochs: 3,
    batchSize: 2,
    gradientAccumulationSteps: 4,
    warmupSteps: 20,
    weightDecay: 0.01,
    maxSeqLength: 2048,
    applyLora: true,
    applyDeepspeed: false,
    deepspeedStage: "2",
    precision: "32",
    seed: 7,
  },
  rerunKey: "phi3-foundry:fineTuneRun",
  tags: { project: "phi3-foundry", stack: "dev" },
};

const literal = (value: string) => ({ jobInputType: "literal", value });

/** Every input the job passes, as the PipelineJob's own inputs. */
const INPUTS = {
  task_name: literal("ChatCompletion"),
  compute_model_import: literal("gpu-a100"),
  compute_preprocess: literal("gpu-a100"),
  compute_finetune: literal("gpu-a100"),
  compute_model_evaluation: literal("gpu-a100"),
  number_of_gpu_to_use_finetuning: literal("4"),
  num_nodes_finetune: literal("2"),
  max_steps: literal("50"),
  learning_rate: literal("0.00002"),
  lr_scheduler_type: literal("cosine_with_restarts"),
  num_train_epochs: literal("3"),
  per_device_train_batch_size: literal("2"),
  per_device_eval_batch_size: literal("2"),
  gradient_accumulation_steps: literal("4"),
  warmup_steps: literal("20"),
  weight_decay: literal("0.01"),
  max_seq_length: literal("2048"),
  apply_lora: literal("true"),
  apply_deepspeed: literal("false"),
  deepspeed_stage: literal("2"),
  precision: literal("32"),
  seed: literal("7"),
  // The values every catalogue model's model_specific_defaults sets (Phi-3-mini-4k-instruct's spec).
  apply_ort: literal("false"),
  ignore_mismatched_sizes: literal("false"),
  logging_strategy: literal("steps"),
  logging_steps: literal("10"),
  save_total_limit: literal("1"),
  huggingface_id: literal("microsoft/Phi-3-mini-4k-instruct"),
  trust_remote_code: literal("false"),
  train_file_path: { jobInputType: "uri_file", uri: `${WS}/data/phi3-train/versions/1a2b` },
  validation_file_path: { jobInputType: "uri_file", uri: `${WS}/data/phi3-validation/versions/3c4d` },
  finetune_config_path: { jobInputType: "uri_file", uri: `${WS}/data/phi3-finetune-config/versions/5e6f` },
};

/** The pipeline node's binding of each of its inputs to the job's input of the same name. */
const BINDINGS = Object.fromEntries(Object.keys(INPUTS).map((name) => [name, { job_input_type: "literal", value: `\${{parent.inputs.${name}}}` }]));

let azure: AzureStandIn;
let untrust: () => void;

beforeAll(async () => {
  azure = await AzureStandIn.start();
  untrust = trustInThisProcess(azure.caFile);
});

afterAll(async () => {
  untrust?.();
  await azure?.close();
});

async function plan(a: FineTuneJobArgs = args) {
  const messages: ProgramMessage[] = [];
  const run = await runUnderMocks({ project: "phi3-foundry", stack: "dev", config: {}, secretKeys: [] }, async () => {
    new FineTuneJob("finetune", a);
    return {};
  }, messages);
  return { resources: run.resources, messages };
}

describe("the fine-tuning job's request", () => {
  it("reaches Azure as one Jobs - Create Or Update: a PipelineJob of the pinned chat_completion_pipeline, every input and setting written out", async () => {
    const { resources } = await plan();
    const job = named(resources, "finetune-job");
    const jobName = job.inputs.jobName as string;
    expect(jobName).toMatch(/^phi3-ft-[0-9a-f]{16}$/);
    const jobs = await configured(pipelineJobProvider, standInStackConfig(azure.host));
    const from = azure.armRequests().length;
    await jobs.create({ subscriptionId: STAND_IN_SUBSCRIPTION, resourceGroupName: "rg-phi3", workspaceName: "mlw-phi3", jobName, properties: job.inputs.properties as never, tags: job.inputs.tags as never });

    const put = azure.armRequests().slice(from).find((r) => r.method === "PUT");
    expect(put?.path).toBe(`${WS}/jobs/${jobName}`);
    expect(put?.query["api-version"]).toBe("2025-12-01");
    expect(put?.body).toEqual({
      properties: {
        jobType: "Pipeline",
        displayName: "Fine-tune Phi-3-mini-4k-instruct for chat",
        experimentName: "phi3-foundry-finetune",
        computeId: COMPUTE,
        identity: { identityType: "Managed", clientId: "0c0ffee0-0000-4000-8000-000000000001", resourceId: IDENTITY },
        inputs: INPUTS,
        outputs: { trained_model: { jobOutputType: "mlflow_model" } },
        jobs: {
          finetune: {
            _source: "REMOTE.REGISTRY",
            type: "pipeline",
            componentId: "azureml://registries/azureml/components/chat_completion_pipeline/versions/0.0.82",
            inputs: BINDINGS,
            outputs: { mlflow_model_folder: { type: "literal", value: "${{parent.outputs.trained_model}}" } },
          },
        },
        settings: { continue_on_step_failure: false, default_compute: COMPUTE },
        // JobBase.tags: the stack's, so that destroy knows the job as its own.
        tags: { project: "phi3-foundry", stack: "dev" },
      },
    });
  });

  it("from a registry model: mlflow_model_path as an mlflow_model input, one node and full epochs (no max_steps), no finetune config", async () => {
    const registry = { label: "Phi-4", source: { kind: "registry", uri: "azureml://registries/azureml/models/Phi-4/versions/8" } } as const;
    const { resources } = await plan({ ...args, baseModel: registry, nodes: undefined, maxSteps: undefined, finetuneConfigAssetId: undefined, tags: undefined });
    const job = named(resources, "finetune-job");
    expect(job.inputs.tags).toBeUndefined();
    const properties = job.inputs.properties as { displayName: string; inputs: Record<string, unknown> };
    expect(properties.displayName).toBe("Fine-tune Phi-4 for chat");
    const { huggingface_id: _h, trust_remote_code: _t, max_steps: _m, finetune_config_path: _f, ...rest } = INPUTS;
    expect(properties.inputs).toEqual({ ...rest, num_nodes_finetune: literal("1"), mlflow_model_path: { jobInputType: "mlflow_model", uri: "azureml://registries/azureml/models/Phi-4/versions/8" } });
  });
});

describe("the component around it", () => {
  it("holds the job, its completion gate and the model version as its children, and says where the job is", async () => {
    const { resources, messages } = await plan({ ...args, timeoutMinutes: 90 });
    const component = single(resources, "phi3-foundry:train:FineTuneJob");
    for (const child of ["finetune-job", "finetune-completion", "finetune-model"]) expect(named(resources, child).parent).toBe(component.urn);
    const jobName = named(resources, "finetune-job").inputs.jobName as string;
    expect(named(resources, "finetune-completion").inputs).toMatchObject({ jobName, timeoutMinutes: 90, resourceGroupName: "rg-phi3", workspaceName: "mlw-phi3", subscriptionId: STAND_IN_SUBSCRIPTION });
    expect(messages).toContainEqual({ severity: "info", text: `fine-tuning job ${jobName}: https://ml.azure.com/runs/${jobName} (until it completes, \`pulumi up\` waits for it, up to 90 minutes)` });
  });

  it("waits 360 minutes unless told, and registers the model under the name it is given", async () => {
    const { resources, messages } = await plan({ ...args, modelName: "phi3-support-bot" });
    const jobName = named(resources, "finetune-job").inputs.jobName as string;
    expect(named(resources, "finetune-completion").inputs.timeoutMinutes).toBe(360);
    expect(messages.map((m) => m.text)).toContain(`fine-tuning job ${jobName}: https://ml.azure.com/runs/${jobName} (until it completes, \`pulumi up\` waits for it, up to 360 minutes)`);
    const model = named(resources, "finetune-model");
    expect(model.inputs).toMatchObject({ name: "phi3-support-bot", resourceGroupName: "rg-phi3", workspaceName: "mlw-phi3", version: jobName.slice("phi3-ft-".length) });
    expect(model.inputs.properties).toEqual({
      modelType: "mlflow_model",
      modelUri: `azureml://jobs/${jobName}/outputs/trained_model`,
      jobName,
      description: "Fine-tuned from Phi-3-mini-4k-instruct by chat_completion_pipeline",
      tags: { baseModel: "Phi-3-mini-4k-instruct", learningRate: "0.00002", epochs: "3" },
      // azure-native's defaults of ModelVersionProperties.
      isAnonymous: false,
      isArchived: false,
    });
  });
});
