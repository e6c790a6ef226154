import { QuotaSource, QuotaUsage, TOTAL_DEDICATED, VmSizeInfo } from "../../components/azure/quota";

/**
 * VM sizes the stack's defaults use, as Azure ML's vmSizes API reports them: vCPUs, GPUs and families from Azure ML's
 * managed online endpoints SKU list and the NC A100 v4 and NCv3 series docs.
 */
export const KNOWN_VM_SIZES: readonly VmSizeInfo[] = [
  { name: "Standard_NC24ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 24, gpus: 1 },
  { name: "Standard_NC48ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 48, gpus: 2 },
  { name: "Standard_NC96ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 96, gpus: 4 },
  { name: "Standard_NC6s_v3", family: "standardNCSv3Family", vCPUs: 6, gpus: 1 },
  { name: "Standard_NC12s_v3", family: "standardNCSv3Family", vCPUs: 12, gpus: 2 },
  { name: "Standard_NC24s_v3", family: "standardNCSv3Family", vCPUs: 24, gpus: 4 },
];

/** Usage rows named as the usages API names them (2025-12-01 example Usage/list.json), with room for the stack. */
export const ROOMY_USAGES: readonly QuotaUsage[] = [
  { name: TOTAL_DEDICATED, limit: 200, inUse: 0 },
  { name: "Standard NCADSA100v4 Family Cluster Dedicated vCPUs", limit: 96, inUse: 0 },
  { name: "Standard NCv3 Family Cluster Dedicated vCPUs", limit: 24, inUse: 0 },
];

/** A quota source that answers from fixed tables instead of Azure: the plan's and the tests' stand-in. */
export class StandInQuotaSource implements QuotaSource {
  readonly description = "a stand-in, not Azure";
  constructor(
    private readonly rows: readonly QuotaUsage[] = ROOMY_USAGES,
    private readonly sizes: readonly VmSizeInfo[] = KNOWN_VM_SIZES,
  ) {}

  async vmSizes(): Promise<VmSizeInfo[]> {
    return [...this.sizes];
  }

  async usages(): Promise<QuotaUsage[]> {
    return [...this.rows];
  }
}
