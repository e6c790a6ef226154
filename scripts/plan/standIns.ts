import { familyKey, QuotaSource, QuotaUsage, TOTAL_DEDICATED, TOTAL_LOW_PRIORITY } from "../../components/azure/quota";
import { GPU_VM_SIZES, VmSizeInfo } from "../../domain/catalogue/vmSizes";

/**
 * The Azure public cloud's regions by programmatic name (learn.microsoft.com/azure/reliability/regions-list): what
 * the plan's preflight accepts for `azure-native:location`. Offline, the plan cannot know which of them offer Azure
 * ML to a subscription; `pulumi up` and `npm run preflight` ask Azure (Providers - Get).
 */
export const ML_REGIONS: readonly string[] = [
  "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast", "belgiumcentral",
  "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia", "centralus", "chilecentral",
  "eastasia", "eastus", "eastus2", "francecentral", "francesouth", "germanynorth", "germanywestcentral",
  "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "koreasouth",
  "malaysiawest", "mexicocentral", "newzealandnorth", "northcentralus", "northeurope", "norwayeast", "norwaywest",
  "polandcentral", "qatarcentral", "southafricanorth", "southafricawest", "southcentralus", "southeastasia",
  "southindia", "spaincentral", "swedencentral", "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth",
  "uksouth", "ukwest", "westcentralus", "westeurope", "westindia", "westus", "westus2", "westus3",
];

/**
 * Usage rows named as the usages API names them (2025-12-01 example Usage/list.json), with room for the largest
 * stack the config allows on every size the stack offers, so the plan never refuses what its own messages recommend.
 */
export const ROOMY_USAGES: readonly QuotaUsage[] = [
  { name: TOTAL_DEDICATED, limit: 10_000, inUse: 0 },
  { name: TOTAL_LOW_PRIORITY, limit: 10_000, inUse: 0 },
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
