import type { FamilyUsage, QuotaSource, VmSizeInfo } from "../../components/azure/quota";

/**
 * VM sizes the stack's defaults use, as Azure ML's vmSizes API reports them. vCPUs and GPUs from the Azure VM size
 * docs (NC A100 v4 series, NCv3 series); families as the usages API names their quotas.
 */
export const KNOWN_VM_SIZES: readonly VmSizeInfo[] = [
  { name: "Standard_NC24ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 24, gpus: 1 },
  { name: "Standard_NC48ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 48, gpus: 2 },
  { name: "Standard_NC96ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 96, gpus: 4 },
  { name: "Standard_NC6s_v3", family: "standardNCSv3Family", vCPUs: 6, gpus: 1 },
  { name: "Standard_NC12s_v3", family: "standardNCSv3Family", vCPUs: 12, gpus: 2 },
  { name: "Standard_NC24s_v3", family: "standardNCSv3Family", vCPUs: 24, gpus: 4 },
];

/** A quota source that answers from fixed tables instead of Azure: the plan's and the tests' stand-in. */
export class StandInQuotaSource implements QuotaSource {
  readonly description = "stand-in quota (no Azure call)";
  constructor(
    private readonly limits: Readonly<Record<string, { limit: number; inUse?: number }>> = {
      standardNCADSA100v4Family: { limit: 96 },
      standardNCSv3Family: { limit: 24 },
    },
    private readonly sizes: readonly VmSizeInfo[] = KNOWN_VM_SIZES,
  ) {}

  async vmSizes(): Promise<VmSizeInfo[]> {
    return [...this.sizes];
  }

  async usages(): Promise<FamilyUsage[]> {
    return Object.entries(this.limits).map(([family, { limit, inUse }]) => ({
      family,
      displayName: `${family} (stand-in)`,
      limit,
      inUse: inUse ?? 0,
    }));
  }
}
