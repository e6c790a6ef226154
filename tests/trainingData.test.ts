import { validateChatFiles } from "../infra/chatData";
import { contentPath, contentVersion, TrainingData, TrainingDataArgs, validateTrainingDataArgs } from "../components/trainingData";
import { input, named, runProgram, single } from "./helpers";
import { tempDir, writeJsonl } from "./support/chatRecords";

function files(trainRecords = 8, validationRecords = 2) {
  const dir = tempDir();
  const [train, validation] = validateChatFiles([
    writeJsonl(dir, trainRecords, "train_data.jsonl"),
    writeJsonl(dir, validationRecords, "test_data.jsonl"),
  ]);
  return { train, validation };
}

function args(f = files()): TrainingDataArgs {
  return {
    resourceGroupName: "rg-phi",
    storageAccountName: "stphi",
    workspaceName: "mlw-phi",
    train: { file: f.train, assetName: "phi3-train" },
    validation: { file: f.validation, assetName: "phi3-validation" },
  };
}

describe("TrainingData", () => {
  it("uploads each file to a content-addressed blob in a private container", async () => {
    const a = args();
    const { resources } = await runProgram(() => new TrainingData("data", a));
    expect(single(resources, "azure-native:storage:BlobContainer").inputs).toMatchObject({ containerName: "training-data", publicAccess: "None", accountName: "stphi" });
    const train = named(resources, "data-train");
    expect(train.inputs).toMatchObject({ blobName: `train/${a.train.file.sha256.slice(0, 16)}/train_data.jsonl`, type: "Block", accountName: "stphi" });
    expect(named(resources, "data-validation").inputs.blobName).toBe(`validation/${a.validation.file.sha256.slice(0, 16)}/test_data.jsonl`);
  });

  it("registers an identity-based datastore over the container", async () => {
    const { resources } = await runProgram(() => new TrainingData("data", args()));
    const datastore = single(resources, "azure-native:machinelearningservices:Datastore");
    expect(datastore.inputs).toMatchObject({ workspaceName: "mlw-phi", name: "phi3trainingdata" });
    expect(input(datastore, "properties")).toMatchObject({ datastoreType: "AzureBlob", accountName: "stphi", containerName: "training-data", credentials: { credentialsType: "None" } });
    expect(datastore.dependsOn).toContain(single(resources, "azure-native:storage:BlobContainer").urn);
  });

  it("registers uri_file data assets versioned by content, after their upload", async () => {
    const a = args();
    const { resources } = await runProgram(() => new TrainingData("data", a));
    const asset = named(resources, "data-train-asset");
    expect(asset.inputs).toMatchObject({ name: "phi3-train", version: contentVersion(a.train.file), workspaceName: "mlw-phi" });
    expect(input(asset, "properties")).toMatchObject({
      dataType: "uri_file",
      dataUri: `azureml://datastores/phi3trainingdata/paths/${contentPath("train", a.train.file)}`,
      tags: { sha256: a.train.file.sha256, records: "8" },
    });
    expect(asset.dependsOn).toEqual(expect.arrayContaining([named(resources, "data-train").urn, single(resources, "azure-native:machinelearningservices:Datastore").urn]));
    expect(named(resources, "data-validation-asset").inputs.name).toBe("phi3-validation");
  });

  it("keeps blob names and versions while the content stays, and changes them when it changes", () => {
    const a = files(8, 2);
    const b = files(8, 2);
    const c = files(9, 2);
    expect(contentPath("train", b.train)).toBe(contentPath("train", a.train));
    expect(contentVersion(c.train)).not.toBe(contentVersion(a.train));
  });

  it("parents every child to the component", async () => {
    const { resources } = await runProgram(() => new TrainingData("data", args()));
    const component = single(resources, "phi3-foundry:prepare:TrainingData");
    for (const r of resources.filter((r) => r.custom)) expect(r.parent).toBe(component.urn);
  });

  it("refuses the same asset name twice, or an invalid one, before creating anything", async () => {
    const a = args();
    const same = { ...a, validation: { ...a.validation, assetName: "phi3-train" } };
    expect(() => validateTrainingDataArgs(same)).toThrow(/both 'phi3-train'/);
    await expect(runProgram(() => new TrainingData("data", same))).rejects.toThrow(/both 'phi3-train'/);
    expect(() => validateTrainingDataArgs({ ...a, train: { ...a.train, assetName: "bad name" } })).toThrow(/train.assetName 'bad name'/);
  });
});
