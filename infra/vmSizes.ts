import type { VmSizeInfo } from "../components/azure/quota";

/**
 * The GPU VM sizes the stack knows, with vCPUs, GPUs and quota family as Azure ML's supported-SKU list gives them
 * (azure-ai-docs reference-managed-online-endpoints-vm-sku-list). Training and serving sizes must be among these, so
 * a wrong size fails before anything is created and the fine-tuning job gets the GPU count of its nodes.
 */
export const GPU_VM_SIZES: readonly VmSizeInfo[] = [
  { name: "Standard_NC24ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 24, gpus: 1 },
  { name: "Standard_NC48ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 48, gpus: 2 },
  { name: "Standard_NC96ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 96, gpus: 4 },
  { name: "Standard_NC40ads_H100_v5", family: "standardNCADSH100v5Family", vCPUs: 40, gpus: 1 },
  { name: "Standard_NC80adis_H100_v5", family: "standardNCADSH100v5Family", vCPUs: 80, gpus: 2 },
  { name: "Standard_ND96asr_v4", family: "standard NDASv4_A100 Family", vCPUs: 96, gpus: 8 },
  { name: "Standard_ND96amsr_A100_v4", family: "standard NDAMSv4_A100Family", vCPUs: 96, gpus: 8 },
  { name: "Standard_ND96isr_H100_v5", family: "standardNDv5H100Family", vCPUs: 96, gpus: 8 },
  { name: "Standard_NC6s_v3", family: "standardNCSv3Family", vCPUs: 6, gpus: 1 },
  { name: "Standard_NC12s_v3", family: "standardNCSv3Family", vCPUs: 12, gpus: 2 },
  { name: "Standard_NC24s_v3", family: "standardNCSv3Family", vCPUs: 24, gpus: 4 },
  { name: "Standard_NC4as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 4, gpus: 1 },
  { name: "Standard_NC8as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 8, gpus: 1 },
  { name: "Standard_NC16as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 16, gpus: 1 },
  { name: "Standard_NC64as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 64, gpus: 4 },
  { name: "Standard_NV36ads_A10_v5", family: "standardNVADSA10v5Family", vCPUs: 36, gpus: 1 },
  { name: "Standard_NV72ads_A10_v5", family: "standardNVADSA10v5Family", vCPUs: 72, gpus: 2 },
];

/** The known GPU size of this name (Azure compares sizes case-insensitively). */
export function gpuVmSize(name: string): VmSizeInfo | undefined {
  return GPU_VM_SIZES.find((size) => size.name.toLowerCase() === name.toLowerCase());
}
