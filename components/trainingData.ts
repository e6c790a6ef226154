import * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as storage from "@pulumi/azure-native/storage";
import type { ChatDataFile } from "../domain/data/chatDataFile";
import { withDefaults } from "../domain/defaults";
import type { WorkspaceHandle } from "./mlWorkspace";

/** A file as uploaded: where it is and the hash of its bytes, which name the blob and the asset version. */
export type ContentFile = Pick<ChatDataFile, "path" | "sha256">;

/** One data file to upload and register. */
export interface DataFileArgs {
  /** The validated file: its path and the SHA-256 of its bytes. */
  readonly file: ChatDataFile;
  /** Name of the data asset, e.g. `phi3-train`. */
  readonly assetName: string;
}

export interface TrainingDataArgs {
  /** The Azure ML workspace whose storage account receives the files and which registers the datastore and data assets. */
  readonly workspace: Pick<WorkspaceHandle, "resourceGroupName" | "storageAccountName" | "workspaceName">;
  /** Training data. */
  readonly train: DataFileArgs;
  /** Validation data, kept apart from training. */
  readonly validation: DataFileArgs;
  /** The fine-tuning pipeline's finetune config (a JSON file), uploaded and registered the same way; none by default. */
  readonly finetuneConfig?: { readonly file: ContentFile; readonly assetName: string };
  /** Blob container of the data; `training-data` by default. */
  readonly containerName?: string;
  /** Name of the workspace datastore over that container; `phi3trainingdata` by default. */
  readonly datastoreName?: string;
}

/** What the data uses when an arg is not set. */
export const TRAINING_DATA_DEFAULTS = { containerName: "training-data", datastoreName: "phi3trainingdata" } as const satisfies Partial<TrainingDataArgs>;

/** Version of a data asset: the first 16 hex digits of its content's SHA-256, so only new content makes a new version. */
export function contentVersion(file: ContentFile): string {
  return file.sha256.slice(0, 16);
}

/** Blob path of a data file: content-addressed, so an unchanged file is never uploaded again. */
export function contentPath(prefix: string, file: ContentFile): string {
  return `${prefix}/${contentVersion(file)}/${file.path.split(/[\\/]/).pop()}`;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateTrainingDataArgs(args: Pick<TrainingDataArgs, "train" | "validation" | "finetuneConfig">): void {
  const named = [["train", args.train], ["validation", args.validation], ...(args.finetuneConfig ? [["finetuneConfig", args.finetuneConfig] as const] : [])] as const;
  for (const [i, [key, value]] of named.entries()) {
    const [other] = named.slice(0, i).find(([, earlier]) => earlier.assetName === value.assetName) ?? [];
    if (other) throw new Error(`TrainingData: ${other}.assetName and ${key}.assetName are both '${value.assetName}'; they must differ`);
  }
  for (const [key, value] of named) {
    if (!/^[A-Za-z0-9][\w.-]{0,254}$/.test(value.assetName)) {
      throw new Error(`TrainingData: ${key}.assetName '${value.assetName}' must be letters, digits, '-', '_' or '.'`);
    }
  }
}

/**
 * The training and validation JSONL files (and the finetune config, when there is one) in the workspace's storage,
 * behind an identity-based datastore, registered as `uri_file` data assets whose versions are their content hashes.
 */
export class TrainingData extends pulumi.ComponentResource {
  /** ARM id of the training data asset version, as a job input takes it. */
  public readonly trainAssetId: pulumi.Output<string>;
  public readonly validationAssetId: pulumi.Output<string>;
  /** `azureml://datastores/.../paths/...` of the uploaded files. */
  public readonly trainUri: pulumi.Output<string>;
  public readonly validationUri: pulumi.Output<string>;
  /** ARM id of the finetune config's data asset version; undefined without `finetuneConfig`. */
  public readonly finetuneConfigAssetId?: pulumi.Output<string>;

  constructor(name: string, args: TrainingDataArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults(TRAINING_DATA_DEFAULTS, args);
    validateTrainingDataArgs(settings);
    super("phi3-foundry:prepare:TrainingData", name, {}, opts);
    const { resourceGroupName, storageAccountName, workspaceName } = settings.workspace;
    const location = { resourceGroupName, accountName: storageAccountName };

    const container = new storage.BlobContainer(
      `${name}-container`,
      { ...location, containerName: settings.containerName, publicAccess: storage.PublicAccess.None },
      { parent: this },
    );

    // No credentials: jobs read the data with their own identity (the training identity is Storage Blob Data Reader).
    const datastore = new machinelearningservices.Datastore(
      `${name}-datastore`,
      {
        resourceGroupName,
        workspaceName,
        name: settings.datastoreName,
        properties: {
          datastoreType: "AzureBlob",
          accountName: storageAccountName,
          containerName: container.name,
          credentials: { credentialsType: "None" },
          description: "Chat fine-tuning data uploaded by phi3-foundry",
        },
      },
      { parent: this },
    );

    /** One file: a blob under `key/<content hash>/`, and a `uri_file` data asset whose version is that hash. */
    const upload = (key: string, file: ContentFile, asset: { name: string; contentType: string; description: string; tags: Record<string, string> }) => {
      const blob = new storage.Blob(
        `${name}-${key}`,
        {
          ...location,
          containerName: container.name,
          blobName: contentPath(key, file),
          type: storage.BlobType.Block,
          contentType: asset.contentType,
          source: new pulumi.asset.FileAsset(file.path),
        },
        { parent: this },
      );
      const uri = pulumi.interpolate`azureml://datastores/${datastore.name}/paths/${blob.name}`;
      const version = new machinelearningservices.DataVersion(
        `${name}-${key}-asset`,
        {
          resourceGroupName,
          workspaceName,
          name: asset.name,
          version: contentVersion(file),
          properties: { dataType: "uri_file", dataUri: uri, description: asset.description, tags: { sha256: file.sha256, ...asset.tags } },
        },
        { parent: this },
      );
      return { uri, assetId: version.id };
    };
    const uploadData = (key: "train" | "validation", data: DataFileArgs) =>
      upload(key, data.file, {
        name: data.assetName,
        contentType: "application/jsonl",
        description: `${key === "train" ? "Training" : "Validation"} data, ${data.file.records} chat records`,
        tags: { records: String(data.file.records) },
      });

    const train = uploadData("train", settings.train);
    const validation = uploadData("validation", settings.validation);
    const finetuneConfig = settings.finetuneConfig
      ? upload("finetune-config", settings.finetuneConfig.file, {
          name: settings.finetuneConfig.assetName,
          contentType: "application/json",
          description: "Finetune config of the chat-completion pipeline (its finetune_config_path)",
          tags: {},
        })
      : undefined;
    this.trainAssetId = train.assetId;
    this.validationAssetId = validation.assetId;
    this.trainUri = train.uri;
    this.validationUri = validation.uri;
    this.finetuneConfigAssetId = finetuneConfig?.assetId;

    this.registerOutputs({
      trainAssetId: this.trainAssetId,
      validationAssetId: this.validationAssetId,
      trainUri: this.trainUri,
      validationUri: this.validationUri,
      finetuneConfigAssetId: this.finetuneConfigAssetId,
    });
  }
}
