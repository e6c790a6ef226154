import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { RetailItem } from "../../scripts/retailPrices";

/** An item as the API lists it, with the fields the stand-in filters on. */
export interface StandInItem extends RetailItem {
  readonly isPrimaryMeterRegion?: boolean;
}

export interface RetailPricesStandIn {
  /** The base URL, as RETAIL_PRICES_URL is for the real API. */
  readonly url: string;
  /** Every request, as it arrived. */
  readonly requests: URL[];
  close(): Promise<void>;
}

/** `field eq 'value' and ...` as conditions, or undefined for anything else (the stand-in then answers 400). */
function parseFilter(filter: string): Record<string, string> | undefined {
  const conditions: Record<string, string> = {};
  for (const part of filter.split(" and ")) {
    const match = /^(\w+) eq '((?:[^']|'')*)'$/.exec(part);
    if (!match) return undefined;
    conditions[match[1]] = match[2].replace(/''/g, "'");
  }
  return conditions;
}

/**
 * A local stand-in of the Azure Retail Prices API on 127.0.0.1: `GET /api/retail/prices` with api-version
 * 2023-01-01-preview, an OData `$filter` of `eq` conditions joined by `and`, compared case-sensitively as that version
 * compares them (`priceType` is the items' `type`), `meterRegion='primary'` and pages of `pageSize` items linked by
 * `NextPageLink` (`$skip`), in the API's response shape. Anything else is a 400 with an error body.
 */
export async function startRetailPricesStandIn(
  items: readonly StandInItem[],
  pageSize = 2,
  /** Where NextPageLink points; the stand-in itself by default. */
  nextPageOrigin?: string,
): Promise<RetailPricesStandIn> {
  const requests: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url);
    const fail = (message: string) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ Error: { Code: "BadRequest", Message: message } }));
    };
    if (req.method !== "GET" || url.pathname !== "/api/retail/prices") return fail(`no route ${req.method} ${url.pathname}`);
    if (url.searchParams.get("api-version") !== "2023-01-01-preview") return fail("unsupported api-version");
    const conditions = parseFilter(url.searchParams.get("$filter") ?? "");
    if (!conditions) return fail(`invalid $filter: ${url.searchParams.get("$filter")}`);
    const primaryOnly = url.searchParams.get("meterRegion") === "'primary'";
    const matching = items.filter(
      (item) =>
        (!primaryOnly || item.isPrimaryMeterRegion !== false) &&
        Object.entries(conditions).every(([field, value]) => String((item as unknown as Record<string, unknown>)[field === "priceType" ? "type" : field]) === value),
    );
    const skip = Number(url.searchParams.get("$skip") ?? 0);
    const page = matching.slice(skip, skip + pageSize);
    let next: string | null = null;
    if (skip + pageSize < matching.length) {
      const nextUrl = new URL(url.toString());
      nextUrl.searchParams.set("$skip", String(skip + pageSize));
      next = `${nextPageOrigin ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`}${nextUrl.pathname}${nextUrl.search}`;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ BillingCurrency: "USD", CustomerEntityId: "Default", CustomerEntityType: "Retail", Items: page, NextPageLink: next, Count: page.length }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/retail/prices`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
