/**
 * Azure offerings the stack's defaults use that Azure has retired. The stack keeps them as defaults because they are
 * the mission's, and says so before `pulumi up` with what to use instead.
 */
export interface Retirement {
  readonly matches: (value: string) => boolean;
  readonly message: (value: string) => string;
}

/** NCv3 sizes, retired 2025-09-30 (azure-compute-docs articles/virtual-machines/ncv3-retirement.md). */
export const NCV3_RETIREMENT: Retirement = {
  matches: (size) => /^Standard_NC(6|12|24|24r)s_v3$/i.test(size),
  message: (size) =>
    `${size} (NCv3) was retired by Azure on 2025-09-30 and may not be allocated. ` +
    "Set servingVmSize to a current size, e.g. Standard_NC16as_T4_v3, Standard_NV36ads_A10_v5 or Standard_NC24ads_A100_v4.",
};

/** Phi-3 and Phi-3.5 mini models, whose fine-tuning the model catalog retired on 2025-08-30 (azureml-assets model specs). */
export const PHI3_FINETUNE_RETIREMENT: Retirement = {
  matches: (model) => /\/models\/(Phi-3-mini-4k-instruct|Phi-3-mini-128k-instruct|Phi-3\.5-mini-instruct)\//i.test(model),
  message: (model) =>
    `${model.split("/models/")[1].replace("/versions/", " version ")} is retired for fine-tuning (2025-08-30); the job may be refused. ` +
    "Set baseModel to a current chat model, e.g. azureml://registries/azureml/models/Phi-4/versions/8.",
};
