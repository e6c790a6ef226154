import * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as storage from "@pulumi/azure-native/storage";
import type { ChatDataFile } from "../infra/chatData";

/** One data file to upload and register. */
export interface DataFileArgs {
  /** The validated file: its path and the SHA-256 of its bytes. */
  readonly file: ChatDataFile;
  /** Name of the data asset, e.g. `phi3-train`. */
  readonly assetName: string;
}

export interface TrainingDataArgs {
  /** Resource group of the workspace and its storage account. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** The workspace's storage account, which receives the files. */
  readonly storageAccountName: pulumi.Input<string>;
  /** The Azure ML workspace that registers the datastore and the data assets. */
  readonly workspaceName: pulumi.Input<string>;
  /** Training data. */
  readonly train: DataFileArgs;
  /** Validation data, kept apart from training. */
  readonly validation: DataFileArgs;
  /** Blob container of the data; `training-data` by default. */
  readonly containerName?: string;
  /** Name of the workspace datastore over that container; `phi3trainingdata` by default. */
  readonly datastoreName?: string;
}

/** Version of a data asset: the first 16 hex digits of its content's SHA-256, so only new content makes a new version. */
export function contentVersion(file: ChatDataFile): string {
  return file.sha256.slice(0, 16);
}

/** Blob path of a data file: content-addressed, so an unchanged file is never uploaded again. */
export function contentPath(prefix: string, file: ChatDataFile): string {
  return `${prefix}/${contentVersion(file)}/${file.path.split(/[\\/]/).pop()}`;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateTrainingDataArgs(args: Pick<TrainingDataArgs, "train" | "validation">): void {
  if (args.train.assetName === args.validation.assetName) {
    throw new Error(`TrainingData: train.assetName and validation.assetName are both '${args.train.assetName}'; they must differ`);
  }
  for (const [key, value] of [["train", args.train], ["validation", args.validation]] as const) {
    if (!/^[A-Za-z0-9][\w.-]{0,254}$/.test(value.assetName)) {
      throw new Error(`TrainingData: ${key}.assetName '${value.assetName}' must be letters, digits, '-', '_' or '.'`);
    }
  }
}

/**
 * The training and validation JSONL files in the workspace's storage, behind an identity-based datastore, registered
 * as `uri_file` data assets whose versions are their content hashes.
 */
export class TrainingData extends pulumi.ComponentResource {
  /** ARM id of the training data asset version, as a job input takes it. */
  public readonly trainAssetId: pulumi.Output<string>;
  public readonly validationAssetId: pulumi.Output<string>;
  /** `azureml://datastores/.../paths/...` of the uploaded files. */
  public readonly trainUri: pulumi.Output<string>;
  public readonly validationUri: pulumi.Output<string>;

  constructor(name: string, args: TrainingDataArgs, opts?: pulumi.ComponentResourceOptions) {
    validateTrainingDataArgs(args);
    super("phi3-foundry:prepare:TrainingData", name, {}, opts);
    const location = { resourceGroupName: args.resourceGroupName, accountName: args.storageAccountName };

    const container = new storage.BlobContainer(
      `${name}-container`,
      { ...location, containerName: args.containerName ?? "training-data", publicAccess: storage.PublicAccess.None },
      { parent: this },
    );

    // No credentials: jobs read the data with their own identity (the training identity is Storage Blob Data Reader).
    const datastore = new machinelearningservices.Datastore(
      `${name}-datastore`,
      {
        resourceGroupName: args.resourceGroupName,
        workspaceName: args.workspaceName,
        name: args.datastoreName ?? "phi3trainingdata",
        properties: {
          datastoreType: "AzureBlob",
          accountName: args.storageAccountName,
          containerName: container.name,
          credentials: { credentialsType: "None" },
          description: "Chat fine-tuning data uploaded by phi3-foundry",
        },
      },
      { parent: this },
    );

    const upload = (key: "train" | "validation", data: DataFileArgs) => {
      const blob = new storage.Blob(
        `${name}-${key}`,
        {
          ...location,
          containerName: container.name,
          blobName: contentPath(key, data.file),
          type: storage.BlobType.Block,
          contentType: "application/jsonl",
          source: new pulumi.asset.FileAsset(data.file.path),
        },
        { parent: this },
      );
      const uri = pulumi.interpolate`azureml://datastores/${datastore.name}/paths/${blob.name}`;
      const asset = new machinelearningservices.DataVersion(
        `${name}-${key}-asset`,
        {
          resourceGroupName: args.resourceGroupName,
          workspaceName: args.workspaceName,
          name: data.assetName,
          version: contentVersion(data.file),
          properties: {
            dataType: "uri_file",
            dataUri: uri,
            description: `${key === "train" ? "Training" : "Validation"} data, ${data.file.records} chat records`,
            tags: { sha256: data.file.sha256, records: String(data.file.records) },
          },
        },
        { parent: this },
      );
      return { uri, assetId: asset.id };
    };

    const train = upload("train", args.train);
    const validation = upload("validation", args.validation);
    this.trainAssetId = train.assetId;
    this.validationAssetId = validation.assetId;
    this.trainUri = train.uri;
    this.validationUri = validation.uri;

    this.registerOutputs({
      trainAssetId: this.trainAssetId,
      validationAssetId: this.validationAssetId,
      trainUri: this.trainUri,
      validationUri: this.validationUri,
    });
  }
}
