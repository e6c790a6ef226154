import * as fs from "node:fs";
import * as path from "node:path";
import { aboutCost, aboutDuration, estimateCycle, trainingSteps } from "../domain/catalogue/cycleEstimate";
import { parsePriceOverrides, PRICE_TABLE, priceBook, usdPerHour } from "../domain/catalogue/prices";
import { GPU_VM_SIZES } from "../domain/catalogue/vmSizes";
import { planCost, renderCost, usd } from "../scripts/plan/cost";
import { buildPlan } from "../scripts/plan/plan";
import { renderSummary } from "../scripts/plan/summary";
import { SCALE_OUT_LOW_PRIORITY, sharedPlan } from "./support/sharedPlans";

describe("the price table (domain/catalogue/retailPrices.json)", () => {
  it("names for every price its region (or that the source names none), its date and its source", () => {
    const all = [...Object.values(PRICE_TABLE.vmSizes), ...Object.values(PRICE_TABLE.services)].flat();
    expect(all.length).toBeGreaterThan(0);
    for (const price of all) {
      expect(price.retailPrice).toBeGreaterThan(0);
      expect(usdPerHour(price)).toBeDefined();
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.source.length).toBeGreaterThan(30);
      if (price.region === "") expect(price.source).toMatch(/names no region/);
      else expect(price.region).toMatch(/^[a-z][a-z0-9]*$/);
      // A price not read from the API says so.
      if (!price.source.startsWith("Azure Retail Prices API")) expect(price.source).toMatch(/not read from the Retail Prices API|Microsoft Learn/);
    }
    for (const size of Object.keys(PRICE_TABLE.vmSizes)) expect(GPU_VM_SIZES.map((s) => s.name)).toContain(size);
  });

  it("takes overrides as Size=USD pairs, for sizes the stack knows, over the table", () => {
    expect(parsePriceOverrides("Standard_NC4as_T4_v3=0.526, standard_nc24ads_a100_v4=4")).toEqual({ Standard_NC4as_T4_v3: 0.526, Standard_NC24ads_A100_v4: 4 });
    expect(parsePriceOverrides("")).toEqual({});
    expect(parsePriceOverrides("Standard_NC4as_T4_v3")).toMatch(/not Size=USD/);
    expect(parsePriceOverrides("Standard_D4s_v3=1")).toMatch(/not a GPU VM size/);
    // Retired sizes (NCv3) are no longer sizes the stack knows.
    expect(parsePriceOverrides("Standard_NC6s_v3=3.06")).toMatch(/'Standard_NC6s_v3' is not a GPU VM size/);
    expect(priceBook("eastus2", { Standard_NC4as_T4_v3: 0.526 }).vmSizes.Standard_NC4as_T4_v3).toMatchObject({
      usdPerHour: 0.526,
      region: "eastus2",
      source: "gpuPricesPerHour (stack config)",
    });
  });

  it("prices by the hour whatever the API's unit", () => {
    const price = { region: "", asOf: "2026-01-01", source: "test" };
    expect(usdPerHour({ ...price, retailPrice: 2.4, unitOfMeasure: "1/Day" })).toBeCloseTo(0.1);
    expect(usdPerHour({ ...price, retailPrice: 3, unitOfMeasure: "1 Hour" })).toBe(3);
    expect(usdPerHour({ ...price, retailPrice: 3, unitOfMeasure: "1 GB/Month" })).toBeUndefined();
    expect(usd(2644.56)).toBe("$2,644.56");
    expect(usd(0.00696)).toBe("$0.0070");
    expect(usd(0)).toBe("$0.00");
  });
});

/** A plan made once a run, when a test first needs it (tests/support/sharedPlans.ts). */
const once = (overrides: string[] = []) => () => sharedPlan({ overrides });

describe("the plan's cost", () => {
  const devPlan = once();
  const parkedPlan = once(["servingEnabled=false"]);

  it("shows serving on the dev stack per hour and per 30-day month, with the price's region, date and source", async () => {
    const dev = await devPlan();
    const summary = renderSummary(dev);
    // The shipped table's price (domain/catalogue/retailPrices.json), which the README quotes: $3.673 an hour in eastus.
    const [hourly, monthly] = ["$3.67", "$2,644.56"];
    expect(summary).toContain(`  serving: online deployment Standard_NC24ads_A100_v4 x 1: ${hourly}/h, ${monthly}/month, every hour it is deployed, busy or idle`);
    expect(summary).toContain(
      `  training: cluster Standard_NC24ads_A100_v4: ${hourly} per node-hour while a job runs (the fine-tune on 1 node: ${hourly}/h; up to 1 node: ${hourly}/h); 0 nodes while idle: $0.00/h, $0.00/month`,
    );
    // The dev stack is in eastus2; a price of another region says so and how to get the region's own.
    expect(summary).toContain(
      "\n    Standard_NC24ads_A100_v4 $3.673/h: eastus (no eastus2 price in the table: run `npm run prices`), 2026-11-09, from datareceipts/data-receipts",
    );
  });

  it("shows the always-on services, priced where the table has a price and said to be unpriced where not", async () => {
    const dev = await devPlan();
    const summary = renderSummary(dev);
    // Container Registry Basic: $0.167 a day (learn.microsoft.com/azure/container-registry/container-registry-skus).
    const registry = { usdPerHour: 0.167 / 24 };
    expect(summary).toContain("  always on: container registry Basic: $0.0070/h, $5.01/month");
    expect(summary).toContain("  always on: AI Services S0: not priced: billed by use (calls, tokens), no standing charge in the table");
    expect(summary).toContain("  always on: Log Analytics PerGB2018: not priced: billed per GB ingested");
    const cost = planCost(dev.document.resources, dev.prices);
    expect(cost.idleUsdPerHour).toBeCloseTo(cost.servingUsdPerHour + registry.usdPerHour);
    expect(cost.parkedUsdPerHour).toBeCloseTo(registry.usdPerHour);
    expect(summary).toContain("  total when parked (servingEnabled=false), nothing training: $0.0070/h");
  });

  it("shows serving at $0 when parked, and the parked total", async () => {
    const parked = await parkedPlan();
    const summary = renderSummary(parked);
    expect(summary).toContain("  serving: none (servingEnabled=false, parked): $0.00/h, $0.00/month");
    const { prices, document } = parked;
    const cost = planCost(document.resources, prices);
    expect(cost.servingUsdPerHour).toBe(0);
    expect(cost.parkedUsdPerHour).toBeCloseTo(cost.idleUsdPerHour);
    expect(summary).not.toContain("total while serving");
  });

  it("prices the cluster per node-hour while a job runs and the deployment every hour, from gpuPricesPerHour over the table", async () => {
    const plan = await buildPlan({
      overrides: [
        "servingVmSize=Standard_NC4as_T4_v3",
        "servingInstanceCount=3",
        "gpuPricesPerHour=Standard_NC4as_T4_v3=0.526,Standard_NC24ads_A100_v4=3",
        "trainingMaxNodes=2",
      ],
    });
    const cost = planCost(plan.document.resources, plan.prices);
    expect(cost.lines.filter((l) => l.bills !== "always").map(({ what, meter, units, idleUnits, price }) => ({ what, meter, units, idleUnits, usd: price?.usdPerHour }))).toEqual([
      { what: "training cluster", meter: "Standard_NC24ads_A100_v4", units: 2, idleUnits: 0, usd: 3 },
      { what: "online deployment", meter: "Standard_NC4as_T4_v3", units: 3, idleUnits: 3, usd: 0.526 },
    ]);
    expect(cost.servingUsdPerHour).toBeCloseTo(1.578);
    const text = renderCost(cost).join("\n");
    expect(text).toContain("  training: cluster Standard_NC24ads_A100_v4: $3.00 per node-hour while a job runs (the fine-tune on 1 node: $3.00/h; up to 2 nodes: $6.00/h)");
    expect(text).toContain("  serving: online deployment Standard_NC4as_T4_v3 x 3: $1.58/h, $1,136.16/month");
    expect(text).toContain("    Standard_NC4as_T4_v3 $0.526/h: eastus2, from gpuPricesPerHour (stack config)");
  });

  it("prices a fine-tune at trainingNodes x the node price, low-priority nodes only from a low-priority price", async () => {
    const plan = await sharedPlan({ overrides: SCALE_OUT_LOW_PRIORITY });
    const cost = planCost(plan.document.resources, plan.prices);
    expect(cost.lines.find((l) => l.what === "training cluster")).toMatchObject({ units: 3, jobNodes: 2, priority: "LowPriority" });
    // The shipped table has no low-priority meter; gpuPricesPerHour is a dedicated price and is not used for it.
    expect(renderCost(cost).join("\n")).toContain(
      "  training: cluster Standard_NC24ads_A100_v4, low priority (can be preempted) x 3: the fine-tune on 2 nodes; " +
        "not priced: domain/catalogue/retailPrices.json has no low-priority price for Standard_NC24ads_A100_v4 (the dedicated price, $3.00 per node-hour, is an upper bound)",
    );
    // With a low-priority price in the table (as `npm run prices` would write it), that price.
    const lowPriority = { retailPrice: 0.9, unitOfMeasure: "1 Hour", region: "eastus2", asOf: "2026-12-01", source: "a test's low-priority meter" };
    const book = priceBook("eastus2", {}, { ...PRICE_TABLE, lowPriorityVmSizes: { Standard_NC24ads_A100_v4: [lowPriority] } });
    const priced = renderCost(planCost(plan.document.resources, book)).join("\n");
    expect(priced).toContain(
      "  training: cluster Standard_NC24ads_A100_v4, low priority (can be preempted): $0.90 per node-hour while a job runs (the fine-tune on 2 nodes: $1.80/h; up to 3 nodes: $2.70/h)",
    );
    expect(priced).toContain("    Standard_NC24ads_A100_v4 low priority $0.9/h: eastus2, 2026-12-01, from a test's low-priority meter");
  });

  it("says which price is missing rather than guessing it", async () => {
    // No source for the T4 size's price was found; the plan says so and how to set one.
    const summary = renderSummary(await sharedPlan({ overrides: ["servingVmSize=Standard_NC4as_T4_v3"] }));
    expect(summary).toContain(
      "  serving: online deployment Standard_NC4as_T4_v3 x 1: no price known; set gpuPricesPerHour=Standard_NC4as_T4_v3=<USD> or run `npm run prices`",
    );
    expect(summary).toContain("plus Standard_NC4as_T4_v3 (price unknown)");
  });

  it("refuses a malformed override, naming the key", async () => {
    await expect(buildPlan({ overrides: ["gpuPricesPerHour=cheap"] })).rejects.toThrow(/phi3-foundry:gpuPricesPerHour = "cheap"/);
  });
});

describe("one cycle's time and cost (domain/catalogue/cycleEstimate.ts)", () => {
  const training = { records: 24, epochs: 1, batchSize: 1, gradientAccumulationSteps: 1, gpusPerNode: 1, nodes: 1, usdPerNodeHour: 3 };

  it("counts maxSteps, else the records over the effective batch times the epochs", () => {
    expect(trainingSteps({ ...training, maxSteps: 10 })).toBe(10);
    expect(trainingSteps({ ...training, records: 1663 })).toBe(1663);
    expect(trainingSteps({ ...training, records: 1663, nodes: 2 })).toBe(832);
    expect(trainingSteps({ ...training, records: 1663, batchSize: 2, gradientAccumulationSteps: 2, epochs: 3 })).toBe(1248);
  });

  it("adds up the stages in order and prices node-hours, instance-hours and standing charges", () => {
    const e = estimateCycle({ training: { ...training, maxSteps: 10 }, serving: { instances: 1, usdPerHour: 3 }, alwaysOnUsdPerHour: 0 });
    // 10 + 5 + 15 + 5 + 10 s + 10 + 17 + 1 + 15 minutes.
    expect(e.minutes).toBeCloseTo(78.1667, 3);
    expect(e.stages.map((s) => s.minutes)).toEqual([10, 5, 15, 5, 10 / 60, 10, 17, 1, 15]);
    // Training: (15 + 10) min on one node + (5 start + 5 load + 10 s + 2 idle) min on each of 1 node = 37.17 min x $3/h;
    // serving: 17 + 1 + 15 = 33 min x $3/h.
    expect(e.usd).toBeCloseTo(1.8583 + 1.65, 3);
    expect(e).toMatchObject({ trainingSteps: 10, atMost: false, unpriced: [] });
    expect(aboutDuration(e.minutes)).toBe("about 80 minutes");
    expect(aboutCost(e)).toBe("about $4");
    // Each serving instance bills those 33 minutes: two bill them twice.
    const twoInstances = estimateCycle({ training: { ...training, maxSteps: 10 }, serving: { instances: 2, usdPerHour: 3 }, alwaysOnUsdPerHour: 0 });
    expect(twoInstances.usd).toBeCloseTo(1.8583 + 2 * 1.65, 3);

    const twoNodes = estimateCycle({ training: { ...training, maxSteps: 10, nodes: 2 }, alwaysOnUsdPerHour: 0.01 });
    // No serving: no deployment or smoke stage; a second node runs its start, load, steps and idle time again.
    expect(twoNodes.minutes).toBeCloseTo(60.1667, 3);
    expect(twoNodes.usd).toBeCloseTo(((25 + 2 * 12.1667) / 60) * 3 + (60.1667 / 60) * 0.01, 3);
  });

  it("says 'at most' for a bound, hours past two, and what it could not price", () => {
    const e = estimateCycle({ training: { ...training, records: 20000, usdPerNodeHour: undefined }, serving: { instances: 2 }, alwaysOnUsdPerHour: 0 });
    expect(e.unpriced).toEqual(["training nodes", "the online deployment"]);
    expect(aboutDuration(e.minutes)).toBe("about 7 hours");
    expect(aboutCost({ usd: 3.6, atMost: true })).toBe("at most about $4");
  });

  it("is the plan's, and the README's first screen quotes the canary's and the default stack's figures", async () => {
    const canary = await sharedPlan({ stack: "canary" });
    const summary = renderSummary(canary);
    expect(summary).toContain("  this stack (canary): about 80 minutes, at most about $4\n");
    expect(summary).toContain("\n     10 min  workspace, storage, key vault");
    expect(summary).toContain("\n    0.2 min  10 training steps; 1 s a step, an assumption");
    expect(summary).toContain("    low-priority nodes have no price in domain/catalogue/retailPrices.json: counted at the dedicated price, an upper bound");
    expect(summary).toContain("  the default stack on 1% of ultrachat_200k (`npm run prepare-data`: 1,663 training records, 1,663 steps, dedicated): about 105 minutes, about $6");
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const { estimate, reference } = canary.cycles!;
    expect(readme).toContain(`prove the routes in ${aboutDuration(estimate.minutes)} for ${aboutCost(estimate)}, then run the\nreal stack`);
    expect(readme).toContain(`real stack (its first run on 1% of ultrachat_200k: ${aboutDuration(reference.minutes)} and ${aboutCost(reference)} to`);
  });
});
