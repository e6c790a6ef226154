import { parsePriceOverrides, PRICE_TABLE, priceBook, PriceTable, SourcedPrice, usdPerHour } from "../domain/catalogue/prices";

// The lookups of domain/catalogue/prices.ts over tables made here. Every price below is made up (so that none can pass
// for a real one) and every expected figure is worked out by hand in the comment beside it.
const A100 = "Standard_NC24ads_A100_v4";
const T4 = "Standard_NC4as_T4_v3";
const price = (fields: Partial<SourcedPrice>): SourcedPrice => ({ retailPrice: 1, unitOfMeasure: "1 Hour", region: "eastus2", asOf: "2026-01-01", source: "a test", ...fields });
const table = (vmSizes: PriceTable["vmSizes"], more: Partial<PriceTable> = {}): PriceTable => ({ about: "test", vmSizes, services: {}, ...more });

describe("a price per hour (usdPerHour)", () => {
  it.each([
    ["1 Hour", 3.5, 3.5], // 3.5 / 1
    ["1/Hour", 2, 2], // 2 / 1
    ["1/Day", 2.4, 0.1], // 2.4 / 24
    ["1/Month", 7.2, 0.01], // 7.2 / 720
  ])("reads %s", (unitOfMeasure, retailPrice, perHour) => {
    expect(usdPerHour(price({ unitOfMeasure, retailPrice }))).toBeCloseTo(perHour, 10);
  });

  it("has no hourly figure for a unit that is not a length of time", () => {
    expect(usdPerHour(price({ unitOfMeasure: "1 GB/Month", retailPrice: 3 }))).toBeUndefined();
    expect(usdPerHour(price({ unitOfMeasure: "", retailPrice: 3 }))).toBeUndefined();
  });

  it("prices a month as 30 days", () => {
    // $720 a month is $1 an hour when a month is 30 x 24 = 720 hours.
    expect(usdPerHour(price({ unitOfMeasure: "1/Month", retailPrice: 720 }))).toBe(1);
  });
});

describe("the price a stack uses (priceBook)", () => {
  it("takes the stack region's newest price, wherever it stands in the list", () => {
    const prices = [
      price({ region: "eastus", retailPrice: 5, asOf: "2026-12-01" }),
      price({ retailPrice: 2, asOf: "2026-01-01" }),
      price({ retailPrice: 3, asOf: "2026-06-01" }),
      price({ retailPrice: 4, asOf: "2026-03-01" }),
      price({ region: "", retailPrice: 6, asOf: "2026-12-01" }),
    ];
    expect(priceBook("eastus2", {}, table({ [A100]: prices })).vmSizes).toStrictEqual({
      [A100]: { retailPrice: 3, unitOfMeasure: "1 Hour", region: "eastus2", asOf: "2026-06-01", source: "a test", usdPerHour: 3 },
    });
    // The other order: the newest first.
    expect(priceBook("eastus2", {}, table({ [A100]: [prices[2], prices[1], prices[3]] })).vmSizes[A100].retailPrice).toBe(3);
  });

  it("else the newest price that names no region, unmarked", () => {
    const prices = [price({ region: "eastus", retailPrice: 5 }), price({ region: "", retailPrice: 6, asOf: "2026-02-01" }), price({ region: "", retailPrice: 7, asOf: "2026-03-01" })];
    expect(priceBook("eastus2", {}, table({ [A100]: prices })).vmSizes).toStrictEqual({
      [A100]: { retailPrice: 7, unitOfMeasure: "1 Hour", region: "", asOf: "2026-03-01", source: "a test", usdPerHour: 7 },
    });
  });

  it("else the newest of another region's, marked as not the stack's region", () => {
    const prices = [price({ region: "westus3", retailPrice: 8, asOf: "2026-02-01" }), price({ region: "eastus", retailPrice: 9, asOf: "2026-05-01" }), price({ region: "westus", retailPrice: 10, asOf: "2026-04-01" })];
    expect(priceBook("eastus2", {}, table({ [A100]: prices })).vmSizes).toStrictEqual({
      [A100]: { retailPrice: 9, unitOfMeasure: "1 Hour", region: "eastus", asOf: "2026-05-01", source: "a test", usdPerHour: 9, otherRegionThan: "eastus2" },
    });
  });

  it("skips a price that is not per length of time, even in the stack's region, and leaves a size without one out", () => {
    const book = priceBook(
      "eastus2",
      {},
      table({ [A100]: [price({ unitOfMeasure: "1 GB/Month", retailPrice: 0.5 }), price({ region: "eastus", retailPrice: 4 })], [T4]: [price({ unitOfMeasure: "10K" })], Standard_NC8as_T4_v3: [] }),
    );
    expect(book.vmSizes).toStrictEqual({
      [A100]: { retailPrice: 4, unitOfMeasure: "1 Hour", region: "eastus", asOf: "2026-01-01", source: "a test", usdPerHour: 4, otherRegionThan: "eastus2" },
    });
  });

  it("prices services and low-priority nodes the same way, each from its own list", () => {
    const book = priceBook(
      "eastus2",
      {},
      table(
        { [A100]: [price({ retailPrice: 3 })] },
        {
          services: { "containerRegistry:Basic": [price({ unitOfMeasure: "1/Day", retailPrice: 0.48 })], "containerRegistry:Premium": [price({ unitOfMeasure: "1 GB/Month" })] },
          lowPriorityVmSizes: { [A100]: [price({ region: "eastus", retailPrice: 0.75 })], [T4]: [price({ unitOfMeasure: "1 GB/Month" })] },
        },
      ),
    );
    expect(book).toStrictEqual({
      region: "eastus2",
      vmSizes: { [A100]: { retailPrice: 3, unitOfMeasure: "1 Hour", region: "eastus2", asOf: "2026-01-01", source: "a test", usdPerHour: 3 } },
      // 0.48 a day / 24 = 0.02 an hour.
      services: { "containerRegistry:Basic": { retailPrice: 0.48, unitOfMeasure: "1/Day", region: "eastus2", asOf: "2026-01-01", source: "a test", usdPerHour: 0.02 } },
      lowPriorityVmSizes: { [A100]: { retailPrice: 0.75, unitOfMeasure: "1 Hour", region: "eastus", asOf: "2026-01-01", source: "a test", usdPerHour: 0.75, otherRegionThan: "eastus2" } },
    });
  });

  it("has no low-priority prices when the table has none: never the dedicated price in their place", () => {
    expect(priceBook("eastus2", {}, table({ [A100]: [price({ retailPrice: 3 })] })).lowPriorityVmSizes).toStrictEqual({});
  });

  it("puts gpuPricesPerHour over the table, as a price of the stack's region from its config", () => {
    const book = priceBook("eastus2", { [A100]: 2.5, [T4]: 0.75 }, table({ [A100]: [price({ retailPrice: 3 })] }, { lowPriorityVmSizes: { [A100]: [price({ retailPrice: 0.9 })] } }));
    const fromConfig = { unitOfMeasure: "1 Hour", region: "eastus2", asOf: "", source: "gpuPricesPerHour (stack config)" };
    expect(book.vmSizes).toStrictEqual({ [A100]: { retailPrice: 2.5, usdPerHour: 2.5, ...fromConfig }, [T4]: { retailPrice: 0.75, usdPerHour: 0.75, ...fromConfig } });
    // A dedicated override is not a low-priority price.
    expect(book.lowPriorityVmSizes[A100].usdPerHour).toBe(0.9);
  });

  it("reads the shipped table when given none", () => {
    // Microsoft Learn, "Azure Container Registry service tiers" (learn.microsoft.com/azure/container-registry/
    // container-registry-skus): "a Basic tier registry ... includes a storage of 10 GB. The price you pay here is $0.167
    // per day". The table's only service price is that one, copied by hand; 0.167 / 24 = 0.00695833 an hour. The GPU
    // prices of the shipped table come from a third-party copy, not from Azure, so no test asserts them.
    expect(PRICE_TABLE.services["containerRegistry:Basic"]).toHaveLength(1);
    expect(priceBook("eastus2").services["containerRegistry:Basic"]).toMatchObject({ retailPrice: 0.167, unitOfMeasure: "1/Day", region: "" });
    expect(priceBook("eastus2").services["containerRegistry:Basic"].usdPerHour).toBeCloseTo(0.00695833, 8);
    expect(priceBook("eastus2").services["containerRegistry:Basic"].otherRegionThan).toBeUndefined();
  });
});

describe("gpuPricesPerHour (parsePriceOverrides)", () => {
  it("reads Size=USD pairs, the sizes named as the catalogue names them", () => {
    expect(parsePriceOverrides("Standard_NC4as_T4_v3=0.526,standard_nc24ads_a100_v4=12.75")).toStrictEqual({ [T4]: 0.526, [A100]: 12.75 });
    expect(parsePriceOverrides("Standard_NC4as_T4_v3=10")).toStrictEqual({ [T4]: 10 });
  });

  it("ignores blanks around entries, around the number and empty entries", () => {
    expect(parsePriceOverrides(" , Standard_NC4as_T4_v3= 2.5 ,,")).toStrictEqual({ [T4]: 2.5 });
    expect(parsePriceOverrides("")).toStrictEqual({});
  });

  it.each([
    ["Standard_NC4as_T4_v3", "'Standard_NC4as_T4_v3' is not Size=USD"],
    ["-Standard_NC4as_T4_v3=1", "'-Standard_NC4as_T4_v3=1' is not Size=USD"],
    ["=1", "'=1' is not Size=USD"],
    ["Standard_NC4as_T4_v3=1\n5", "'Standard_NC4as_T4_v3=1\n5' is not Size=USD"],
    ["Standard_D4s_v3=1", "'Standard_D4s_v3' is not a GPU VM size the stack knows"],
    ["Standard_NC4as_T4_v3=cheap", "'cheap' in 'Standard_NC4as_T4_v3=cheap' is not a number of USD"],
    ["Standard_NC4as_T4_v3=", "'' in 'Standard_NC4as_T4_v3=' is not a number of USD"],
    ["Standard_NC4as_T4_v3=1e3", "'1e3' in 'Standard_NC4as_T4_v3=1e3' is not a number of USD"],
    ["Standard_NC4as_T4_v3=.5", "'.5' in 'Standard_NC4as_T4_v3=.5' is not a number of USD"],
    ["Standard_NC4as_T4_v3=0", "the price of Standard_NC4as_T4_v3 must be above 0, not 0"],
    ["Standard_NC4as_T4_v3=-1.5", "the price of Standard_NC4as_T4_v3 must be above 0, not -1.5"],
  ])("refuses %j: %s", (text, reason) => {
    expect(parsePriceOverrides(`Standard_NC8as_T4_v3=1,${text}`)).toBe(reason);
  });
});
