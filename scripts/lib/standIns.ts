import { QuotaSource, QuotaUsage, TOTAL_DEDICATED, VmSizeInfo } from "../../components/azure/quota";
import { GPU_VM_SIZES } from "../../infra/vmSizes";

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
    private readonly sizes: readonly VmSizeInfo[] = GPU_VM_SIZES,
  ) {}

  async vmSizes(): Promise<VmSizeInfo[]> {
    return [...this.sizes];
  }

  async usages(): Promise<QuotaUsage[]> {
    return [...this.rows];
  }
}
