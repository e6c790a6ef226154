/**
 * `npm run prices -- [--stack NAME] [--config KEY=VALUE]... [--region REGION] [--size SIZE]... [--base-url URL]
 * [--out FILE]`: reads the list prices of the stack's GPU sizes and its container registry in the stack's region from
 * the Azure Retail Prices API and writes them, dated and sourced, into domain/catalogue/retailPrices.json, which the plan's cost
 * estimate reads. AZURE_RETAIL_PRICES_URL (or --base-url) points it at another endpoint.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseStackConfig } from "../infra/config";
import { LOCATION_KEY, rawConfigFrom } from "../infra/configKeys";
import { PRICE_TABLE } from "../domain/catalogue/prices";
import { didYouMean } from "../domain/similarNames";
import { GPU_VM_SIZES, gpuVmSize } from "../domain/catalogue/vmSizes";
import { exitCodesHelp, runCommand, UsageError } from "./shared/exitCodes";
import { loadSettingsReportingAll } from "./shared/stackSettings";
import { fetchPrices, mergePrices, readPriceTable, RETAIL_PRICES_URL, RETAIL_PRICES_URL_ENV, writePriceTable } from "./retailPrices";
import { PROJECT_ROOT } from "./shared/stackFiles";
import { ML_REGIONS } from "./plan/standIns";

const DEFAULT_OUT = path.join(PROJECT_ROOT, "domain", "catalogue", "retailPrices.json");

export const PRICES_USAGE =
  "usage: npm run prices -- [--stack dev] [--config KEY=VALUE]... [--region REGION] [--size VM_SIZE]... [--base-url URL] [--out FILE]\n\n" +
  "Reads the pay-as-you-go Linux list prices of the stack's GPU sizes and of its container registry (Basic) in the\n" +
  "stack's region from the Azure Retail Prices API (public, no sign-in), prints them and merges them, dated and\n" +
  "sourced, into domain/catalogue/retailPrices.json, which the plan's cost estimate reads. The region and sizes are checked\n" +
  "before the API is called.\n\n" +
  "  --stack NAME        stack whose region and VM sizes are priced (default dev)\n" +
  "  --config KEY=VALUE  a setting over the stack file's, as for npm run plan (repeatable)\n" +
  "  --region REGION     another region than the stack's, such as swedencentral\n" +
  `  --size VM_SIZE      a GPU size to price instead of the stack's (repeatable): ${GPU_VM_SIZES.map((s) => s.name).join(", ")}\n` +
  `  --base-url URL      the API's address (default ${RETAIL_PRICES_URL}, or ${RETAIL_PRICES_URL_ENV})\n` +
  "  --out FILE          the price table to update (default domain/catalogue/retailPrices.json)\n" +
  "  -h, --help          this text\n\n" +
  exitCodesHelp({ failed: "the API could not be read, or had no price for a size", usage: "a wrong option, region, size or setting" });

/** What to price and where to write it, from the command line; throws a usage error before anything is asked. */
export function pricesRequest(argv: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stack: { type: "string", default: "dev" },
      config: { type: "string", multiple: true, default: [] },
      region: { type: "string" },
      size: { type: "string", multiple: true },
      "base-url": { type: "string" },
      out: { type: "string", default: DEFAULT_OUT },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return { help: true as const };
  // --region is checked by the stack's own rule for its region.
  const overrides = [...values.config, ...(values.region === undefined ? [] : [`${LOCATION_KEY}=${values.region}`])];
  const config = parseStackConfig(rawConfigFrom(loadSettingsReportingAll(values.stack, overrides).config));
  if (!ML_REGIONS.includes(config.location)) {
    const name = values.region === undefined ? LOCATION_KEY : "--region";
    throw new UsageError(`${name} ${JSON.stringify(config.location)}: not a region of the Azure public cloud; ${didYouMean(config.location, ML_REGIONS, "the regions are")}`);
  }
  const vmSizes = (values.size ?? []).map((size) => {
    const known = gpuVmSize(size.trim());
    if (!known) throw new UsageError(`--size ${JSON.stringify(size)}: a GPU VM size the stack knows: ${GPU_VM_SIZES.map((s) => s.name).join(", ")}`);
    return known.name;
  });
  const baseUrl = values["base-url"] ?? env[RETAIL_PRICES_URL_ENV] ?? RETAIL_PRICES_URL;
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new UsageError(`${values["base-url"] === undefined ? RETAIL_PRICES_URL_ENV : "--base-url"} ${JSON.stringify(baseUrl)}: an http or https address, such as ${RETAIL_PRICES_URL}`);
  }
  return {
    help: false as const,
    region: config.location,
    vmSizes: vmSizes.length > 0 ? [...new Set(vmSizes)] : [...new Set([config.training.vmSize, config.serving.vmSize])],
    baseUrl,
    out: values.out,
  };
}

async function main(): Promise<void> {
  const request = pricesRequest(process.argv.slice(2), process.env);
  if (request.help) {
    process.stdout.write(PRICES_USAGE);
    return;
  }
  const { region, vmSizes, baseUrl, out } = request;
  const result = await fetchPrices({
    region,
    vmSizes,
    registryTiers: ["Basic"],
    baseUrl,
    now: new Date(),
    options: { log: (line) => process.stderr.write(`${line}\n`) },
  });
  writePriceTable(out, mergePrices(readPriceTable(out, PRICE_TABLE), result));
  for (const [name, p] of [...Object.entries(result.vmSizes), ...Object.entries(result.services)]) {
    process.stdout.write(`${name}: $${p.retailPrice} per ${p.unitOfMeasure} in ${p.region} (${p.asOf})\n`);
  }
  process.stdout.write(`written to ${path.relative(process.cwd(), out) || out}\n`);
  if (result.missing.length > 0) throw new Error(`no price for:\n${result.missing.map((m) => `  - ${m}`).join("\n")}`);
}

if (require.main === module) runCommand("prices", main);
