/**
 * Quota preflight: before the stack creates anything, compare the Azure ML vCPU quota of each VM family the stack
 * needs with what it would use, and fail with one clear message per family that falls short.
 */
import type { VmSizeInfo } from "../../domain/catalogue/vmSizes";

/**
 * One row of Azure ML's `locations/{location}/usages` API: a VM family's dedicated vCPUs ("Standard NCADSA100v4 Family
 * Cluster Dedicated vCPUs"), the region's total ("Total Cluster Dedicated Regional vCPUs"), or one workspace's share
 * of a family (rows whose id names a workspace).
 */
export interface QuotaUsage {
  /** `name.value` of the row. */
  readonly name: string;
  readonly limit: number;
  readonly inUse: number;
  /** The workspace a per-workspace row belongs to. */
  readonly workspace?: string;
}

/** Where quota facts come from: Azure ML itself, or a stand-in in the plan and the tests. */
export interface QuotaSource {
  /** Says where the numbers come from, for the plan's notes. */
  readonly description: string;
  /** Regions (names such as `eastus2`) where Azure ML workspaces are offered. */
  mlRegions(): Promise<string[]>;
  vmSizes(location: string): Promise<VmSizeInfo[]>;
  usages(location: string): Promise<QuotaUsage[]>;
}

/** Name of the usage row that caps all dedicated cluster and endpoint vCPUs of a region. */
export const TOTAL_DEDICATED = "Total Cluster Dedicated Regional vCPUs";

/**
 * Name of the usage row that caps a region's low-priority cluster vCPUs, one value across VM families: in the usages
 * example (2025-12-01 Usage/list.json) the per-family "... Family Cluster LowPriority vCPUs" rows have limit -1 (none of
 * their own), and low-priority VMs have "a single value across VM families" (Azure ML how-to-use-low-priority-batch).
 */
export const TOTAL_LOW_PRIORITY = "Total Cluster LowPriority Regional vCPUs";

// vmSizes calls the V100 family standardNCSv3Family; the usages API example (2025-12-01 Usage/list.json) names its
// quota "Standard NCv3 Family Cluster Dedicated vCPUs".
const FAMILY_ALIASES: Readonly<Record<string, string>> = { standardncsv3family: "standardncv3family" };

/** One key for a family however an API spells it: "standardNCADSA100v4Family" = "Standard NCADSA100v4 Family Cluster Dedicated vCPUs". */
export function familyKey(name: string): string {
  const key = name.toLowerCase().replace(/[^a-z0-9]/g, "").replace(/clusterdedicatedvcpus$/, "");
  return FAMILY_ALIASES[key] ?? key;
}

/** What one part of the stack will run. */
export interface QuotaDemand {
  /** What the vCPUs are for, e.g. "training cluster". */
  readonly purpose: string;
  /** The config key that sets the size, for messages. */
  readonly key: string;
  readonly vmSize: string;
  readonly instances: number;
  /** Low-priority nodes draw on the region's low-priority total alone; dedicated ones (the default) on their family and the dedicated total. */
  readonly priority?: "Dedicated" | "LowPriority";
  /**
   * Extra share of instances Azure reserves, rounded up: managed online endpoints reserve 20% for upgrades, so a
   * deployment of N instances needs ceil(1.2 * N) * vCPUs of quota.
   */
  readonly reserve?: number;
}

/** The quota of one family (or of the region's total) set against what the stack needs of it. */
export interface FamilyQuotaCheck {
  readonly family: string;
  readonly needed: number;
  readonly limit: number;
  readonly inUse: number;
  /** Of `inUse`, what this stack's own workspace already holds (it is not needed twice). */
  readonly inUseByStack: number;
  /** One line per demand on the family, e.g. "training cluster: 1 x Standard_NC24ads_A100_v4 (24 vCPUs) = 24". */
  readonly breakdown: readonly string[];
  readonly ok: boolean;
}

/** Where a person asks for more Azure ML quota (how-to-manage-quotas). */
export const QUOTA_HELP =
  "request more in Azure ML studio (https://ml.azure.com/quota) or in the Azure portal (your workspace > " +
  "Support + troubleshooting > Usage + quotas); see https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas";

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
              `  - ${s.family}: need ${s.needed} (${s.breakdown.join("; ")}), limit ${s.limit}, in use ${s.inUse}` +
              `${s.inUseByStack ? ` (${s.inUseByStack} by this stack)` : ""}, available ${available(s)}`,
          )
          .join("\n") +
        `\nTo fix: ${QUOTA_HELP}. Or lower trainingMaxNodes / servingInstanceCount, or set phi3-foundry:quotaCheck=false to skip this check.`,
    );
    this.name = "QuotaError";
  }
}

/** vCPUs a family can still give this stack: its free quota plus what the stack already holds. */
function available(check: Pick<FamilyQuotaCheck, "limit" | "inUse" | "inUseByStack">): number {
  return Math.max(check.limit - check.inUse + check.inUseByStack, 0);
}

/**
 * Families Azure ML does not reserve upgrade headroom for: the "Skip 20% Reservation" column of the managed online
 * endpoints SKU list (azure-ai-docs reference-managed-online-endpoints-vm-sku-list).
 */
const RESERVE_EXEMPT_FAMILIES = new Set(
  [
    "standardNCADSA100v4Family",
    "standardNCADSH100v5Family",
    "standard NDAMSv4_A100Family",
    "standard NDASv4_A100 Family",
    "standardNDSv2Family",
    "standardNDv5H100Family",
  ].map(familyKey),
);

/** The share of extra instances Azure reserves for this demand on this size. */
function reserveOf(demand: QuotaDemand, size: VmSizeInfo): number {
  return RESERVE_EXEMPT_FAMILIES.has(familyKey(size.family)) ? 0 : (demand.reserve ?? 0);
}

/** vCPUs a demand takes from its family's quota. */
export function vcpusNeeded(demand: QuotaDemand, size: VmSizeInfo): number {
  return Math.ceil(demand.instances * (1 + reserveOf(demand, size))) * size.vCPUs;
}

/**
 * Sets the quota of each family the stack needs, and the region's total, against the stack's demands (demands on one
 * family add up). What the stack's own workspace already holds counts as available to it, so a second `pulumi up`
 * does not fail on quota the first one took. Throws a {@link QuotaError} naming every short family.
 */
export async function checkQuota(
  source: QuotaSource,
  location: string,
  demands: readonly QuotaDemand[],
  isOwnWorkspace: (workspace: string) => boolean = () => false,
): Promise<FamilyQuotaCheck[]> {
  // The region first: for a region without Azure ML, its own message rather than the usages API's error.
  const sizes = await checkRegion(source, location, demands);
  if (demands.length === 0) return [];
  const usages = await source.usages(location);
  const sizeByName = new Map(sizes.map((s) => [s.name.toLowerCase(), s]));

  const needs = new Map<string, { family: string; needed: number; breakdown: string[] }>();
  const add = (key: string, family: string, needed: number, line: string) => {
    const entry = needs.get(key) ?? { family, needed: 0, breakdown: [] };
    entry.needed += needed;
    entry.breakdown.push(line);
    needs.set(key, entry);
  };
  for (const demand of demands) {
    const size = sizeByName.get(demand.vmSize.toLowerCase());
    if (!size) throw new Error(`${demand.purpose}: VM size ${demand.vmSize} is not offered by Azure ML in ${location}`);
    const needed = vcpusNeeded(demand, size);
    const share = reserveOf(demand, size);
    const reserve = share ? ` with ${Math.round(share * 100)}% upgrade reserve` : "";
    const lowPriority = demand.priority === "LowPriority";
    const line = `${demand.purpose}: ${demand.instances} x ${size.name}${lowPriority ? " low priority" : ""} (${size.vCPUs} vCPUs)${reserve} = ${needed}`;
    if (lowPriority) {
      add(familyKey(TOTAL_LOW_PRIORITY), TOTAL_LOW_PRIORITY, needed, line);
      continue;
    }
    add(familyKey(size.family), size.family, needed, line);
    add(familyKey(TOTAL_DEDICATED), TOTAL_DEDICATED, needed, line);
  }

  const checks = [...needs].map(([key, { family, needed, breakdown }]): FamilyQuotaCheck => {
    const rows = usages.filter((u) => familyKey(u.name) === key);
    const subscriptionRow = rows.find((u) => u.workspace === undefined);
    const inUseByStack = rows
      .filter((u) => u.workspace !== undefined && isOwnWorkspace(u.workspace))
      .reduce((sum, u) => sum + u.inUse, 0);
    const limit = subscriptionRow?.limit ?? 0;
    const inUse = subscriptionRow?.inUse ?? 0;
    const check = { family, needed, limit, inUse, inUseByStack, breakdown };
    return { ...check, ok: available(check) >= needed };
  });
  const short = checks.filter((c) => !c.ok);
  if (short.length > 0) throw new QuotaError(location, short);
  return checks;
}

/** The region or a size is not what Azure offers; the message names the config key, the value and what is allowed. */
export class PreflightError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the stack's region or VM sizes are not offered by Azure ML:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PreflightError";
  }
}

/** Sizes whose name does not say their GPU (learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated). */
const GPU_OF_UNNAMED_SIZES: Readonly<Record<string, string>> = { standard_nd96asr_v4: "A100", standard_nd40rs_v2: "V100" };

/** The GPU of a size (Standard_NC24ads_A100_v4 -> A100), or undefined when neither its name nor the table says. */
export function gpuClassOf(size: string): string | undefined {
  return /_(A100|H100|H200|T4|A10|V100|MI300X)(_|$)/i.exec(size)?.[1]?.toUpperCase() ?? GPU_OF_UNNAMED_SIZES[size.toLowerCase()];
}

/**
 * Before anything is created: the region offers Azure ML, and offers each size the stack needs; else a
 * {@link PreflightError} lists the regions, or the region's GPU sizes of the same GPU class. Returns the region's sizes.
 */
export async function checkRegion(source: QuotaSource, location: string, demands: readonly QuotaDemand[]): Promise<VmSizeInfo[]> {
  const regions = await source.mlRegions();
  if (!regions.includes(location)) {
    throw new PreflightError([`azure-native:location = "${location}": Azure ML is not offered there; regions that offer it: ${regions.join(", ")}`]);
  }
  if (demands.length === 0) return [];
  const sizes = await source.vmSizes(location);
  const offered = new Set(sizes.map((s) => s.name.toLowerCase()));
  const problems = demands
    .filter((d) => !offered.has(d.vmSize.toLowerCase()))
    .map((d) => {
      const gpu = gpuClassOf(d.vmSize);
      const alternatives = sizes.filter((s) => s.gpus > 0 && (!gpu || gpuClassOf(s.name) === gpu)).map((s) => s.name);
      const what = gpu ? `${gpu} sizes` : "GPU sizes";
      return `${d.key} = "${d.vmSize}": not offered by Azure ML in ${location}; ${what} it offers there: ${alternatives.join(", ") || "none"}`;
    });
  if (problems.length > 0) throw new PreflightError(problems);
  return sizes;
}
