/**
 * `npm run prices -- [--stack NAME] [--config KEY=VALUE]... [--region REGION] [--size SIZE]... [--base-url URL]
 * [--out FILE]`: reads the list prices of the stack's GPU sizes and its container registry in the stack's region from
 * the Azure Retail Prices API and writes them, dated and sourced, into infra/retailPrices.json, which the plan's cost
 * estimate reads. AZURE_RETAIL_PRICES_URL (or --base-url) points it at another endpoint.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseStackConfig, rawConfigFrom } from "../infra/config";
import { PRICE_TABLE } from "../infra/prices";
import { loadSettingsReportingAll } from "./lib/plan";
import { fetchPrices, mergePrices, readPriceTable, RETAIL_PRICES_URL, RETAIL_PRICES_URL_ENV, writePriceTable } from "./lib/retailPrices";
import { PROJECT_ROOT } from "./lib/stackFiles";

const USAGE =
  "usage: npm run prices -- [--stack dev] [--config KEY=VALUE]... [--region REGION] [--size VM_SIZE]... [--base-url URL] [--out FILE]\n";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", default: "dev" },
      config: { type: "string", multiple: true, default: [] },
      region: { type: "string" },
      size: { type: "string", multiple: true },
      "base-url": { type: "string" },
      out: { type: "string", default: path.join(PROJECT_ROOT, "infra", "retailPrices.json") },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const config = parseStackConfig(rawConfigFrom(loadSettingsReportingAll(values.stack, values.config).config));
  const region = values.region ?? config.location;
  const vmSizes = values.size?.length ? values.size : [...new Set([config.training.vmSize, config.serving.vmSize])];
  const baseUrl = values["base-url"] ?? process.env[RETAIL_PRICES_URL_ENV] ?? RETAIL_PRICES_URL;
  const result = await fetchPrices({
    region,
    vmSizes,
    registryTiers: ["Basic"],
    baseUrl,
    now: new Date(),
    options: { log: (line) => process.stderr.write(`${line}\n`) },
  });
  writePriceTable(values.out, mergePrices(readPriceTable(values.out, PRICE_TABLE), result));
  for (const [name, p] of [...Object.entries(result.vmSizes), ...Object.entries(result.services)]) {
    process.stdout.write(`${name}: $${p.retailPrice} per ${p.unitOfMeasure} in ${p.region} (${p.asOf})\n`);
  }
  process.stdout.write(`written to ${path.relative(process.cwd(), values.out) || values.out}\n`);
  if (result.missing.length > 0) throw new Error(`no price for:\n${result.missing.map((m) => `  - ${m}`).join("\n")}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`prices failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
