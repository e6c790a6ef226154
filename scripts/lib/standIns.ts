import { familyKey, QuotaSource, QuotaUsage, TOTAL_DEDICATED, VmSizeInfo } from "../../components/azure/quota";
import { GPU_VM_SIZES } from "../../infra/vmSizes";

/**
 * Regions that offer Azure ML workspaces, as the Microsoft.MachineLearningServices provider listed them in 2026
 * (Azure products-by-region): what the plan's preflight accepts for `azure-native:location`.
 */
export const ML_REGIONS: readonly string[] = [
  "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus", "eastus2",
  "francecentral", "germanywestcentral", "japaneast", "koreacentral", "northcentralus", "northeurope", "norwayeast",
  "southafricanorth", "southcentralus", "southeastasia", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth",
  "westcentralus", "westeurope", "westus", "westus2", "westus3",
];

/**
 * Usage rows named as the usages API names them (2025-12-01 example Usage/list.json), with room for the largest
 * stack the config allows on every size the stack offers, so the plan never refuses what its own messages recommend.
 */
export const ROOMY_USAGES: readonly QuotaUsage[] = [
  { name: TOTAL_DEDICATED, limit: 10_000, inUse: 0 },
  ...[...new Map(GPU_VM_SIZES.map((s) => [familyKey(s.family), s.family])).values()].map((family) => ({ name: family, limit: 2_000, inUse: 0 })),
];

/** A quota source that answers from fixed tables instead of Azure: the plan's and the tests' stand-in. */
export class StandInQuotaSource implements QuotaSource {
  readonly description = "a stand-in, not Azure";
  constructor(
    private readonly rows: readonly QuotaUsage[] = ROOMY_USAGES,
    private readonly sizes: readonly VmSizeInfo[] = GPU_VM_SIZES,
    private readonly regions: readonly string[] = ML_REGIONS,
  ) {}

  async mlRegions(): Promise<string[]> {
    return [...this.regions];
  }

  async vmSizes(): Promise<VmSizeInfo[]> {
    return this.sizes.map(({ name, family, vCPUs, gpus }) => ({ name, family, vCPUs, gpus }));
  }

  async usages(): Promise<QuotaUsage[]> {
    return [...this.rows];
  }
}
