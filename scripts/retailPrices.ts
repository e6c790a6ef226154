import * as fs from "node:fs";
import * as path from "node:path";
import type { PriceTable, SourcedPrice } from "../domain/catalogue/prices";
import { fetchWithRetry, RetryPolicy } from "./shared/retryingFetch";

/**
 * The Azure Retail Prices API: public, unauthenticated, `GET https://prices.azure.com/api/retail/prices` with an
 * OData `$filter` of `field eq 'value'` conditions joined by `and`, answering
 * `{ BillingCurrency, CustomerEntityId, CustomerEntityType, Items: [...], NextPageLink, Count }`, the next page at
 * `NextPageLink` until it is null (learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices).
 * From api-version 2023-01-01-preview filter values are case-sensitive (`serviceName eq 'Virtual Machines'`), and
 * `meterRegion='primary'` keeps the primary meters only.
 */
export const RETAIL_PRICES_URL = "https://prices.azure.com/api/retail/prices";
export const RETAIL_PRICES_API_VERSION = "2023-01-01-preview";
/** Points `npm run prices` at another endpoint, such as a local stand-in; `--base-url` does the same. */
export const RETAIL_PRICES_URL_ENV = "AZURE_RETAIL_PRICES_URL";

/** The fields of an API item the stack reads. */
export interface RetailItem {
  readonly currencyCode?: string;
  readonly retailPrice: number;
  readonly unitOfMeasure: string;
  readonly armRegionName: string;
  readonly armSkuName?: string;
  readonly productName: string;
  readonly skuName: string;
  readonly meterName: string;
  readonly serviceName: string;
  /** "Consumption", "DevTestConsumption", "Reservation". */
  readonly type: string;
  readonly effectiveStartDate: string;
}

interface RetailPage {
  readonly Items?: unknown;
  readonly NextPageLink?: string | null;
}

export interface QueryOptions {
  readonly policy?: RetryPolicy;
  /** Pages followed at most; a filter this stack builds fits in one or two. */
  readonly maxPages?: number;
  readonly log?: (line: string) => void;
}

const DEFAULT_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 2000, timeoutMs: 30000 };

/** `field eq 'value' and ...`, each value an OData string literal (a quote doubled). */
export function retailFilter(conditions: Readonly<Record<string, string>>): string {
  return Object.entries(conditions)
    .map(([field, value]) => `${field} eq '${value.replace(/'/g, "''")}'`)
    .join(" and ");
}

/** The first page's URL for `filter`. */
export function retailQueryUrl(baseUrl: string, filter: string): string {
  return `${baseUrl}?api-version=${RETAIL_PRICES_API_VERSION}&meterRegion='primary'&$filter=${encodeURIComponent(filter)}`;
}

/**
 * Every item matching `filter`, following `NextPageLink` (only to the same origin, at most `maxPages` pages). Fails
 * with the API's status and the start of its answer.
 */
export async function queryRetailPrices(baseUrl: string, filter: string, options: QueryOptions = {}): Promise<RetailItem[]> {
  const origin = new URL(baseUrl).origin;
  const maxPages = options.maxPages ?? 20;
  const items: RetailItem[] = [];
  let url: string | null = retailQueryUrl(baseUrl, filter);
  for (let page = 1; url; page++) {
    if (page > maxPages) throw new Error(`the Retail Prices API gave more than ${maxPages} pages for ${filter}`);
    options.log?.(`GET ${url}`);
    const { response, body, failure } = await fetchWithRetry(url, { headers: { accept: "application/json" } }, options.policy ?? DEFAULT_POLICY);
    if (!response?.ok) throw new Error(`the Retail Prices API answered ${failure} for ${url}${body ? `: ${body.slice(0, 300)}` : ""}`);
    let parsed: RetailPage;
    try {
      parsed = JSON.parse(body) as RetailPage;
    } catch {
      throw new Error(`the Retail Prices API answered something that is not JSON for ${url}: ${body.slice(0, 120)}`);
    }
    if (!Array.isArray(parsed.Items)) throw new Error(`the Retail Prices API answered without an Items list for ${url}: ${body.slice(0, 120)}`);
    items.push(...(parsed.Items as RetailItem[]));
    url = parsed.NextPageLink || null;
    if (url && new URL(url).origin !== origin) throw new Error(`the Retail Prices API's NextPageLink leaves ${origin}: ${url}`);
  }
  return items;
}

/** An hourly pay-as-you-go meter of Linux: not Windows, not Spot or low priority. */
function linuxHourly(item: RetailItem): boolean {
  return (
    item.type === "Consumption" &&
    item.unitOfMeasure === "1 Hour" &&
    (item.currencyCode ?? "USD") === "USD" &&
    !/windows/i.test(item.productName) &&
    !/spot|low priority/i.test(`${item.skuName} ${item.meterName}`)
  );
}

/** The item in force at `now` with the latest start, the dearest if several start together. */
function current(items: readonly RetailItem[], now: Date): RetailItem | undefined {
  return items
    .filter((i) => new Date(i.effectiveStartDate) <= now)
    .sort((a, b) => b.effectiveStartDate.localeCompare(a.effectiveStartDate) || b.retailPrice - a.retailPrice)[0];
}

/** What one run of `npm run prices` reads. */
export interface PricesRequest {
  readonly region: string;
  readonly vmSizes: readonly string[];
  /** Container registry tiers to price (the stack's registry is Basic). */
  readonly registryTiers: readonly string[];
  readonly baseUrl: string;
  readonly now: Date;
  readonly options?: QueryOptions;
}

export interface PricesResult {
  /** New prices by VM size and by service meter. */
  readonly vmSizes: Record<string, SourcedPrice>;
  readonly services: Record<string, SourcedPrice>;
  /** What the API has no price for, in words. */
  readonly missing: string[];
}

function apiSource(baseUrl: string, item: RetailItem, extra = ""): string {
  return (
    `Azure Retail Prices API (${baseUrl}, api-version ${RETAIL_PRICES_API_VERSION}): meter "${item.meterName}" of ` +
    `"${item.productName}", ${item.type}, effective ${item.effectiveStartDate.slice(0, 10)}${extra}`
  );
}

/**
 * Reads the region's Linux pay-as-you-go price of each VM size (serviceName 'Virtual Machines', plus any hourly
 * 'Azure Machine Learning' meter of the same size) and the daily unit of each registry tier.
 */
export async function fetchPrices(request: PricesRequest): Promise<PricesResult> {
  const { region, baseUrl, now, options } = request;
  const asOf = now.toISOString().slice(0, 10);
  const vmSizes: Record<string, SourcedPrice> = {};
  const services: Record<string, SourcedPrice> = {};
  const missing: string[] = [];

  for (const size of request.vmSizes) {
    const query = (serviceName: string) =>
      queryRetailPrices(baseUrl, retailFilter({ serviceName, armRegionName: region, armSkuName: size, priceType: "Consumption" }), options);
    const vm = current((await query("Virtual Machines")).filter(linuxHourly), now);
    if (!vm) {
      missing.push(`${size} in ${region}: no Linux pay-as-you-go price (is the size offered there?)`);
      continue;
    }
    const surcharges = (await query("Azure Machine Learning")).filter(linuxHourly);
    const surcharge = surcharges.reduce((sum, i) => sum + i.retailPrice, 0);
    const extra = surcharges.length ? `; plus Azure Machine Learning ${surcharges.map((i) => `"${i.meterName}" $${i.retailPrice}/h`).join(", ")}` : "";
    vmSizes[size] = {
      retailPrice: Number((vm.retailPrice + surcharge).toFixed(6)),
      unitOfMeasure: "1 Hour",
      region,
      asOf,
      source: apiSource(baseUrl, vm, extra),
    };
  }

  for (const tier of request.registryTiers) {
    const filter = retailFilter({ serviceName: "Container Registry", armRegionName: region, skuName: tier, priceType: "Consumption" });
    const unit = current((await queryRetailPrices(baseUrl, filter, options)).filter((i) => i.meterName === `${tier} Registry Unit`), now);
    if (!unit) {
      missing.push(`container registry ${tier} in ${region}: no "${tier} Registry Unit" meter`);
      continue;
    }
    services[`containerRegistry:${tier}`] = { retailPrice: unit.retailPrice, unitOfMeasure: unit.unitOfMeasure, region, asOf, source: apiSource(baseUrl, unit) };
  }
  return { vmSizes, services, missing };
}

/** The table with `result`'s prices in place of the same region's old ones; other regions' prices stay. */
export function mergePrices(table: PriceTable, result: PricesResult): PriceTable {
  const merge = (current: PriceTable["vmSizes"], fresh: Record<string, SourcedPrice>) => {
    const merged: Record<string, SourcedPrice[]> = Object.fromEntries(Object.entries(current).map(([k, v]) => [k, [...v]]));
    for (const [key, price] of Object.entries(fresh)) merged[key] = [...(merged[key] ?? []).filter((p) => p.region !== price.region), price];
    return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  };
  return { about: table.about, vmSizes: merge(table.vmSizes, result.vmSizes), services: merge(table.services, result.services) };
}

/** The table in `file`, or `fallback` when there is no such file yet. */
export function readPriceTable(file: string, fallback: PriceTable): PriceTable {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PriceTable) : fallback;
}

/** Writes the table as the checked-in JSON, whole or not at all. */
export function writePriceTable(file: string, table: PriceTable): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, JSON.stringify(table, null, 2) + "\n");
  fs.renameSync(temporary, file);
}
