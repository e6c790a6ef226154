import {
  checkQuota,
  checkRegion,
  familyKey,
  gpuClassOf,
  PreflightError,
  QuotaError,
  QuotaSource,
  QuotaUsage,
  TOTAL_LOW_PRIORITY,
  vcpusNeeded,
} from "../components/azure/quota";
import { parseStackConfig } from "../infra/config";
import { quotaDemands } from "../infra/quotaDemands";
import { GPU_VM_SIZES as KNOWN_VM_SIZES, VmSizeInfo } from "../domain/catalogue/vmSizes";
import { ML_REGIONS, StandInQuotaSource } from "../scripts/plan/standIns";
import { devRaw } from "./support/stackConfig";

const A100 = { purpose: "training cluster", key: "trainingVmSize", vmSize: "Standard_NC24ads_A100_v4", instances: 1 };
const T4 = { purpose: "online deployment", key: "servingVmSize", vmSize: "Standard_NC4as_T4_v3", instances: 1, reserve: 0.2 };
const A100_ROW = "Standard NCADSA100v4 Family Cluster Dedicated vCPUs";
const T4_ROW = "Standard NCASv3_T4 Family Cluster Dedicated vCPUs";
const V100_ROW = "Standard NCv3 Family Cluster Dedicated vCPUs";
/** The regional cap of dedicated cluster vCPUs, as the usages example names it (2025-12-01 Usage/list.json). */
const TOTAL_DEDICATED = "Total Cluster Dedicated Regional vCPUs";

/**
 * Sizes as Azure ML's vmSizes API lists them in a region that still offers NCv3 (V100), whose family the vmSizes API
 * and the usages API spell differently. The stack no longer offers NCv3 (retired), but checkQuota takes its sizes from
 * the source, so the fixture shows the two spellings joined.
 */
const NCV3_SIZES: VmSizeInfo[] = [
  { name: "Standard_NC6s_v3", family: "standardNCSv3Family", vCPUs: 6, gpus: 1 },
  { name: "Standard_NC24s_v3", family: "standardNCSv3Family", vCPUs: 24, gpus: 4 },
];

/** Usage rows as Azure names them, with a roomy regional total unless given. */
function rows(limits: Record<string, number>, extra: QuotaUsage[] = [], sizes?: VmSizeInfo[]): StandInQuotaSource {
  const list: QuotaUsage[] = Object.entries(limits).map(([name, limit]) => ({ name, limit, inUse: 0 }));
  if (!(TOTAL_DEDICATED in limits)) list.push({ name: TOTAL_DEDICATED, limit: 1000, inUse: 0 });
  return new StandInQuotaSource([...list, ...extra], sizes);
}

async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: any[]) => T): Promise<T> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as T;
}

const quotaError = (promise: Promise<unknown>) => rejection(promise, QuotaError);

describe("familyKey", () => {
  it("joins the vmSizes family name with the usages row name", () => {
    expect(familyKey("standardNCADSA100v4Family")).toBe(familyKey(A100_ROW));
    expect(familyKey("standard NCASv3_T4 Family")).toBe(familyKey(T4_ROW));
    expect(familyKey("standardNCSv3Family")).toBe(familyKey(V100_ROW));
    expect(familyKey("standardNCSv3Family")).toBe(familyKey("Standard NCSv3 Family Cluster Dedicated vCPUs"));
    expect(familyKey("standardNCADSA100v4Family")).not.toBe(familyKey("Standard NCADSA100v4 Family Cluster LowPriority vCPUs"));
  });
});

describe("vcpusNeeded", () => {
  const nc4 = KNOWN_VM_SIZES.find((s) => s.name === "Standard_NC4as_T4_v3")!;
  it.each([
    [1, 0, 4],
    [1, 0.2, 8], // ceil(1.2 * 1) = 2 instances
    [3, 0.2, 16], // ceil(3.6) = 4
    [5, 0.2, 24], // ceil(6.0) = 6
  ])("%i instances with %d reserve take %i vCPUs of NC4as_T4_v3", (instances, reserve, expected) => {
    expect(vcpusNeeded({ purpose: "x", key: "servingVmSize", vmSize: nc4.name, instances, reserve }, nc4)).toBe(expected);
  });

  it("reserves nothing extra on families Azure exempts (A100)", () => {
    const a100 = KNOWN_VM_SIZES.find((s) => s.name === "Standard_NC24ads_A100_v4")!;
    expect(vcpusNeeded({ purpose: "x", key: "servingVmSize", vmSize: a100.name, instances: 1, reserve: 0.2 }, a100)).toBe(24);
    expect(vcpusNeeded({ purpose: "x", key: "servingVmSize", vmSize: a100.name, instances: 3, reserve: 0.2 }, a100)).toBe(72);
  });
});

describe("gpuClassOf", () => {
  it.each([
    ["Standard_NC24ads_A100_v4", "A100"],
    ["standard_nc24ads_a100_v4", "A100"],
    ["Standard_NC40ads_H100_v5", "H100"],
    ["Standard_NC4as_T4_v3", "T4"],
    ["Standard_NV36ads_A10_v5", "A10"],
    ["Standard_ND96asr_v4", "A100"],
    ["Standard_ND40rs_v2", "V100"],
    ["Standard_NC6s_v3", undefined],
    ["Standard_D4s_v3", undefined],
  ])("reads the GPU of %s as %s", (size, gpu) => {
    expect(gpuClassOf(size)).toBe(gpu);
  });

  it("agrees with the GPU the stack's size table gives, wherever the name says one", () => {
    const named = KNOWN_VM_SIZES.filter((s) => gpuClassOf(s.name) !== undefined);
    expect(named.length).toBeGreaterThan(10);
    for (const size of named) expect(gpuClassOf(size.name)).toBe(size.gpu);
  });
});

describe("checkRegion", () => {
  /** A region's sizes: two A100s, an H100, a T4 and a CPU size. */
  const REGION_SIZES: VmSizeInfo[] = [
    { name: "Standard_NC24ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 24, gpus: 1 },
    { name: "Standard_NC48ads_A100_v4", family: "standardNCADSA100v4Family", vCPUs: 48, gpus: 2 },
    { name: "Standard_NC40ads_H100_v5", family: "standardNCADSH100v5Family", vCPUs: 40, gpus: 1 },
    { name: "Standard_NC4as_T4_v3", family: "standard NCASv3_T4 Family", vCPUs: 4, gpus: 1 },
    { name: "Standard_D4s_v3", family: "standardDSv3Family", vCPUs: 4, gpus: 0 },
  ];
  const source = () => new StandInQuotaSource(undefined, REGION_SIZES);

  it("returns the region's sizes when the region offers Azure ML and every size the stack needs", async () => {
    await expect(checkRegion(source(), "eastus2", [A100, T4])).resolves.toEqual(REGION_SIZES);
  });

  it("refuses a location without Azure ML, listing the regions that offer it, before asking for sizes", async () => {
    const standIn = source();
    const vmSizes = jest.spyOn(standIn, "vmSizes");
    const error = await rejection(checkRegion(standIn, "mars", [A100]), PreflightError);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('azure-native:location = "mars"');
    expect(error.message).toContain(`regions that offer it: ${ML_REGIONS.join(", ")}`);
    expect(error.message).toMatch(/eastus2.*swedencentral/);
    expect(vmSizes).not.toHaveBeenCalled();
    await expect(checkQuota(source(), "mars", [A100])).rejects.toThrow(PreflightError);
  });

  it("refuses a size the region does not offer, naming the key and the region's sizes of the same GPU class", async () => {
    const demand = { ...A100, vmSize: "Standard_NC96ads_A100_v4" };
    const error = await rejection(checkRegion(source(), "eastus2", [demand, T4]), PreflightError);
    expect(error.problems).toEqual([
      'trainingVmSize = "Standard_NC96ads_A100_v4": not offered by Azure ML in eastus2; A100 sizes it offers there: Standard_NC24ads_A100_v4, Standard_NC48ads_A100_v4',
    ]);
    expect(error.message).not.toMatch(/H100|T4_v3/);
    await expect(checkQuota(source(), "eastus2", [demand])).rejects.toThrow(/trainingVmSize = "Standard_NC96ads_A100_v4"/);
  });

  it("names every size it refuses, and says when the region has none of that GPU class", async () => {
    const serving = { ...T4, vmSize: "Standard_NV36ads_A10_v5" };
    const training = { ...A100, vmSize: "Standard_NC6s_v3" };
    const error = await rejection(checkRegion(source(), "eastus2", [training, serving]), PreflightError);
    expect(error.problems).toEqual([
      // A size whose GPU neither its name nor the table says: every GPU size of the region, and no CPU size.
      'trainingVmSize = "Standard_NC6s_v3": not offered by Azure ML in eastus2; GPU sizes it offers there: ' +
        "Standard_NC24ads_A100_v4, Standard_NC48ads_A100_v4, Standard_NC40ads_H100_v5, Standard_NC4as_T4_v3",
      'servingVmSize = "Standard_NV36ads_A10_v5": not offered by Azure ML in eastus2; A10 sizes it offers there: none',
    ]);
  });

  it("compares sizes as Azure does, ignoring case", async () => {
    await expect(checkRegion(source(), "eastus2", [{ ...A100, vmSize: "standard_nc24ads_a100_v4" }])).resolves.toHaveLength(REGION_SIZES.length);
  });
});

describe("checkQuota", () => {
  it("passes when each family and the regional total have room, reporting need, limit and use", async () => {
    const checks = await checkQuota(new StandInQuotaSource(), "eastus2", [A100, T4]);
    expect(checks).toEqual([
      expect.objectContaining({ family: "standardNCADSA100v4Family", needed: 24, limit: 2000, inUse: 0, ok: true }),
      expect.objectContaining({ family: TOTAL_DEDICATED, needed: 32, limit: 10000, ok: true }),
      expect.objectContaining({ family: "standard NCASv3_T4 Family", needed: 8, limit: 2000, ok: true }),
    ]);
  });

  it("fails with one line per short family: needed, limit, in use and how to ask for more", async () => {
    const source = new StandInQuotaSource([
      { name: TOTAL_DEDICATED, limit: 100, inUse: 0 },
      { name: A100_ROW, limit: 24, inUse: 12 },
      { name: T4_ROW, limit: 4, inUse: 0 },
    ]);
    const error = await quotaError(checkQuota(source, "eastus2", [A100, T4]));
    expect(error.shortfalls.map((s) => s.family)).toEqual(["standardNCADSA100v4Family", "standard NCASv3_T4 Family"]);
    expect(error.message).toMatch(/NCADSA100v4Family: need 24 .*limit 24, in use 12, available 12/);
    expect(error.message).toMatch(/NCASv3_T4 Family: need 8 .*20% upgrade reserve.*limit 4, in use 0, available 4/);
    expect(error.message).toContain("https://ml.azure.com/quota");
    expect(error.message).toContain("https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas");
    expect(error.message).toContain("quotaCheck=false");
    expect(error.message).toContain("eastus2");
  });

  it("fails on the regional total even when each family has room", async () => {
    const error = await quotaError(checkQuota(rows({ [A100_ROW]: 96, [T4_ROW]: 24, [TOTAL_DEDICATED]: 30 }), "eastus2", [A100, T4]));
    expect(error.shortfalls).toEqual([expect.objectContaining({ family: TOTAL_DEDICATED, needed: 32, limit: 30 })]);
  });

  it("adds up demands on the same family", async () => {
    const training = { purpose: "training cluster", key: "trainingVmSize", vmSize: "Standard_NC16as_T4_v3", instances: 1 };
    const error = await quotaError(checkQuota(rows({ [T4_ROW]: 20 }), "eastus2", [training, T4]));
    expect(error.shortfalls).toEqual([expect.objectContaining({ family: "standard NCASv3_T4 Family", needed: 24, limit: 20 })]);
    expect(error.shortfalls[0].breakdown).toHaveLength(2);
  });

  it("finds a family's quota row however the usages API spells it (NCv3 sizes from the source)", async () => {
    const training = { purpose: "training cluster", key: "trainingVmSize", vmSize: "Standard_NC24s_v3", instances: 1 };
    const serving = { purpose: "online deployment", key: "servingVmSize", vmSize: "Standard_NC6s_v3", instances: 1, reserve: 0.2 };
    const error = await quotaError(checkQuota(rows({ [V100_ROW]: 30 }, [], NCV3_SIZES), "eastus2", [training, serving]));
    expect(error.shortfalls).toEqual([expect.objectContaining({ family: "standardNCSv3Family", needed: 36, limit: 30 })]);
    expect(error.shortfalls[0].breakdown).toHaveLength(2);
  });

  it("counts what the stack's own workspace already holds as available to it, and nobody else's", async () => {
    const busy = (workspace: string): QuotaUsage[] => [{ name: T4_ROW, limit: 16, inUse: 8, workspace }];
    const own = (ws: string) => ws === "mlw-phi-dev-abc123";
    const withOwn = new StandInQuotaSource([{ name: T4_ROW, limit: 8, inUse: 8 }, { name: TOTAL_DEDICATED, limit: 100, inUse: 8 }, ...busy("mlw-phi-dev-abc123")]);
    await expect(checkQuota(withOwn, "eastus2", [T4], own)).resolves.toEqual([
      expect.objectContaining({ family: "standard NCASv3_T4 Family", inUse: 8, inUseByStack: 8, ok: true }),
      expect.objectContaining({ family: TOTAL_DEDICATED, inUse: 8, inUseByStack: 0, ok: true }),
    ]);
    const withOther = new StandInQuotaSource([{ name: T4_ROW, limit: 8, inUse: 8 }, ...busy("someone-else")]);
    const error = await quotaError(checkQuota(withOther, "eastus2", [T4], own));
    expect(error.message).toMatch(/in use 8, available 0/);
  });

  it("treats a family without a usage row as a limit of zero", async () => {
    const error = await quotaError(checkQuota(rows({}), "eastus2", [A100]));
    expect(error.shortfalls[0]).toMatchObject({ family: "standardNCADSA100v4Family", limit: 0, needed: 24 });
  });

  it("names a VM size that Azure ML does not offer in the region", async () => {
    const demand = { purpose: "training cluster", key: "trainingVmSize", vmSize: "Standard_ND40rs_v2", instances: 1 };
    const promise = checkQuota(new StandInQuotaSource(), "eastus2", [demand]);
    const error = await rejection(promise, PreflightError);
    expect(error.message).toMatch(/trainingVmSize = "Standard_ND40rs_v2".*eastus2/);
  });

  describe("low-priority training", () => {
    // Rows as the usages API lists them (2025-12-01 example Usage/list.json): one regional low-priority total, and
    // per-family low-priority rows whose limit is -1, next to the dedicated rows.
    const LOW_TOTAL = "Total Cluster LowPriority Regional vCPUs";
    const lowPriorityRows = (inUse: number) =>
      new StandInQuotaSource([
        { name: TOTAL_DEDICATED, limit: 100, inUse: 0 },
        { name: A100_ROW, limit: 0, inUse: 0 },
        { name: T4_ROW, limit: 24, inUse: 0 },
        { name: LOW_TOTAL, limit: 50, inUse },
        { name: "Standard NCADSA100v4 Family Cluster LowPriority vCPUs", limit: -1, inUse },
      ]);
    const lowA100 = { ...A100, priority: "LowPriority" as const };

    it("reads the region's low-priority total instead of the family's dedicated quota", async () => {
      expect(TOTAL_LOW_PRIORITY).toBe(LOW_TOTAL);
      const checks = await checkQuota(lowPriorityRows(18), "eastus2", [lowA100, T4]);
      expect(checks).toEqual([
        expect.objectContaining({ family: LOW_TOTAL, needed: 24, limit: 50, inUse: 18, ok: true }),
        expect.objectContaining({ family: "standard NCASv3_T4 Family", needed: 8, ok: true }),
        expect.objectContaining({ family: TOTAL_DEDICATED, needed: 8, ok: true }),
      ]);
      expect(checks[0].breakdown).toEqual(["training cluster: 1 x Standard_NC24ads_A100_v4 low priority (24 vCPUs) = 24"]);
      // Dedicated, the same demand needs the A100 family's quota, which is 0 here.
      const error = await quotaError(checkQuota(lowPriorityRows(18), "eastus2", [A100, T4]));
      expect(error.shortfalls.map((s) => s.family)).toEqual(["standardNCADSA100v4Family"]);
    });

    it("fails naming the low-priority total when it is short", async () => {
      const error = await quotaError(checkQuota(lowPriorityRows(40), "eastus2", [lowA100]));
      expect(error.shortfalls).toEqual([expect.objectContaining({ family: LOW_TOTAL, needed: 24, limit: 50, inUse: 40 })]);
      expect(error.message).toContain("  - Total Cluster LowPriority Regional vCPUs: need 24 (training cluster: 1 x Standard_NC24ads_A100_v4 low priority (24 vCPUs) = 24), limit 50, in use 40, available 10");
    });

    it("is what the plan's stand-in offers room for", async () => {
      await expect(checkQuota(new StandInQuotaSource(), "eastus2", [lowA100])).resolves.toEqual([
        expect.objectContaining({ family: LOW_TOTAL, needed: 24, limit: 10000, ok: true }),
      ]);
    });
  });

  it("asks the stack's training demand for the cluster's most nodes, which trainingNodes never exceeds, at its priority", () => {
    const training = (changes: Record<string, string>) => quotaDemands(parseStackConfig(devRaw(changes)))[0];
    expect(training({ trainingNodes: "2", trainingMaxNodes: "2" })).toEqual({
      purpose: "training cluster",
      key: "trainingVmSize",
      vmSize: "Standard_NC24ads_A100_v4",
      instances: 2,
      priority: "Dedicated",
    });
    expect(training({ trainingNodes: "1", trainingMaxNodes: "3" }).instances).toBe(3);
    expect(training({ trainingPriority: "LowPriority" })).toMatchObject({ instances: 1, priority: "LowPriority" });
  });

  it("asks Azure only whether the region offers Azure ML when the stack needs no GPUs", async () => {
    const source: QuotaSource = { description: "regions only", mlRegions: jest.fn(async () => ["eastus2"]), vmSizes: jest.fn(), usages: jest.fn() };
    await expect(checkQuota(source, "eastus2", [])).resolves.toEqual([]);
    expect(source.mlRegions).toHaveBeenCalledTimes(1);
    expect(source.vmSizes).not.toHaveBeenCalled();
    expect(source.usages).not.toHaveBeenCalled();
    await expect(checkQuota(source, "mars", [])).rejects.toThrow(/azure-native:location = "mars"/);
  });
});
