import table from "./retailPrices.json";
import { gpuVmSize } from "./vmSizes";

/**
 * One list price as the Azure Retail Prices API gives it (`retailPrice` per `unitOfMeasure`, in USD), and what it is
 * worth knowing about it: the region it is for, the date it was read and where it comes from.
 */
export interface SourcedPrice {
  readonly retailPrice: number;
  /** The API's unit: "1 Hour" for VMs, "1/Day" for a registry unit. */
  readonly unitOfMeasure: string;
  /** The Azure region (armRegionName) the price is for; "" when the source names none. */
  readonly region: string;
  /** When the price was read, YYYY-MM-DD; "" for a price the stack's config sets. */
  readonly asOf: string;
  readonly source: string;
}

/** The checked-in table `npm run prices` writes: prices by VM size and by service meter, each a list over regions. */
export interface PriceTable {
  readonly about: string;
  /** Linux pay-as-you-go price of each VM size. */
  readonly vmSizes: Readonly<Record<string, readonly SourcedPrice[]>>;
  /** Linux low-priority price of each VM size (the API's "Low Priority" meters), where one was read. */
  readonly lowPriorityVmSizes?: Readonly<Record<string, readonly SourcedPrice[]>>;
  /** Standing charges of services, keyed `service:tier` (`containerRegistry:Basic`). */
  readonly services: Readonly<Record<string, readonly SourcedPrice[]>>;
}

/** The prices the plan uses (domain/catalogue/retailPrices.json). */
export const PRICE_TABLE: PriceTable = table;

/** Hours in the 30-day month the plan prices by. */
export const HOURS_PER_MONTH = 720;

const HOURS_PER_UNIT: Readonly<Record<string, number>> = { "1 Hour": 1, "1/Hour": 1, "1/Day": 24, "1/Month": HOURS_PER_MONTH };

/** A price per hour, or undefined for a unit that is not a length of time. */
export function usdPerHour(price: SourcedPrice): number | undefined {
  const hours = HOURS_PER_UNIT[price.unitOfMeasure];
  return hours === undefined ? undefined : price.retailPrice / hours;
}

/** A price chosen for the stack's region. */
export interface ResolvedPrice extends SourcedPrice {
  readonly usdPerHour: number;
  /** Set when the table has no price for the stack's region and this one is another region's. */
  readonly otherRegionThan?: string;
}

/** The prices of one stack: its region's where the table has them, else another region's, marked as such. */
export interface PriceBook {
  readonly region: string;
  readonly vmSizes: Readonly<Record<string, ResolvedPrice>>;
  /** Low-priority node prices; a size without one is not priced at low priority (never the dedicated price). */
  readonly lowPriorityVmSizes: Readonly<Record<string, ResolvedPrice>>;
  readonly services: Readonly<Record<string, ResolvedPrice>>;
}

/** The stack region's price, else one that names no region, else the most recent of another region, marked. */
function choose(prices: readonly SourcedPrice[], region: string): ResolvedPrice | undefined {
  const timed = prices.filter((p) => usdPerHour(p) !== undefined);
  const newest = (list: readonly SourcedPrice[]) => [...list].sort((a, b) => b.asOf.localeCompare(a.asOf))[0];
  const own = newest(timed.filter((p) => p.region === region)) ?? newest(timed.filter((p) => p.region === ""));
  if (own) return { ...own, usdPerHour: usdPerHour(own)! };
  const other = newest(timed);
  return other ? { ...other, usdPerHour: usdPerHour(other)!, otherRegionThan: region } : undefined;
}

/** The prices for a stack in `region`, with its `gpuPricesPerHour` over the table. */
export function priceBook(region: string, overrides: Readonly<Record<string, number>> = {}, source: PriceTable = PRICE_TABLE): PriceBook {
  const vmSizes: Record<string, ResolvedPrice> = {};
  for (const [size, prices] of Object.entries(source.vmSizes)) {
    const chosen = choose(prices, region);
    if (chosen) vmSizes[size] = chosen;
  }
  for (const [size, usd] of Object.entries(overrides)) {
    vmSizes[size] = { retailPrice: usd, unitOfMeasure: "1 Hour", usdPerHour: usd, region, asOf: "", source: "gpuPricesPerHour (stack config)" };
  }
  const services: Record<string, ResolvedPrice> = {};
  for (const [meter, prices] of Object.entries(source.services)) {
    const chosen = choose(prices, region);
    if (chosen) services[meter] = chosen;
  }
  const lowPriorityVmSizes: Record<string, ResolvedPrice> = {};
  for (const [size, prices] of Object.entries(source.lowPriorityVmSizes ?? {})) {
    const chosen = choose(prices, region);
    if (chosen) lowPriorityVmSizes[size] = chosen;
  }
  return { region, vmSizes, lowPriorityVmSizes, services };
}

/** `Size=USD,Size=USD` as a map, or a reason it is not one. */
export function parsePriceOverrides(text: string): Record<string, number> | string {
  const prices: Record<string, number> = {};
  for (const entry of text.split(",").map((e) => e.trim()).filter(Boolean)) {
    const match = /^([\w]+)=(.*)$/.exec(entry);
    if (!match) return `'${entry}' is not Size=USD`;
    const size = gpuVmSize(match[1]);
    if (!size) return `'${match[1]}' is not a GPU VM size the stack knows`;
    const usd = /^-?\d+(?:\.\d+)?$/.test(match[2].trim()) ? Number(match[2]) : NaN;
    if (Number.isNaN(usd)) return `'${match[2]}' in '${entry}' is not a number of USD`;
    if (!(usd > 0)) return `the price of ${size.name} must be above 0, not ${match[2]}`;
    prices[size.name] = usd;
  }
  return prices;
}
