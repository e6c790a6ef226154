import type { PriceBook, ResolvedPrice } from "../domain/catalogue/prices";
import { planCost, renderCost, usd } from "../scripts/plan/cost";
import type { RecordedResource } from "../scripts/plan/mockRuntime";

// The plan's cost arithmetic (scripts/plan/cost.ts) over resources recorded as the plan records them: the inputs below
// have the shapes of `npm run -s plan -- --stack dev --json` (the cluster's AmlCompute properties, the deployment's
// sku and instanceType, the job's num_nodes_finetune literal, the services' sku names), with the counts changed.
// tests/cost.test.ts runs the real plan into this code; here the prices are made up and every figure is worked out
// by hand in the comment beside it.
const A100 = "Standard_NC24ads_A100_v4";
const T4 = "Standard_NC4as_T4_v3";

function resource(type: string, inputs: Record<string, unknown>): RecordedResource {
  return { urn: `urn:pulumi:dev::phi3-foundry::${type}::r`, type, name: "r", custom: true, parent: null, dependsOn: [], id: "id", inputs, options: {} };
}
const cluster = (settings: Record<string, unknown>) =>
  resource("azure-native:machinelearningservices:Compute", { properties: { computeType: "AmlCompute", disableLocalAuth: true, properties: { osType: "Linux", ...settings } } });
const deployment = (instanceType: string, capacity?: number) =>
  resource("azure-native:machinelearningservices:OnlineDeployment", {
    ...(capacity === undefined ? {} : { sku: { capacity, name: "Default" } }),
    properties: { endpointComputeType: "Managed", instanceType },
  });
const job = (nodes: string) =>
  resource("pulumi-nodejs:dynamic/phi3-foundry:PipelineJob", { properties: { jobType: "Pipeline", inputs: { num_nodes_finetune: { jobInputType: "literal", value: nodes } } } });
const registry = (tier: string) => resource("azure-native:containerregistry:Registry", { sku: { name: tier } });
const aiServices = resource("azure-native:cognitiveservices:Account", { sku: { name: "S0" }, properties: { publicNetworkAccess: "Enabled" } });
const logAnalytics = resource("azure-native:operationalinsights:Workspace", { sku: { name: "PerGB2018" } });

const priced = (usdPerHour: number, fields: Partial<ResolvedPrice> = {}): ResolvedPrice => ({
  retailPrice: usdPerHour,
  unitOfMeasure: "1 Hour",
  usdPerHour,
  region: "eastus2",
  asOf: "2026-11-01",
  source: "a test's table",
  ...fields,
});
const a100 = priced(2.5);
const basic = priced(0.02, { retailPrice: 0.48, unitOfMeasure: "1/Day" }); // 0.48 a day / 24
const book = (fields: Partial<PriceBook> = {}): PriceBook => ({
  region: "eastus2",
  vmSizes: { [A100]: a100 },
  lowPriorityVmSizes: {},
  services: { "containerRegistry:Basic": basic },
  ...fields,
});

describe("the plan's cost, live and parked", () => {
  // Serving on 3 instances, a cluster of 1 to 4 nodes, a fine-tune on 2 of them, and the standing charges.
  const live = [logAnalytics, aiServices, registry("Basic"), cluster({ scaleSettings: { maxNodeCount: 4, minNodeCount: 1 }, vmPriority: "Dedicated", vmSize: A100 }), job("2"), deployment(A100, 3)];

  it("counts every instance and the cluster's least nodes while nothing trains", () => {
    const cost = planCost(live, book());
    expect(cost.lines).toStrictEqual([
      { what: "Log Analytics", meter: "PerGB2018", bills: "always", units: 1, idleUnits: 1, price: undefined, unpriced: "not priced: billed per GB ingested" },
      { what: "AI Services", meter: "S0", bills: "always", units: 1, idleUnits: 1, price: undefined, unpriced: "not priced: billed by use (calls, tokens), no standing charge in the table" },
      { what: "container registry", meter: "Basic", bills: "always", units: 1, idleUnits: 1, price: basic, unpriced: undefined },
      { what: "training cluster", meter: A100, bills: "while a job runs", units: 4, idleUnits: 1, priority: "Dedicated", jobNodes: 2, price: a100 },
      { what: "online deployment", meter: A100, bills: "while deployed", units: 3, idleUnits: 3, price: a100, unpriced: undefined },
    ]);
    expect(cost.servingUsdPerHour).toBeCloseTo(7.5, 10); // 3 instances x 2.5
    expect(cost.alwaysOnUsdPerHour).toBeCloseTo(0.02, 10); // the registry; the other two are unpriced
    expect(cost.idleUsdPerHour).toBeCloseTo(10.02, 10); // 7.5 + 1 idle node x 2.5 + 0.02
    expect(cost.parkedUsdPerHour).toBeCloseTo(2.52, 10); // 1 idle node x 2.5 + 0.02
    expect(cost.idleUnpriced).toStrictEqual([]);
  });

  it("shows it per hour and per 30-day month, and where each price comes from", () => {
    expect(renderCost(planCost(live, book()))).toStrictEqual([
      "Cost (USD, pay-as-you-go list prices; a month is 30 days, 720 h)",
      // 7.5 x 720 = 5,400
      "  serving: online deployment Standard_NC24ads_A100_v4 x 3: $7.50/h, $5,400.00/month, every hour it is deployed, busy or idle",
      // 2 x 2.5 = 5; 4 x 2.5 = 10; 1 x 2.5 x 720 = 1,800
      "  training: cluster Standard_NC24ads_A100_v4: $2.50 per node-hour while a job runs (the fine-tune on 2 nodes: $5.00/h; up to 4 nodes: $10.00/h); 1 node while idle: $2.50/h, $1,800.00/month",
      // 0.02 x 720 = 14.40
      "  always on: Log Analytics PerGB2018: not priced: billed per GB ingested",
      "  always on: AI Services S0: not priced: billed by use (calls, tokens), no standing charge in the table",
      "  always on: container registry Basic: $0.0200/h, $14.40/month",
      // 10.02 x 720 = 7,214.40; 2.52 x 720 = 1,814.40
      "  total while serving, nothing training: $10.02/h, $7,214.40/month, plus what is billed by use",
      "  total when parked (servingEnabled=false), nothing training: $2.52/h, $1,814.40/month, plus what is billed by use",
      "  prices:",
      "    container registry Basic $0.48/day: eastus2, 2026-11-01, from a test's table",
      "    Standard_NC24ads_A100_v4 $2.5/h: eastus2, 2026-11-01, from a test's table",
    ]);
  });

  it("parked: no deployment, serving at $0, and a cluster idle at zero nodes costs nothing", () => {
    const parked = [registry("Basic"), cluster({ scaleSettings: { maxNodeCount: 2, minNodeCount: 0 }, vmPriority: "Dedicated", vmSize: A100 }), job("1")];
    const cost = planCost(parked, book());
    expect(cost).toMatchObject({ servingUsdPerHour: 0, idleUnpriced: [] });
    expect(cost.idleUsdPerHour).toBeCloseTo(0.02, 10); // the registry alone
    expect(cost.parkedUsdPerHour).toBeCloseTo(0.02, 10);
    expect(renderCost(cost)).toStrictEqual([
      "Cost (USD, pay-as-you-go list prices; a month is 30 days, 720 h)",
      "  serving: none (servingEnabled=false, parked): $0.00/h, $0.00/month",
      // 1 x 2.5; 2 x 2.5 = 5
      "  training: cluster Standard_NC24ads_A100_v4: $2.50 per node-hour while a job runs (the fine-tune on 1 node: $2.50/h; up to 2 nodes: $5.00/h); 0 nodes while idle: $0.00/h, $0.00/month",
      "  always on: container registry Basic: $0.0200/h, $14.40/month",
      "  total when parked (servingEnabled=false), nothing training: $0.0200/h, $14.40/month, plus what is billed by use",
      "  prices:",
      "    container registry Basic $0.48/day: eastus2, 2026-11-01, from a test's table",
      "    Standard_NC24ads_A100_v4 $2.5/h: eastus2, 2026-11-01, from a test's table",
    ]);
  });
});

describe("the plan's cost where prices are missing or not the stack's own", () => {
  it("names an unpriced deployment once among what bills while idle, and prices the rest", () => {
    // Two deployments of the same unpriced size (as two plans' resources would be), a priced idle node beside them.
    const resources = [deployment(T4, 2), deployment(T4, 1), cluster({ scaleSettings: { maxNodeCount: 1, minNodeCount: 1 }, vmSize: A100 })];
    const cost = planCost(resources, book());
    expect(cost.lines[0]).toStrictEqual({
      what: "online deployment",
      meter: T4,
      bills: "while deployed",
      units: 2,
      idleUnits: 2,
      price: undefined,
      unpriced: "no price known; set gpuPricesPerHour=Standard_NC4as_T4_v3=<USD> or run `npm run prices`",
    });
    expect(cost).toMatchObject({ servingUsdPerHour: 0, alwaysOnUsdPerHour: 0, idleUnpriced: [T4] });
    expect(cost.idleUsdPerHour).toBeCloseTo(2.5, 10); // 1 idle node x 2.5
    expect(renderCost(cost)).toStrictEqual([
      "Cost (USD, pay-as-you-go list prices; a month is 30 days, 720 h)",
      "  serving: online deployment Standard_NC4as_T4_v3 x 2: no price known; set gpuPricesPerHour=Standard_NC4as_T4_v3=<USD> or run `npm run prices`",
      "  serving: online deployment Standard_NC4as_T4_v3 x 1: no price known; set gpuPricesPerHour=Standard_NC4as_T4_v3=<USD> or run `npm run prices`",
      // No job in the plan: no fine-tune figure. 2.5 x 720 = 1,800
      "  training: cluster Standard_NC24ads_A100_v4: $2.50 per node-hour while a job runs (up to 1 node: $2.50/h); 1 node while idle: $2.50/h, $1,800.00/month",
      "  total while serving, nothing training: $2.50/h, $1,800.00/month plus Standard_NC4as_T4_v3 (price unknown), plus what is billed by use",
      "  total when parked (servingEnabled=false), nothing training: $2.50/h, $1,800.00/month, plus what is billed by use",
      "  prices:",
      "    Standard_NC24ads_A100_v4 $2.5/h: eastus2, 2026-11-01, from a test's table",
    ]);
  });

  it("prices low-priority nodes only from a low-priority price, the dedicated one named as an upper bound", () => {
    const lowPriority = cluster({ scaleSettings: { maxNodeCount: 3, minNodeCount: 1 }, vmPriority: "LowPriority", vmSize: A100 });
    const unpriced = planCost([lowPriority, job("2")], book());
    expect(unpriced.lines).toStrictEqual([
      {
        what: "training cluster",
        meter: A100,
        bills: "while a job runs",
        units: 3,
        idleUnits: 1,
        priority: "LowPriority",
        jobNodes: 2,
        unpriced: "not priced: domain/catalogue/retailPrices.json has no low-priority price for Standard_NC24ads_A100_v4 (the dedicated price, $2.50 per node-hour, is an upper bound)",
      },
    ]);
    // An idle node without a price is named, and adds nothing to the sums.
    expect(unpriced).toMatchObject({ idleUsdPerHour: 0, parkedUsdPerHour: 0, idleUnpriced: [A100] });
    expect(renderCost(unpriced)).toContain(
      "  training: cluster Standard_NC24ads_A100_v4, low priority (can be preempted) x 3: the fine-tune on 2 nodes; not priced: domain/catalogue/retailPrices.json has no low-priority price for Standard_NC24ads_A100_v4 (the dedicated price, $2.50 per node-hour, is an upper bound)",
    );
    expect(planCost([lowPriority], book({ vmSizes: {} })).lines[0].unpriced).toBe(
      "not priced: domain/catalogue/retailPrices.json has no low-priority price for Standard_NC24ads_A100_v4",
    );
    expect(renderCost(planCost([lowPriority], book({ vmSizes: {} })))).toContain(
      "  training: cluster Standard_NC24ads_A100_v4, low priority (can be preempted) x 3: not priced: domain/catalogue/retailPrices.json has no low-priority price for Standard_NC24ads_A100_v4",
    );

    const cheap = priced(0.75, { region: "eastus", otherRegionThan: "eastus2" });
    const cost = planCost([lowPriority, job("2")], book({ lowPriorityVmSizes: { [A100]: cheap } }));
    expect(cost.lines[0]).toMatchObject({ priority: "LowPriority", price: cheap });
    expect(cost.idleUsdPerHour).toBeCloseTo(0.75, 10); // 1 idle node x 0.75
    expect(renderCost(cost)).toStrictEqual([
      "Cost (USD, pay-as-you-go list prices; a month is 30 days, 720 h)",
      "  serving: none (servingEnabled=false, parked): $0.00/h, $0.00/month",
      // 2 x 0.75 = 1.50; 3 x 0.75 = 2.25; 0.75 x 720 = 540
      "  training: cluster Standard_NC24ads_A100_v4, low priority (can be preempted): $0.75 per node-hour while a job runs (the fine-tune on 2 nodes: $1.50/h; up to 3 nodes: $2.25/h); 1 node while idle: $0.75/h, $540.00/month",
      "  total when parked (servingEnabled=false), nothing training: $0.75/h, $540.00/month, plus what is billed by use",
      "  prices:",
      "    Standard_NC24ads_A100_v4 low priority $0.75/h: eastus (no eastus2 price in the table: run `npm run prices`), 2026-11-01, from a test's table",
    ]);
  });

  it("names every meter of unknown price that bills while idle, and lists no prices when none is known", () => {
    const cost = planCost([deployment(T4, 1), cluster({ scaleSettings: { maxNodeCount: 2, minNodeCount: 1 }, vmPriority: "LowPriority", vmSize: A100 })], book({ vmSizes: {} }));
    expect(cost.idleUnpriced).toStrictEqual([T4, A100]);
    expect(renderCost(cost)).toStrictEqual([
      "Cost (USD, pay-as-you-go list prices; a month is 30 days, 720 h)",
      "  serving: online deployment Standard_NC4as_T4_v3 x 1: no price known; set gpuPricesPerHour=Standard_NC4as_T4_v3=<USD> or run `npm run prices`",
      "  training: cluster Standard_NC24ads_A100_v4, low priority (can be preempted) x 2: not priced: domain/catalogue/retailPrices.json has no low-priority price for Standard_NC24ads_A100_v4",
      "  total while serving, nothing training: $0.00/h, $0.00/month plus Standard_NC4as_T4_v3, Standard_NC24ads_A100_v4 (price unknown), plus what is billed by use",
      "  total when parked (servingEnabled=false), nothing training: $0.00/h, $0.00/month, plus what is billed by use",
    ]);
  });

  it("says the fine-tune's nodes even when the cluster has no price", () => {
    const cost = planCost([cluster({ scaleSettings: { maxNodeCount: 1, minNodeCount: 0 }, vmPriority: "Dedicated", vmSize: T4 }), job("1")], book());
    expect(cost.idleUnpriced).toStrictEqual([]); // no node while idle
    expect(renderCost(cost)).toContain(
      "  training: cluster Standard_NC4as_T4_v3 x 1: the fine-tune on 1 node; no price known; set gpuPricesPerHour=Standard_NC4as_T4_v3=<USD> or run `npm run prices`",
    );
  });

  it("names a price's unit, a source that names no region and a price from the stack's config without a date", () => {
    const fromConfig = priced(3, { asOf: "", source: "gpuPricesPerHour (stack config)" });
    const monthly = priced(0.5, { retailPrice: 360, unitOfMeasure: "1/Month", region: "" }); // 360 / 720
    const hourly = priced(0.25, { unitOfMeasure: "1/Hour" });
    const cost = planCost([deployment(A100, 1), registry("Standard"), registry("Premium")], book({ vmSizes: { [A100]: fromConfig }, services: { "containerRegistry:Standard": monthly, "containerRegistry:Premium": hourly } }));
    expect(renderCost(cost).slice(-4)).toStrictEqual([
      "  prices:",
      "    Standard_NC24ads_A100_v4 $3/h: eastus2, from gpuPricesPerHour (stack config)",
      "    container registry Standard $360/month: no region named, 2026-11-01, from a test's table",
      "    container registry Premium $0.25/h: eastus2, 2026-11-01, from a test's table",
    ]);
  });
});

describe("what the plan reads from a resource", () => {
  it("defaults a deployment to one instance and a cluster to at most one node, none idle, dedicated", () => {
    const cost = planCost([deployment(A100), cluster({ vmSize: A100 })], book());
    expect(cost.lines.map(({ what, units, idleUnits, priority }) => ({ what, units, idleUnits, priority }))).toStrictEqual([
      { what: "online deployment", units: 1, idleUnits: 1, priority: undefined },
      { what: "training cluster", units: 1, idleUnits: 0, priority: "Dedicated" },
    ]);
    expect(cost.idleUsdPerHour).toBeCloseTo(2.5, 10); // 1 instance x 2.5, no idle node
  });

  it("counts a cluster registered without its inner properties at one node, none idle, dedicated", () => {
    const bare = resource("azure-native:machinelearningservices:Compute", { properties: { computeType: "AmlCompute" } });
    expect(planCost([bare], book()).lines).toMatchObject([{ what: "training cluster", units: 1, idleUnits: 0, priority: "Dedicated" }]);
  });

  it("counts only AmlCompute clusters, and reads the job's nodes only from its num_nodes_finetune literal", () => {
    const instance = resource("azure-native:machinelearningservices:Compute", { properties: { computeType: "ComputeInstance", properties: { vmSize: A100 } } });
    expect(planCost([instance, resource("azure-native:resources:ResourceGroup", {})], book()).lines).toStrictEqual([]);
    const amlCluster = cluster({ scaleSettings: { maxNodeCount: 1, minNodeCount: 0 }, vmSize: A100 });
    const jobs = [
      resource("pulumi-nodejs:dynamic/phi3-foundry:PipelineJob", {}),
      resource("pulumi-nodejs:dynamic/phi3-foundry:PipelineJob", { properties: {} }),
      resource("pulumi-nodejs:dynamic/phi3-foundry:PipelineJob", { properties: { inputs: {} } }),
      resource("pulumi-nodejs:dynamic/phi3-foundry:CompletionGate", { properties: { inputs: { num_nodes_finetune: { value: "2" } } } }),
    ];
    for (const other of [undefined, ...jobs]) {
      const line = planCost(other ? [amlCluster, other] : [amlCluster], book()).lines[0];
      expect(line).not.toHaveProperty("jobNodes");
    }
  });

  it("prices a registry by its tier, and leaves one without a tier unpriced", () => {
    const standard = planCost([registry("Standard")], book({ services: { "containerRegistry:Basic": basic, "containerRegistry:Standard": priced(0.08) } }));
    expect(standard.lines[0]).toMatchObject({ meter: "Standard", price: { usdPerHour: 0.08 } });
    expect(standard.alwaysOnUsdPerHour).toBeCloseTo(0.08, 10);
    const noTier = planCost([resource("azure-native:containerregistry:Registry", {})], book({ services: { "containerRegistry:": basic } }));
    expect(noTier.lines).toStrictEqual([
      { what: "container registry", meter: "", bills: "always", units: 1, idleUnits: 1, price: basic, unpriced: undefined },
    ]);
    const unpriced = planCost([registry("Premium")], book());
    expect(unpriced.lines[0]).toMatchObject({ price: undefined, unpriced: "not priced: no price in domain/catalogue/retailPrices.json" });
    // Standing charges without a price are not among the idle meters of unknown price: they are listed on their own.
    expect(unpriced.idleUnpriced).toStrictEqual([]);
  });
});

describe("dollars (usd)", () => {
  it.each([
    [0, "$0.00"],
    [0.1, "$0.10"],
    [0.0999, "$0.0999"],
    [0.00696, "$0.0070"],
    [2644.56, "$2,644.56"],
    [1234567.891, "$1,234,567.89"],
  ])("%p is %s", (value, text) => {
    expect(usd(value)).toBe(text);
  });
});
