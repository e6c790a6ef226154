import { checkQuota, familyKey, QUOTA_HELP, QuotaError, QuotaSource, QuotaUsage, TOTAL_DEDICATED, vcpusNeeded } from "../components/azure/quota";
import { GPU_VM_SIZES as KNOWN_VM_SIZES } from "../infra/vmSizes";
import { StandInQuotaSource } from "../scripts/lib/standIns";

const A100 = { purpose: "training cluster", vmSize: "Standard_NC24ads_A100_v4", instances: 1 };
const V100 = { purpose: "online deployment", vmSize: "Standard_NC6s_v3", instances: 1, reserve: 0.2 };
const A100_ROW = "Standard NCADSA100v4 Family Cluster Dedicated vCPUs";
const V100_ROW = "Standard NCv3 Family Cluster Dedicated vCPUs";

/** Usage rows as Azure names them, with a roomy regional total unless given. */
function rows(limits: Record<string, number>, extra: QuotaUsage[] = []): StandInQuotaSource {
  const list: QuotaUsage[] = Object.entries(limits).map(([name, limit]) => ({ name, limit, inUse: 0 }));
  if (!(TOTAL_DEDICATED in limits)) list.push({ name: TOTAL_DEDICATED, limit: 1000, inUse: 0 });
  return new StandInQuotaSource([...list, ...extra]);
}

async function quotaError(promise: Promise<unknown>): Promise<QuotaError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(QuotaError);
  return err as QuotaError;
}

describe("familyKey", () => {
  it("joins the vmSizes family name with the usages row name", () => {
    expect(familyKey("standardNCADSA100v4Family")).toBe(familyKey(A100_ROW));
    expect(familyKey("standardNCSv3Family")).toBe(familyKey(V100_ROW));
    expect(familyKey("standardNCSv3Family")).toBe(familyKey("Standard NCSv3 Family Cluster Dedicated vCPUs"));
    expect(familyKey("standardNCADSA100v4Family")).not.toBe(familyKey("Standard NCADSA100v4 Family Cluster LowPriority vCPUs"));
  });
});

describe("vcpusNeeded", () => {
  const nc6 = KNOWN_VM_SIZES.find((s) => s.name === "Standard_NC6s_v3")!;
  it.each([
    [1, 0, 6],
    [1, 0.2, 12], // ceil(1.2 * 1) = 2 instances
    [3, 0.2, 24], // ceil(3.6) = 4
    [5, 0.2, 36], // ceil(6.0) = 6
  ])("%i instances with %d reserve take %i vCPUs of NC6s_v3", (instances, reserve, expected) => {
    expect(vcpusNeeded({ purpose: "x", vmSize: nc6.name, instances, reserve }, nc6)).toBe(expected);
  });

  it("reserves nothing extra on families Azure exempts (A100)", () => {
    const a100 = KNOWN_VM_SIZES.find((s) => s.name === "Standard_NC24ads_A100_v4")!;
    expect(vcpusNeeded({ purpose: "x", vmSize: a100.name, instances: 1, reserve: 0.2 }, a100)).toBe(24);
    expect(vcpusNeeded({ purpose: "x", vmSize: a100.name, instances: 3, reserve: 0.2 }, a100)).toBe(72);
  });
});

describe("checkQuota", () => {
  it("passes when each family and the regional total have room, reporting need, limit and use", async () => {
    const checks = await checkQuota(new StandInQuotaSource(), "eastus2", [A100, V100]);
    expect(checks).toEqual([
      expect.objectContaining({ family: "standardNCADSA100v4Family", needed: 24, limit: 96, inUse: 0, ok: true }),
      expect.objectContaining({ family: TOTAL_DEDICATED, needed: 36, limit: 200, ok: true }),
      expect.objectContaining({ family: "standardNCSv3Family", needed: 12, limit: 24, ok: true }),
    ]);
  });

  it("fails with one line per short family: needed, limit, in use and how to ask for more", async () => {
    const source = new StandInQuotaSource([
      { name: TOTAL_DEDICATED, limit: 100, inUse: 0 },
      { name: A100_ROW, limit: 24, inUse: 12 },
      { name: V100_ROW, limit: 6, inUse: 0 },
    ]);
    const error = await quotaError(checkQuota(source, "eastus2", [A100, V100]));
    expect(error.shortfalls.map((s) => s.family)).toEqual(["standardNCADSA100v4Family", "standardNCSv3Family"]);
    expect(error.message).toMatch(/NCADSA100v4Family: need 24 .*limit 24, in use 12, available 12/);
    expect(error.message).toMatch(/NCSv3Family: need 12 .*20% upgrade reserve.*limit 6, in use 0, available 6/);
    expect(error.message).toContain(QUOTA_HELP);
    expect(error.message).toContain("quotaCheck=false");
    expect(error.message).toContain("eastus2");
  });

  it("fails on the regional total even when each family has room", async () => {
    const error = await quotaError(checkQuota(rows({ [A100_ROW]: 96, [V100_ROW]: 24, [TOTAL_DEDICATED]: 30 }), "eastus2", [A100, V100]));
    expect(error.shortfalls).toEqual([expect.objectContaining({ family: TOTAL_DEDICATED, needed: 36, limit: 30 })]);
  });

  it("adds up demands on the same family", async () => {
    const training = { purpose: "training cluster", vmSize: "Standard_NC24s_v3", instances: 1 };
    const error = await quotaError(checkQuota(rows({ [V100_ROW]: 30 }), "eastus2", [training, V100]));
    expect(error.shortfalls).toEqual([expect.objectContaining({ family: "standardNCSv3Family", needed: 36, limit: 30 })]);
    expect(error.shortfalls[0].breakdown).toHaveLength(2);
  });

  it("counts what the stack's own workspace already holds as available to it, and nobody else's", async () => {
    const busy = (workspace: string): QuotaUsage[] => [{ name: V100_ROW, limit: 24, inUse: 12, workspace }];
    const own = (ws: string) => ws === "mlw-phi-dev-abc123";
    const withOwn = new StandInQuotaSource([{ name: V100_ROW, limit: 12, inUse: 12 }, { name: TOTAL_DEDICATED, limit: 100, inUse: 12 }, ...busy("mlw-phi-dev-abc123")]);
    await expect(checkQuota(withOwn, "eastus2", [V100], own)).resolves.toEqual([
      expect.objectContaining({ family: "standardNCSv3Family", inUse: 12, inUseByStack: 12, ok: true }),
      expect.objectContaining({ family: TOTAL_DEDICATED, inUse: 12, inUseByStack: 0, ok: true }),
    ]);
    const withOther = new StandInQuotaSource([{ name: V100_ROW, limit: 12, inUse: 12 }, ...busy("someone-else")]);
    const error = await quotaError(checkQuota(withOther, "eastus2", [V100], own));
    expect(error.message).toMatch(/in use 12, available 0/);
  });

  it("treats a family without a usage row as a limit of zero", async () => {
    const error = await quotaError(checkQuota(rows({}), "eastus2", [A100]));
    expect(error.shortfalls[0]).toMatchObject({ family: "standardNCADSA100v4Family", limit: 0, needed: 24 });
  });

  it("names a VM size that Azure ML does not offer in the region", async () => {
    const demand = { purpose: "training cluster", vmSize: "Standard_ND40rs_v2", instances: 1 };
    await expect(checkQuota(new StandInQuotaSource(), "eastus2", [demand])).rejects.toThrow(/Standard_ND40rs_v2.*eastus2/);
  });

  it("asks Azure nothing when the stack needs no GPUs", async () => {
    const source: QuotaSource = { description: "must not be called", vmSizes: jest.fn(), usages: jest.fn() };
    await expect(checkQuota(source, "eastus2", [])).resolves.toEqual([]);
    expect(source.vmSizes).not.toHaveBeenCalled();
  });
});
