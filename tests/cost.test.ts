import { GPU_PRICE_TABLE, parsePriceOverrides, priceTable } from "../infra/prices";
import { gpuCost, renderCost } from "../scripts/lib/cost";
import { buildPlan } from "../scripts/lib/plan";
import { renderSummary } from "../scripts/lib/summary";

describe("GPU prices", () => {
  it("name their source and date", () => {
    for (const price of Object.values(GPU_PRICE_TABLE)) {
      expect(price.source.length).toBeGreaterThan(10);
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it("take overrides as Size=USD pairs, for sizes the stack knows", () => {
    expect(parsePriceOverrides("Standard_NC4as_T4_v3=0.526, standard_nc24ads_a100_v4=4")).toEqual({ Standard_NC4as_T4_v3: 0.526, Standard_NC24ads_A100_v4: 4 });
    expect(parsePriceOverrides("")).toEqual({});
    expect(parsePriceOverrides("Standard_NC4as_T4_v3")).toMatch(/not Size=USD/);
    expect(parsePriceOverrides("Standard_D4s_v3=1")).toMatch(/not a GPU VM size/);
    // Retired sizes (NCv3) are no longer sizes the stack knows.
    expect(parsePriceOverrides("Standard_NC6s_v3=3.06")).toMatch(/'Standard_NC6s_v3' is not a GPU VM size/);
    expect(priceTable({ Standard_NC4as_T4_v3: 0.526 }).Standard_NC4as_T4_v3).toMatchObject({ usdPerHour: 0.526, source: expect.stringMatching(/gpuPricesPerHour/) });
  });
});

describe("the plan's GPU cost", () => {
  it("prices the cluster per node-hour while a job runs and the deployment every hour", async () => {
    const plan = await buildPlan({ overrides: ["servingVmSize=Standard_NC4as_T4_v3", "gpuPricesPerHour=Standard_NC4as_T4_v3=0.526", "trainingMaxNodes=2"] });
    const cost = gpuCost(plan.document.resources, plan.prices);
    expect(cost.lines).toEqual([
      { what: "training cluster", vmSize: "Standard_NC24ads_A100_v4", usdPerHour: 3.673, idleUnits: 0, busyUnits: 2 },
      { what: "online deployment", vmSize: "Standard_NC4as_T4_v3", usdPerHour: 0.526, idleUnits: 1, busyUnits: 1 },
    ]);
    expect(cost.idleUsdPerHour).toBeCloseTo(0.526);
    const text = renderCost(cost, plan.prices).join("\n");
    expect(text).toContain("Standard_NC24ads_A100_v4 $3.67 per node-hour while a job runs, up to $7.35/h; $0.00/h idle");
    expect(text).toContain("Standard_NC4as_T4_v3 x 1 = $0.53/h, every hour it exists");
    expect(text).toContain("while nothing trains: $0.53/h");
  });

  it("shows serving at $0/h when parked", async () => {
    const summary = renderSummary(await buildPlan({ overrides: ["servingEnabled=false"] }));
    expect(summary).toContain("online deployment: none (serving parked): $0.00/h");
    expect(summary).toContain("while nothing trains: $0.00/h\n");
  });

  it("says which price is missing rather than guessing it", async () => {
    // The default sizes (A100) have a built-in price; a T4 deployment has none.
    const summary = renderSummary(await buildPlan({ overrides: ["servingVmSize=Standard_NC4as_T4_v3"] }));
    expect(summary).toContain("Standard_NC4as_T4_v3 x 1: no price known; set gpuPricesPerHour=Standard_NC4as_T4_v3=<USD>");
    expect(summary).toContain("plus Standard_NC4as_T4_v3 (price unknown)");
  });

  it("refuses a malformed override, naming the key", async () => {
    await expect(buildPlan({ overrides: ["gpuPricesPerHour=cheap"] })).rejects.toThrow(/phi3-foundry:gpuPricesPerHour = "cheap"/);
  });
});
