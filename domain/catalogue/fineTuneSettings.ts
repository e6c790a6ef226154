/** The chat-completion fine-tuning pipeline's settings, as the config reads them and the job sends them. */

/** The pipeline's task (`task_name`); a finetune config's `task_specific_config` is keyed by it. */
export const CHAT_COMPLETION_TASK = "ChatCompletion";

/** `lr_scheduler_type` values the pipeline accepts (its spec's enum). */
export const LR_SCHEDULER_TYPES = ["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup"] as const;

/** Where the pipeline takes the base model from: an Azure ML registry (`mlflow_model_path`) or Hugging Face (`huggingface_id`). */
export type BaseModelSource = { readonly kind: "registry"; readonly uri: string } | { readonly kind: "huggingface"; readonly id: string };

/** `precision` and `deepspeed_stage` are string enums in the pipeline's spec. */
export const PRECISIONS = ["16", "32"] as const;
export const DEEPSPEED_STAGES = ["2", "3"] as const;

/** The settings users tune in the studio's advanced fine-tuning settings, named as the stack's config names them. */
export interface FineTuneSettings {
  /** `learning_rate`. */
  readonly learningRate: number;
  /** `lr_scheduler_type`. */
  readonly lrSchedulerType: (typeof LR_SCHEDULER_TYPES)[number];
  /** `num_train_epochs`. */
  readonly epochs: number;
  /** `per_device_train_batch_size` (and `per_device_eval_batch_size`). */
  readonly batchSize: number;
  /** `gradient_accumulation_steps`. */
  readonly gradientAccumulationSteps: number;
  /** `warmup_steps`. */
  readonly warmupSteps: number;
  /** `weight_decay`. */
  readonly weightDecay: number;
  /** `max_seq_length`; -1 lets the component choose. */
  readonly maxSeqLength: number;
  /** `apply_lora`: train low-rank adapters instead of every weight. */
  readonly applyLora: boolean;
  /** `apply_deepspeed`. */
  readonly applyDeepspeed: boolean;
  /** `deepspeed_stage`: ZeRO stage 2 or 3. */
  readonly deepspeedStage: (typeof DEEPSPEED_STAGES)[number];
  /** `precision`: 16 or 32 bits. */
  readonly precision: (typeof PRECISIONS)[number];
  /** `seed`. */
  readonly seed: number;
}
