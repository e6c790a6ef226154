/**
 * The model catalogue: what the stack knows of each base model it fine-tunes. Config, the preflight, the plan and the
 * README read it; a base model outside it is still accepted (a registry URI or a Hugging Face id) with the pipeline's
 * own defaults.
 */
import type { BaseModelSource, FineTuneSettings } from "./fineTuneSettings";

/** A model's minimum serving machine (`inferenceMinSkuSpec` "vCPUs|GPUs|memory GB|disk GB" of its registry spec). */
export interface SkuSpec {
  readonly vCPUs: number;
  readonly gpus: number;
  readonly memoryGB: number;
  readonly diskGB: number;
}

export interface CatalogueModel {
  /** The name `baseModel` takes. */
  readonly name: string;
  readonly source: BaseModelSource;
  /** Its registry spec's `model_specific_defaults`: what the studio passes, since the pipeline applies none itself. */
  readonly trainingDefaults: FineTuneSettings;
  /** Sizes its registry spec allows for fine-tuning (`finetune_compute_allow_list`). */
  readonly fineTuneSizes: readonly string[];
  readonly inferenceMinimum: SkuSpec;
  /**
   * The longest sequence the model takes, in tokens: its model card's context length, `max_position_embeddings` in its
   * config.json. A training record longer than this cannot be trained on whole.
   */
  readonly contextTokens: number;
  /** Where these facts come from. */
  readonly reference: string;
}

/** The chat_completion_pipeline's own defaults (its spec.yaml 0.0.82), for models outside the catalogue. */
export const PIPELINE_DEFAULTS: FineTuneSettings = {
  learningRate: 2e-5,
  lrSchedulerType: "linear",
  epochs: 1,
  batchSize: 1,
  gradientAccumulationSteps: 1,
  warmupSteps: 0,
  weightDecay: 0,
  maxSeqLength: -1,
  applyLora: false,
  applyDeepspeed: false,
  deepspeedStage: "2",
  precision: "32",
  seed: 42,
};

/** What the Phi models' `model_specific_defaults` share; they differ in the DeepSpeed ZeRO stage. */
function phiDefaults(deepspeedStage: FineTuneSettings["deepspeedStage"]): FineTuneSettings {
  return { ...PIPELINE_DEFAULTS, learningRate: 5e-6, lrSchedulerType: "cosine", applyLora: true, applyDeepspeed: true, deepspeedStage, precision: "16" };
}

const A100_FINETUNE = ["Standard_NC24ads_A100_v4", "Standard_NC48ads_A100_v4", "Standard_NC96ads_A100_v4", "Standard_ND96asr_v4", "Standard_ND96amsr_A100_v4"];

export const MODEL_CATALOGUE: readonly CatalogueModel[] = [
  {
    name: "Phi-3-mini-4k-instruct",
    // The registry's Phi-3 is retired for fine-tuning; the same weights come from Hugging Face, whose model type
    // (phi3) transformers loads natively, so the pipeline's model import needs no remote code.
    source: { kind: "huggingface", id: "microsoft/Phi-3-mini-4k-instruct" },
    trainingDefaults: phiDefaults("2"),
    fineTuneSizes: A100_FINETUNE,
    inferenceMinimum: { vCPUs: 6, gpus: 1, memoryGB: 112, diskGB: 64 },
    contextTokens: 4096,
    reference:
      "Azure/azureml-assets assets/models/system/phi-3-mini-4k-instruct/spec.yaml, version 15; context: the model card " +
      "(huggingface.co/microsoft/Phi-3-mini-4k-instruct, \"Context length: 4K tokens\") and its config.json (max_position_embeddings 4096)",
  },
  {
    name: "Phi-4",
    source: { kind: "registry", uri: "azureml://registries/azureml/models/Phi-4/versions/8" },
    trainingDefaults: phiDefaults("3"),
    fineTuneSizes: [...A100_FINETUNE, "Standard_NC40ads_H100_v5", "Standard_NC80adis_H100_v5", "Standard_ND96isr_H100_v5"],
    inferenceMinimum: { vCPUs: 24, gpus: 1, memoryGB: 220, diskGB: 64 },
    contextTokens: 16384,
    reference:
      "Azure/azureml-assets assets/models/system/Phi-4/spec.yaml, version 8; context: the model card " +
      "(huggingface.co/microsoft/phi-4, \"Context length: 16K tokens\") and its config.json (max_position_embeddings 16384)",
  },
];

export const DEFAULT_BASE_MODEL = "Phi-3-mini-4k-instruct";

/** A base model as the stack resolved `baseModel`: its source and, for catalogue models, what the catalogue knows. */
export interface ResolvedModel {
  readonly label: string;
  readonly source: BaseModelSource;
  readonly catalogue?: CatalogueModel;
}

const REGISTRY_MODEL = /^azureml:\/\/registries\/([\w-]+)\/models\/([\w.-]+)\/versions\/[\w.-]+$/;
const HUGGING_FACE_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** What `baseModel` may be, for messages. */
export const BASE_MODEL_ALLOWED =
  `a catalogue model (${MODEL_CATALOGUE.map((m) => m.name).join(", ")}), a registry model ` +
  "(azureml://registries/<registry>/models/<name>/versions/<version>) or a Hugging Face id (owner/name)";

/** `baseModel` resolved, or undefined when it is none of the accepted forms. */
export function resolveBaseModel(value: string): ResolvedModel | undefined {
  const byName = MODEL_CATALOGUE.find((m) => m.name.toLowerCase() === value.toLowerCase());
  if (byName) return { label: byName.name, source: byName.source, catalogue: byName };
  const registry = REGISTRY_MODEL.exec(value);
  if (registry) {
    // Only the azureml registry's models are the catalogue's; another registry's model of the same name may differ.
    const [, registryName, modelName] = registry;
    const catalogue =
      registryName === "azureml" ? MODEL_CATALOGUE.find((m) => m.source.kind === "registry" && m.name.toLowerCase() === modelName.toLowerCase()) : undefined;
    return { label: modelName, source: { kind: "registry", uri: value }, catalogue };
  }
  if (HUGGING_FACE_ID.test(value)) {
    const catalogue = MODEL_CATALOGUE.find((m) => m.source.kind === "huggingface" && m.source.id.toLowerCase() === value.toLowerCase());
    return { label: value.split("/")[1], source: { kind: "huggingface", id: value }, catalogue };
  }
  return undefined;
}
