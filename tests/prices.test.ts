import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { priceBook, PriceTable } from "../domain/catalogue/prices";
import { fetchPrices, mergePrices, queryRetailPrices, readPriceTable, retailFilter, writePriceTable } from "../scripts/retailPrices";
import { runNpmScript } from "./support/npmScript";
import { RetailPricesStandIn, StandInItem, startRetailPricesStandIn } from "./support/retailPricesStandIn";

// Test data in the API's item shape; the prices are made up, so that nothing here can pass for a real price.
const A100 = "Standard_NC24ads_A100_v4";
const vm = (fields: Partial<StandInItem>): StandInItem => ({
  currencyCode: "USD",
  retailPrice: 1,
  unitOfMeasure: "1 Hour",
  armRegionName: "eastus2",
  armSkuName: A100,
  productName: "Virtual Machines NCadsA100v4 Series",
  skuName: "NC24ads A100 v4",
  meterName: "NC24ads A100 v4",
  serviceName: "Virtual Machines",
  type: "Consumption",
  effectiveStartDate: "2024-03-01T00:00:00Z",
  ...fields,
});
const ITEMS: StandInItem[] = [
  vm({ productName: "Virtual Machines NCadsA100v4 Series Windows", retailPrice: 11.5 }),
  vm({ skuName: "NC24ads A100 v4 Spot", meterName: "NC24ads A100 v4 Spot", retailPrice: 0.25 }),
  vm({ skuName: "NC24ads A100 v4 Low Priority", meterName: "NC24ads A100 v4 Low Priority", retailPrice: 0.5 }),
  vm({ retailPrice: 7.5, effectiveStartDate: "2023-01-01T00:00:00Z" }), // superseded
  vm({ retailPrice: 99, effectiveStartDate: "2099-01-01T00:00:00Z" }), // not yet in force
  vm({ retailPrice: 0.1, isPrimaryMeterRegion: false }), // left out by meterRegion='primary'
  vm({ type: "Reservation", unitOfMeasure: "1 Hour", retailPrice: 0.2 }), // left out by priceType
  vm({ armRegionName: "eastus", retailPrice: 8.25 }),
  vm({ retailPrice: 8.5 }), // the one: Linux, pay-as-you-go, in force, eastus2, on the last page
  {
    ...vm({ serviceName: "Container Registry", armSkuName: "", productName: "Container Registry", skuName: "Basic" }),
    meterName: "Data Stored",
    unitOfMeasure: "1 GB/Month",
    retailPrice: 0.3,
  },
  {
    ...vm({ serviceName: "Container Registry", armSkuName: "", productName: "Container Registry", skuName: "Basic" }),
    meterName: "Basic Registry Unit",
    unitOfMeasure: "1/Day",
    retailPrice: 0.5,
  },
];
const NOW = new Date("2026-11-25T12:00:00Z");
const VM_FILTER = "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus2' and armSkuName eq 'Standard_NC24ads_A100_v4' and priceType eq 'Consumption'";

describe("npm run prices against a local stand-in of the Azure Retail Prices API", () => {
  const standIns: RetailPricesStandIn[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(standIns.map((s) => s.close()));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  async function standIn(items: StandInItem[] = ITEMS): Promise<RetailPricesStandIn> {
    const s = await startRetailPricesStandIn(items, 2);
    standIns.push(s);
    return s;
  }
  const fast = { policy: { attempts: 1, baseDelayMs: 1, timeoutMs: 5000 } };

  it("asks for the region's pay-as-you-go meters of the size, follows NextPageLink and keeps Linux's price in force", async () => {
    const api = await standIn();
    const result = await fetchPrices({ region: "eastus2", vmSizes: [A100], registryTiers: ["Basic"], baseUrl: api.url, now: NOW, options: fast });

    expect(result.missing).toEqual([]);
    expect(result.vmSizes[A100]).toEqual({
      retailPrice: 8.5,
      unitOfMeasure: "1 Hour",
      region: "eastus2",
      asOf: "2026-11-25",
      source: `Azure Retail Prices API (${api.url}, api-version 2023-01-01-preview): meter "NC24ads A100 v4" of "Virtual Machines NCadsA100v4 Series", Consumption, effective 2024-03-01`,
    });
    expect(result.services["containerRegistry:Basic"]).toMatchObject({ retailPrice: 0.5, unitOfMeasure: "1/Day", region: "eastus2", asOf: "2026-11-25" });

    // What left the process: the documented endpoint, api-version, primary meters and an exact filter.
    for (const request of api.requests) {
      expect(request.pathname).toBe("/api/retail/prices");
      expect(request.searchParams.get("api-version")).toBe("2023-01-01-preview");
      expect(request.searchParams.get("meterRegion")).toBe("'primary'");
    }
    const vmRequests = api.requests.filter((r) => r.searchParams.get("$filter") === VM_FILTER);
    // Six matching items in pages of two: three pages, the later ones reached through NextPageLink.
    expect(vmRequests.map((r) => r.searchParams.get("$skip"))).toEqual([null, "2", "4"]);
    expect(api.requests.map((r) => r.searchParams.get("$filter"))).toContain(
      "serviceName eq 'Azure Machine Learning' and armRegionName eq 'eastus2' and armSkuName eq 'Standard_NC24ads_A100_v4' and priceType eq 'Consumption'",
    );
    expect(api.requests.map((r) => r.searchParams.get("$filter"))).toContain(
      "serviceName eq 'Container Registry' and armRegionName eq 'eastus2' and skuName eq 'Basic' and priceType eq 'Consumption'",
    );
  });

  it("adds an hourly Azure Machine Learning meter of the size to the VM's price, naming it", async () => {
    const api = await standIn([...ITEMS, vm({ serviceName: "Azure Machine Learning", meterName: "NC24ads A100 v4 Surcharge", retailPrice: 0.25 })]);
    const result = await fetchPrices({ region: "eastus2", vmSizes: [A100], registryTiers: [], baseUrl: api.url, now: NOW, options: fast });
    expect(result.vmSizes[A100].retailPrice).toBe(8.75);
    expect(result.vmSizes[A100].source).toMatch(/; plus Azure Machine Learning "NC24ads A100 v4 Surcharge" \$0\.25\/h$/);
  });

  it("says which size and region it found no price for", async () => {
    const api = await standIn();
    const result = await fetchPrices({
      region: "westus3",
      vmSizes: [A100, "Standard_NC4as_T4_v3"],
      registryTiers: ["Basic"],
      baseUrl: api.url,
      now: NOW,
      options: fast,
    });
    expect(result.vmSizes).toEqual({});
    expect(result.missing).toEqual([
      "Standard_NC24ads_A100_v4 in westus3: no Linux pay-as-you-go price (is the size offered there?)",
      "Standard_NC4as_T4_v3 in westus3: no Linux pay-as-you-go price (is the size offered there?)",
      'container registry Basic in westus3: no "Basic Registry Unit" meter',
    ]);
  });

  it("fails with the API's status and answer, and follows no NextPageLink to another host", async () => {
    const api = await standIn();
    await expect(queryRetailPrices(api.url, "serviceName like 'Virtual'", fast)).rejects.toThrow(
      /answered HTTP 400 Bad Request for http:\/\/127\.0\.0\.1:\d+\/api\/retail\/prices\?.*: \{"Error":\{"Code":"BadRequest","Message":"invalid \$filter/,
    );
    const elsewhere = await startRetailPricesStandIn(ITEMS, 2, "http://prices.example.invalid");
    standIns.push(elsewhere);
    await expect(queryRetailPrices(elsewhere.url, VM_FILTER, fast)).rejects.toThrow(
      /NextPageLink leaves http:\/\/127\.0\.0\.1:\d+: http:\/\/prices\.example\.invalid\/api\/retail\/prices\?/,
    );
    expect(elsewhere.requests).toHaveLength(1);
    expect(retailFilter({ productName: "Joe's VMs" })).toBe("productName eq 'Joe''s VMs'");
  });

  it("writes a dated table the plan reads: the region's price first, else another region's, marked", async () => {
    const api = await standIn();
    const result = await fetchPrices({ region: "eastus2", vmSizes: [A100], registryTiers: ["Basic"], baseUrl: api.url, now: NOW, options: fast });
    const before: PriceTable = {
      about: "test",
      vmSizes: { [A100]: [{ retailPrice: 8.25, unitOfMeasure: "1 Hour", region: "eastus", asOf: "2026-11-09", source: "by hand" }] },
      services: {},
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-"));
    dirs.push(dir);
    const file = path.join(dir, "retailPrices.json");
    writePriceTable(file, mergePrices(before, result));
    const written = readPriceTable(file, before);
    expect(written.vmSizes[A100].map((p) => p.region)).toEqual(["eastus", "eastus2"]);
    expect(fs.readdirSync(dir)).toEqual(["retailPrices.json"]);

    expect(priceBook("eastus2", {}, written).vmSizes[A100]).toMatchObject({ usdPerHour: 8.5, region: "eastus2", asOf: "2026-11-25" });
    expect(priceBook("eastus2", {}, written).vmSizes[A100].otherRegionThan).toBeUndefined();
    expect(priceBook("westus3", {}, written).vmSizes[A100]).toMatchObject({ region: "eastus2", otherRegionThan: "westus3" });
    expect(priceBook("eastus2", {}, written).services["containerRegistry:Basic"].usdPerHour).toBeCloseTo(0.5 / 24);
    // gpuPricesPerHour still wins.
    expect(priceBook("eastus2", { [A100]: 2 }, written).vmSizes[A100]).toMatchObject({ usdPerHour: 2, source: "gpuPricesPerHour (stack config)" });

    // A second run of the same region replaces its prices and keeps the others.
    const again = mergePrices(written, result);
    expect(again.vmSizes[A100].map((p) => p.region)).toEqual(["eastus", "eastus2"]);
  });

  it("as a command: the stack's region and GPU sizes, the endpoint from AZURE_RETAIL_PRICES_URL", async () => {
    const api = await standIn();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-cli-"));
    dirs.push(dir);
    const out = path.join(dir, "table.json");
    const result = await runNpmScript("prices", ["--out", out], { ...process.env, AZURE_RETAIL_PRICES_URL: api.url });
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Standard_NC24ads_A100_v4: $8.5 per 1 Hour in eastus2");
    expect(result.stdout).toContain("containerRegistry:Basic: $0.5 per 1/Day in eastus2");
    const table = JSON.parse(fs.readFileSync(out, "utf8")) as PriceTable;
    // The shipped table's other prices stay beside the new ones.
    expect(table.vmSizes[A100].map((p) => p.region).sort()).toEqual(["eastus", "eastus2"]);
    expect(table.vmSizes[A100].find((p) => p.region === "eastus2")?.source).toContain(api.url);
  });
});
