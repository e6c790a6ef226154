/**
 * Quota preflight: before the stack creates anything, compare the Azure ML vCPU quota of each VM family the stack
 * needs with what it would use, and fail with one clear message per family that falls short.
 */

/** A VM size as Azure ML's `locations/{location}/vmSizes` API describes it. */
export interface VmSizeInfo {
  readonly name: string;
  /** The quota family, e.g. `standardNCADSA100v4Family`: the `name.value` of its usage. */
  readonly family: string;
  readonly vCPUs: number;
  readonly gpus: number;
}

/** One family's dedicated-vCPU usage and limit, from Azure ML's `locations/{location}/usages` API. */
export interface FamilyUsage {
  readonly family: string;
  /** Human name of the quota, e.g. "Standard NCADSA100v4 Family Cluster Dedicated vCPUs". */
  readonly displayName: string;
  readonly limit: number;
  readonly inUse: number;
}

/** Where quota facts come from: Azure ML itself, or a stand-in in the plan and the tests. */
export interface QuotaSource {
  /** Says where the numbers come from, for the plan's notes. */
  readonly description: string;
  vmSizes(location: string): Promise<VmSizeInfo[]>;
  usages(location: string): Promise<FamilyUsage[]>;
}

/** What one part of the stack will run. */
export interface QuotaDemand {
  /** What the vCPUs are for, e.g. "training cluster". */
  readonly purpose: string;
  readonly vmSize: string;
  readonly instances: number;
  /**
   * Extra share of instances Azure reserves, rounded up: managed online endpoints reserve 20% for upgrades, so a
   * deployment of N instances needs ceil(1.2 * N) * vCPUs of quota.
   */
  readonly reserve?: number;
}

/** The quota of one family set against what the stack needs of it. */
export interface FamilyQuotaCheck {
  readonly family: string;
  readonly displayName: string;
  readonly needed: number;
  readonly limit: number;
  readonly inUse: number;
  /** One line per demand on the family, e.g. "training cluster: 1 x Standard_NC24ads_A100_v4 (24 vCPUs)". */
  readonly breakdown: readonly string[];
  readonly ok: boolean;
}

/** Where a person asks for more Azure ML quota. */
export const QUOTA_HELP_URL =
  "https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas#request-quota-and-limit-increases";

export class QuotaError extends Error {
  constructor(
    readonly location: string,
    readonly shortfalls: readonly FamilyQuotaCheck[],
  ) {
    super(
      `not enough Azure ML vCPU quota in ${location}:\n` +
        shortfalls
          .map(
            (s) =>
              `  - ${s.displayName}: need ${s.needed} (${s.breakdown.join("; ")}), limit ${s.limit}, in use ${s.inUse}, ` +
              `available ${Math.max(s.limit - s.inUse, 0)}`,
          )
          .join("\n") +
        `\nRequest more in Azure ML studio (Quota) or the Azure portal (Quotas > Machine learning); see ${QUOTA_HELP_URL}. ` +
        `Set phi3-foundry:quotaCheck=false to skip this check.`,
    );
    this.name = "QuotaError";
  }
}

/** vCPUs a demand takes from its family's quota. */
export function vcpusNeeded(demand: QuotaDemand, size: VmSizeInfo): number {
  return Math.ceil(demand.instances * (1 + (demand.reserve ?? 0))) * size.vCPUs;
}

/**
 * Sets each family's limit and usage against the stack's demands (demands on the same family add up). Throws a
 * {@link QuotaError} naming every short family, or returns the checks, all ok.
 */
export async function checkQuota(source: QuotaSource, location: string, demands: readonly QuotaDemand[]): Promise<FamilyQuotaCheck[]> {
  if (demands.length === 0) return [];
  const [sizes, usages] = await Promise.all([source.vmSizes(location), source.usages(location)]);
  const sizeByName = new Map(sizes.map((s) => [s.name.toLowerCase(), s]));
  const usageByFamily = new Map(usages.map((u) => [u.family.toLowerCase(), u]));

  const byFamily = new Map<string, { needed: number; breakdown: string[] }>();
  for (const demand of demands) {
    const size = sizeByName.get(demand.vmSize.toLowerCase());
    if (!size) {
      throw new Error(`${demand.purpose}: VM size ${demand.vmSize} is not offered by Azure ML in ${location} (${source.description})`);
    }
    const needed = vcpusNeeded(demand, size);
    const entry = byFamily.get(size.family) ?? { needed: 0, breakdown: [] };
    entry.needed += needed;
    const reserve = demand.reserve ? ` with ${Math.round(demand.reserve * 100)}% upgrade reserve` : "";
    entry.breakdown.push(`${demand.purpose}: ${demand.instances} x ${size.name} (${size.vCPUs} vCPUs)${reserve} = ${needed}`);
    byFamily.set(size.family, entry);
  }

  const checks = [...byFamily].map(([family, { needed, breakdown }]): FamilyQuotaCheck => {
    const usage = usageByFamily.get(family.toLowerCase());
    const limit = usage?.limit ?? 0;
    const inUse = usage?.inUse ?? 0;
    return { family, displayName: usage?.displayName ?? family, needed, limit, inUse, breakdown, ok: limit - inUse >= needed };
  });
  const short = checks.filter((c) => !c.ok);
  if (short.length > 0) throw new QuotaError(location, short);
  return checks;
}
