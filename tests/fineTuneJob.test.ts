import {
  CHAT_COMPLETION_PIPELINE,
  COMPONENT_INPUTS,
  FineTuneJob,
  FineTuneJobArgs,
  fineTuneJobName,
  FineTuneSettings,
  validateFineTuneJobArgs,
} from "../components/fineTuneJob";
import { input, named, runProgram, single } from "./helpers";

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
  seed: 42,
};
const ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw";
const args: FineTuneJobArgs = {
  resourceGroupName: "rg",
  workspaceName: "mlw",
  subscriptionId: "s",
  baseModel: "azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15",
  trainAssetId: `${ws}/data/phi3-train/versions/aaa`,
  validationAssetId: `${ws}/data/phi3-validation/versions/bbb`,
  dataFingerprint: "aaa:bbb",
  computeName: "gpuphi",
  computeId: `${ws}/computes/gpuphi`,
  vmSize: "Standard_NC24ads_A100_v4",
  gpusPerNode: 1,
  identityId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
  identityClientId: "client-1",
  settings,
};

async function run(a: FineTuneJobArgs = args) {
  return (await runProgram(() => new FineTuneJob("finetune", a))).resources;
}

describe("FineTuneJob", () => {
  it("submits a pipeline job of the pinned chat_completion_pipeline, passing only inputs the component has", async () => {
    const job = named(await run(), "finetune-job");
    const properties = job.inputs.properties as any;
    expect(properties.jobType).toBe("Pipeline");
    expect(properties.jobs.finetune).toMatchObject({ componentId: CHAT_COMPLETION_PIPELINE, type: "pipeline", _source: "REMOTE.REGISTRY" });
    const names = Object.keys(properties.inputs);
    for (const name of names) expect(COMPONENT_INPUTS).toContain(name);
    expect(Object.keys(properties.jobs.finetune.inputs).sort()).toEqual(names.sort());
    for (const [name, binding] of Object.entries<any>(properties.jobs.finetune.inputs)) expect(binding.value).toBe(`\${{parent.inputs.${name}}}`);
  });

  it("passes the base model, separate training and validation assets, the cluster and the tuned settings", async () => {
    const inputs = (named(await run(), "finetune-job").inputs.properties as any).inputs;
    expect(inputs.mlflow_model_path).toEqual({ jobInputType: "mlflow_model", uri: args.baseModel });
    expect(inputs.train_file_path).toEqual({ jobInputType: "uri_file", uri: args.trainAssetId });
    expect(inputs.validation_file_path).toEqual({ jobInputType: "uri_file", uri: args.validationAssetId });
    const literal = (name: string) => inputs[name].value;
    expect(["compute_model_import", "compute_preprocess", "compute_finetune", "compute_model_evaluation"].map(literal)).toEqual(Array(4).fill("gpuphi"));
    expect(literal("number_of_gpu_to_use_finetuning")).toBe("1");
    expect(literal("learning_rate")).toBe("0.000005");
    expect(literal("lr_scheduler_type")).toBe("cosine");
    expect(literal("num_train_epochs")).toBe("1");
    expect(literal("apply_lora")).toBe("true");
    expect(literal("task_name")).toBe("ChatCompletion");
    for (const value of Object.values<any>(inputs)) if (value.jobInputType === "literal") expect(typeof value.value).toBe("string");
  });

  it("runs on the cluster as the training identity and exposes the MLflow output", async () => {
    const properties = named(await run(), "finetune-job").inputs.properties as any;
    expect(properties.computeId).toBe(args.computeId);
    expect(properties.identity).toEqual({ identityType: "Managed", clientId: "client-1", resourceId: args.identityId });
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
    });
    expect(model.inputs.name).toBe("phi3-chat-finetuned");
  });

  it("names the job from a hash of what is trained: the same inputs give the same job, any change a new one", async () => {
    const name = fineTuneJobName(args);
    expect(name).toMatch(/^phi3-ft-[0-9a-f]{16}$/);
    expect(named(await run(), "finetune-job").inputs.jobName).toBe(name);
    expect(fineTuneJobName({ ...args })).toBe(name);
    expect(fineTuneJobName({ ...args, settings: { ...settings, learningRate: 1e-5 } })).not.toBe(name);
    expect(fineTuneJobName({ ...args, dataFingerprint: "ccc:bbb" })).not.toBe(name);
    expect(fineTuneJobName({ ...args, baseModel: "azureml://registries/azureml/models/Phi-4/versions/8" })).not.toBe(name);
    expect(fineTuneJobName({ ...args, vmSize: "Standard_NC48ads_A100_v4", gpusPerNode: 2 })).not.toBe(name);
  });

  it("waits for the resources it is given (the identity's role assignments) before submitting", async () => {
    const resources = (
      await runProgram(() => {
        const { RandomString } = require("@pulumi/random");
        const marker = new RandomString("roles-ready", { length: 4 });
        new FineTuneJob("finetune", { ...args, dependsOn: [marker] });
      })
    ).resources;
    expect(named(resources, "finetune-job").dependsOn).toContain(named(resources, "roles-ready").urn);
  });

  it.each([
    [{ gpusPerNode: 0 }, /gpusPerNode is 0/],
    [{ settings: { ...settings, lrSchedulerType: "exponential" as never } }, /lrSchedulerType is 'exponential'/],
    [{ settings: { ...settings, learningRate: 0 } }, /learningRate is 0/],
    [{ timeoutMinutes: 0 }, /timeoutMinutes is 0/],
  ])("refuses %j before creating anything", async (bad, message) => {
    expect(() => validateFineTuneJobArgs({ ...args, ...bad })).toThrow(message);
    await expect(run({ ...args, ...bad })).rejects.toThrow(message);
  });
});
