import { gpuVmSize } from "./vmSizes";

/** An hourly list price of one VM size and where it comes from. */
export interface GpuPrice {
  readonly usdPerHour: number;
  readonly source: string;
  readonly asOf: string;
}

/**
 * Pay-as-you-go Linux list prices the plan's cost estimate uses. Azure's own price pages are not reachable offline, so
 * each price names its source and date; `gpuPricesPerHour` overrides or adds any size (your region's and agreement's
 * prices may differ: check the Azure pricing calculator).
 */
export const GPU_PRICE_TABLE: Readonly<Record<string, GpuPrice>> = {
  Standard_NC24ads_A100_v4: {
    usdPerHour: 3.673,
    source: "data-receipts GPU pricing dataset (hyperscalers.json, Azure eastus)",
    asOf: "2026-11-09",
  },
};

/** `Size=USD,Size=USD` as a map, or a reason it is not one. */
export function parsePriceOverrides(text: string): Record<string, number> | string {
  const prices: Record<string, number> = {};
  for (const entry of text.split(",").map((e) => e.trim()).filter(Boolean)) {
    const match = /^([\w]+)=(\d+(?:\.\d+)?)$/.exec(entry);
    if (!match) return `'${entry}' is not Size=USD`;
    const size = gpuVmSize(match[1]);
    if (!size) return `'${match[1]}' is not a GPU VM size the stack knows`;
    prices[size.name] = Number(match[2]);
  }
  return prices;
}

/** The price table with the stack's overrides applied. */
export function priceTable(overrides: Readonly<Record<string, number>> = {}): Record<string, GpuPrice> {
  const table: Record<string, GpuPrice> = { ...GPU_PRICE_TABLE };
  for (const [size, usdPerHour] of Object.entries(overrides)) table[size] = { usdPerHour, source: "gpuPricesPerHour (stack config)", asOf: "" };
  return table;
}
