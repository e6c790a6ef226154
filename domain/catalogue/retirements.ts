/**
 * What Azure has retired that users of the tutorial still reach for. Config refuses these values before anything is
 * created, with the date and what to use instead; nothing else in the stack offers them.
 */
export interface Retirement {
  /** What was retired, in a user's words. */
  readonly what: string;
  /** The date Azure retired it (YYYY-MM-DD). */
  readonly retired: string;
  /** Where Azure says so. */
  readonly source: string;
  /** What to set instead. */
  readonly instead: string;
}

/** NCv3 (V100) sizes, retired 2025-09-30. */
export const NCV3_RETIREMENT: Retirement = {
  what: "NCv3 (V100) virtual machines",
  retired: "2025-09-30",
  source: "azure-docs articles/virtual-machines/sizes/retirement/ncv3-nc6s-nc12s-nc24s-retirement.md",
  instead: "Standard_NC24ads_A100_v4 (the default); for serving only, Standard_NC4as_T4_v3 is cheaper but below Phi-3-mini's inference minimum",
};

export const RETIRED_VM_SIZES: Readonly<Record<string, Retirement>> = Object.fromEntries(
  ["Standard_NC6s_v3", "Standard_NC12s_v3", "Standard_NC24s_v3", "Standard_NC24rs_v3"].map((size) => [size.toLowerCase(), NCV3_RETIREMENT]),
);

/** The azureml registry's Phi-3 and Phi-3.5 models: fine-tuning retired 2025-08-30, archived 2026-06-02. */
export const PHI3_REGISTRY_RETIREMENT: Retirement = {
  what: "fine-tuning the azureml registry's Phi-3 and Phi-3.5 models",
  retired: "2025-08-30",
  source: "Azure/azureml-assets assets/models/system/phi-3-mini-4k-instruct/spec.yaml (FinetuneRetirementDate; isArchived since PR #5103)",
  instead: "Phi-3-mini-4k-instruct (the default: the same model, from Hugging Face) or Phi-4",
};

const RETIRED_REGISTRY_MODELS = /^azureml:\/\/registries\/azureml\/models\/Phi-3(\.5)?-[^/]+\/versions\/[^/]+$/i;

/** The retirement of a VM size, if Azure retired it. */
export function vmSizeRetirement(size: string): Retirement | undefined {
  return RETIRED_VM_SIZES[size.toLowerCase()];
}

/** The retirement of a base model id, if Azure retired its fine-tuning. */
export function baseModelRetirement(model: string): Retirement | undefined {
  return RETIRED_REGISTRY_MODELS.test(model) ? PHI3_REGISTRY_RETIREMENT : undefined;
}

/** "retired by Azure on D: what (source); use Y." */
export function retirementMessage(r: Retirement): string {
  return `retired by Azure on ${r.retired}: ${r.what} (${r.source}); use ${r.instead}`;
}
