import * as fs from "node:fs";
import * as path from "node:path";
import { validateChatFiles } from "../domain/data/chatDataFile";
import { readFinetuneConfig } from "../domain/data/finetuneConfig";
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
    workspace: { resourceGroupName: "rg-phi", storageAccountName: "stphi", workspaceName: "mlw-phi" },
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

  describe("with a finetune config", () => {
    /** A version-2 finetune config written to a new folder, read as the stack reads it. */
    const configFile = (text = '{"version": "2", "task_specific_config": {"ChatCompletion": {"finetune_args": {}}}}') => {
      const file = path.join(tempDir(), "finetune.json");
      fs.writeFileSync(file, text);
      const read = readFinetuneConfig(file);
      if ("problem" in read) throw new Error(read.problem);
      return read;
    };
    const withConfig = (file = configFile()): TrainingDataArgs => ({ ...args(), finetuneConfig: { file, assetName: "phi3-finetune-config" } });

    it("uploads it to a content-addressed JSON blob and registers it as a uri_file data asset versioned by content", async () => {
      const a = withConfig();
      const hash = a.finetuneConfig!.file.sha256;
      let component: TrainingData | undefined;
      const { resources } = await runProgram(() => (component = new TrainingData("data", a)));
      const blob = named(resources, "data-finetune-config");
      expect(blob.inputs).toMatchObject({ blobName: `finetune-config/${hash.slice(0, 16)}/finetune.json`, type: "Block", contentType: "application/json", accountName: "stphi" });
      const asset = named(resources, "data-finetune-config-asset");
      expect(asset.inputs).toMatchObject({ name: "phi3-finetune-config", version: hash.slice(0, 16), workspaceName: "mlw-phi" });
      expect(input(asset, "properties")).toMatchObject({
        dataType: "uri_file",
        dataUri: `azureml://datastores/phi3trainingdata/paths/finetune-config/${hash.slice(0, 16)}/finetune.json`,
        tags: { sha256: hash },
      });
      expect(asset.dependsOn).toContain(blob.urn);
      expect(component?.finetuneConfigAssetId).toBeDefined();
    });

    it("keeps the blob and the asset version of an unchanged file, wherever it lies, and changes both when it changes", async () => {
      const uploaded = async (a: TrainingDataArgs) => {
        const { resources } = await runProgram(() => new TrainingData("data", a));
        return { blob: named(resources, "data-finetune-config").inputs.blobName, version: named(resources, "data-finetune-config-asset").inputs.version };
      };
      const first = await uploaded(withConfig());
      const copy = await uploaded(withConfig()); // the same bytes in another folder
      const edited = await uploaded(withConfig(configFile('{"version": "2", "task_specific_config": {"ChatCompletion": {"finetune_args": {"x": 1}}}}')));
      expect(copy).toEqual(first);
      expect(edited.blob).not.toBe(first.blob);
      expect(edited.version).not.toBe(first.version);
    });

    it("is left out without one", async () => {
      let component: TrainingData | undefined;
      const { resources } = await runProgram(() => (component = new TrainingData("data", args())));
      expect(resources.filter((r) => r.name.startsWith("data-finetune-config"))).toEqual([]);
      expect(component?.finetuneConfigAssetId).toBeUndefined();
    });

    it("refuses an asset name the data already has", () => {
      const a = withConfig();
      expect(() => validateTrainingDataArgs({ ...a, finetuneConfig: { ...a.finetuneConfig!, assetName: "phi3-validation" } })).toThrow(
        "TrainingData: validation.assetName and finetuneConfig.assetName are both 'phi3-validation'; they must differ",
      );
    });
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
