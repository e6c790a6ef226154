/** A VM size as Azure ML's `locations/{location}/vmSizes` API describes it. */
export interface VmSizeInfo {
  readonly name: string;
  /** The quota family, e.g. `standardNCADSA100v4Family`: the `name.value` of its usage. */
  readonly family: string;
  readonly vCPUs: number;
  readonly gpus: number;
}

/** The GPU in a VM size: what "the same GPU class" means when the preflight suggests other sizes. */
export type GpuClass = "A100" | "H100" | "T4" | "A10";

export interface GpuVmSize extends VmSizeInfo {
  readonly gpu: GpuClass;
  /** Memory in GiB. */
  readonly memoryGB: number;
}

/**
 * The GPU VM sizes the stack offers, with vCPUs, GPUs and quota family as Azure ML's supported-SKU list gives them
 * (azure-ai-docs reference-managed-online-endpoints-vm-sku-list) and memory from the sizes' pages
 * (learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated). Training and serving sizes must be among these
 * and offered in the stack's region; retired sizes are in retirements.ts, not here.
 */
export const GPU_VM_SIZES: readonly GpuVmSize[] = [
  { name: "Standard_NC24ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 24, gpus: 1, memoryGB: 220, gpu: "A100" },
  { name: "Standard_NC48ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 48, gpus: 2, memoryGB: 440, gpu: "A100" },
  { name: "Standard_NC96ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 96, gpus: 4, memoryGB: 880, gpu: "A100" },
  { name: "Standard_NC40ads_H100_v5", family: "standardNCADSH100v5Family", vCPUs: 40, gpus: 1, memoryGB: 320, gpu: "H100" },
  { name: "Standard_NC80adis_H100_v5", family: "standardNCADSH100v5Family", vCPUs: 80, gpus: 2, memoryGB: 640, gpu: "H100" },
  { name: "Standard_ND96asr_v4", family: "standard NDASv4_A100 Family", vCPUs: 96, gpus: 8, memoryGB: 900, gpu: "A100" },
  { name: "Standard_ND96amsr_A100_v4", family: "standard NDAMSv4_A100Family", vCPUs: 96, gpus: 8, memoryGB: 1900, gpu: "A100" },
  { name: "Standard_ND96isr_H100_v5", family: "standardNDv5H100Family", vCPUs: 96, gpus: 8, memoryGB: 1900, gpu: "H100" },
  { name: "Standard_NC4as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 4, gpus: 1, memoryGB: 28, gpu: "T4" },
  { name: "Standard_NC8as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 8, gpus: 1, memoryGB: 56, gpu: "T4" },
  { name: "Standard_NC16as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 16, gpus: 1, memoryGB: 110, gpu: "T4" },
  { name: "Standard_NC64as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 64, gpus: 4, memoryGB: 440, gpu: "T4" },
  { name: "Standard_NV36ads_A10_v5", family: "standardNVADSA10v5Family", vCPUs: 36, gpus: 1, memoryGB: 440, gpu: "A10" },
  { name: "Standard_NV72ads_A10_v5", family: "standardNVADSA10v5Family", vCPUs: 72, gpus: 2, memoryGB: 880, gpu: "A10" },
];

/** The known GPU size of this name (Azure compares sizes case-insensitively). */
export function gpuVmSize(name: string): GpuVmSize | undefined {
  return GPU_VM_SIZES.find((size) => size.name.toLowerCase() === name.toLowerCase());
}
