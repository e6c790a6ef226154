import { HOURS_PER_MONTH, PriceBook, ResolvedPrice } from "../../domain/catalogue/prices";
import type { RecordedResource } from "./mockRuntime";

/** When a line of the plan bills. */
export type Billing = "while deployed" | "while a job runs" | "always";

/** What one resource of the plan costs. */
export interface CostLine {
  /** What bills: "online deployment", "training cluster", "container registry", ... */
  readonly what: string;
  /** What is priced: a VM size, or a service's tier. */
  readonly meter: string;
  readonly bills: Billing;
  /** Instances, or a cluster's most nodes. */
  readonly units: number;
  /** Units billed while nothing trains: a deployment's instances, a cluster's least nodes. */
  readonly idleUnits: number;
  /** A cluster's nodes: dedicated, or low priority (priced from the table's low-priority prices only). */
  readonly priority?: "Dedicated" | "LowPriority";
  /** Nodes the fine-tune runs on (the job's `num_nodes_finetune`), when the plan has a job. */
  readonly jobNodes?: number;
  readonly price?: ResolvedPrice;
  /** Why the line has no price, when it has none. */
  readonly unpriced?: string;
}

export interface PlanCost {
  readonly lines: CostLine[];
  /** USD per hour of the online deployment (0 when parked). */
  readonly servingUsdPerHour: number;
  /** USD per hour of the priced standing charges. */
  readonly alwaysOnUsdPerHour: number;
  /** USD per hour while nothing trains, serving as planned; priced lines only. */
  readonly idleUsdPerHour: number;
  /** The same with serving parked (servingEnabled=false). */
  readonly parkedUsdPerHour: number;
  /** Meters that bill while nothing trains and have no price. */
  readonly idleUnpriced: string[];
}

/** The fine-tuning job's type in the plan: the dynamic resource of components/azure/providers/pipelineJob.ts. */
const PIPELINE_JOB_TYPE = "pulumi-nodejs:dynamic/phi3-foundry:PipelineJob";

function dedicatedPrice(vmSize: string, book: PriceBook): Pick<CostLine, "price" | "unpriced"> {
  const price = book.vmSizes[vmSize];
  return price ? { price } : { unpriced: `no price known; set gpuPricesPerHour=${vmSize}=<USD> or run \`npm run prices\`` };
}

/** A low-priority node's price where the table has one; never the dedicated price in its place. */
function lowPriorityPrice(vmSize: string, book: PriceBook): Pick<CostLine, "price" | "unpriced"> {
  const price = book.lowPriorityVmSizes[vmSize];
  if (price) return { price };
  const dedicated = book.vmSizes[vmSize];
  const bound = dedicated ? ` (the dedicated price, ${usd(dedicated.usdPerHour)} per node-hour, is an upper bound)` : "";
  return { unpriced: `not priced: domain/catalogue/retailPrices.json has no low-priority price for ${vmSize}${bound}` };
}

/** Standing charges the plan knows how to read from a resource, priced from the table or said not to be. */
function standingCharge(r: RecordedResource, book: PriceBook): CostLine | undefined {
  const sku = String((r.inputs.sku as { name?: string } | undefined)?.name ?? "");
  const line = (what: string, key: string | undefined, unpriced?: string): CostLine => {
    const price = key ? book.services[key] : undefined;
    return { what, meter: sku, bills: "always", units: 1, idleUnits: 1, price, unpriced: price ? undefined : unpriced ?? "not priced: no price in domain/catalogue/retailPrices.json" };
  };
  switch (r.type) {
    case "azure-native:containerregistry:Registry":
      return line("container registry", `containerRegistry:${sku}`);
    case "azure-native:cognitiveservices:Account":
      return line("AI Services", undefined, "not priced: billed by use (calls, tokens), no standing charge in the table");
    case "azure-native:operationalinsights:Workspace":
      return line("Log Analytics", undefined, "not priced: billed per GB ingested");
    default:
      return undefined;
  }
}

/**
 * The cost of the plan's resources: the online deployment every hour it exists, the training cluster per node-hour
 * while a job runs (its least nodes always), and the standing charges of the registry, AI Services and Log Analytics
 * where the table prices them.
 */
export function planCost(resources: readonly RecordedResource[], book: PriceBook): PlanCost {
  const lines: CostLine[] = [];
  const job = resources.find((r) => r.type === PIPELINE_JOB_TYPE);
  const jobNodes = Number((job?.inputs.properties as any)?.inputs?.num_nodes_finetune?.value ?? NaN);
  for (const r of resources) {
    const props = (r.inputs.properties ?? {}) as any;
    if (r.type === "azure-native:machinelearningservices:Compute" && props.computeType === "AmlCompute") {
      const scale = props.properties?.scaleSettings ?? {};
      const vmSize = String(props.properties?.vmSize);
      const lowPriority = props.properties?.vmPriority === "LowPriority";
      lines.push({
        what: "training cluster",
        meter: vmSize,
        bills: "while a job runs",
        units: scale.maxNodeCount ?? 1,
        idleUnits: scale.minNodeCount ?? 0,
        priority: lowPriority ? "LowPriority" : "Dedicated",
        ...(Number.isInteger(jobNodes) ? { jobNodes } : {}),
        ...(lowPriority ? lowPriorityPrice(vmSize, book) : dedicatedPrice(vmSize, book)),
      });
    }
    if (r.type === "azure-native:machinelearningservices:OnlineDeployment") {
      const vmSize = String(props.instanceType);
      const units = Number((r.inputs.sku as { capacity?: number })?.capacity ?? 1);
      lines.push({
        what: "online deployment",
        meter: vmSize,
        bills: "while deployed",
        units,
        idleUnits: units,
        price: book.vmSizes[vmSize],
        unpriced: book.vmSizes[vmSize] ? undefined : `no price known; set gpuPricesPerHour=${vmSize}=<USD> or run \`npm run prices\``,
      });
    }
    const standing = standingCharge(r, book);
    if (standing) lines.push(standing);
  }
  const idleCost = (l: CostLine) => (l.price?.usdPerHour ?? 0) * l.idleUnits;
  const sum = (list: CostLine[]) => list.reduce((total, l) => total + idleCost(l), 0);
  const serving = lines.filter((l) => l.bills === "while deployed");
  const rest = lines.filter((l) => l.bills !== "while deployed");
  return {
    lines,
    servingUsdPerHour: sum(serving),
    alwaysOnUsdPerHour: sum(lines.filter((l) => l.bills === "always")),
    idleUsdPerHour: sum(lines),
    parkedUsdPerHour: sum(rest),
    idleUnpriced: [...new Set(lines.filter((l) => l.idleUnits > 0 && !l.price && l.bills !== "always").map((l) => l.meter))],
  };
}

/** Dollars: cents for a dollar and more, four places below ten cents, thousands separated. */
export function usd(value: number): string {
  const digits = value !== 0 && value < 0.1 ? 4 : 2;
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** "$3.67/h, $2,644.56/month". */
function perHourAndMonth(usdPerHour: number): string {
  return `${usd(usdPerHour)}/h, ${usd(usdPerHour * HOURS_PER_MONTH)}/month`;
}

const UNIT_LABEL: Readonly<Record<string, string>> = { "1 Hour": "h", "1/Hour": "h", "1/Day": "day", "1/Month": "month" };

/** Where a price comes from, as one line: amount, region, date and source. */
function priceSource(name: string, p: ResolvedPrice): string {
  const region = p.region || "no region named";
  const other = p.otherRegionThan ? ` (no ${p.otherRegionThan} price in the table: run \`npm run prices\`)` : "";
  return `${name} $${p.retailPrice}/${UNIT_LABEL[p.unitOfMeasure] ?? p.unitOfMeasure}: ${region}${other}${p.asOf ? `, ${p.asOf}` : ""}, from ${p.source}`;
}

/** The cost as the readable plan shows it: per hour and per 30-day month, and where every price comes from. */
export function renderCost(cost: PlanCost): string[] {
  const out = [`Cost (USD, pay-as-you-go list prices; a month is 30 days, ${HOURS_PER_MONTH} h)`];
  const serving = cost.lines.filter((l) => l.what === "online deployment");
  for (const l of serving) {
    out.push(
      l.price
        ? `  serving: online deployment ${l.meter} x ${l.units}: ${perHourAndMonth(l.price.usdPerHour * l.units)}, every hour it is deployed, busy or idle`
        : `  serving: online deployment ${l.meter} x ${l.units}: ${l.unpriced}`,
    );
  }
  if (serving.length === 0) out.push(`  serving: none (servingEnabled=false, parked): ${perHourAndMonth(0)}`);
  for (const l of cost.lines.filter((line) => line.bills === "while a job runs")) {
    const kind = l.priority === "LowPriority" ? ", low priority (can be preempted)" : "";
    const nodes = (n: number) => `${n} node${n === 1 ? "" : "s"}`;
    const job = l.jobNodes === undefined ? "" : l.price ? `the fine-tune on ${nodes(l.jobNodes)}: ${usd(l.price.usdPerHour * l.jobNodes)}/h; ` : `the fine-tune on ${nodes(l.jobNodes)}; `;
    out.push(
      l.price
        ? `  training: cluster ${l.meter}${kind}: ${usd(l.price.usdPerHour)} per node-hour while a job runs (${job}up to ${nodes(l.units)}: ` +
            `${usd(l.price.usdPerHour * l.units)}/h); ${nodes(l.idleUnits)} while idle: ${perHourAndMonth(l.price.usdPerHour * l.idleUnits)}`
        : `  training: cluster ${l.meter}${kind} x ${l.units}: ${job}${l.unpriced}`,
    );
  }
  for (const l of cost.lines.filter((line) => line.bills === "always")) {
    out.push(`  always on: ${l.what} ${l.meter}: ${l.price ? perHourAndMonth(l.price.usdPerHour) : l.unpriced}`);
  }
  const unknown = cost.idleUnpriced.length ? ` plus ${cost.idleUnpriced.join(", ")} (price unknown)` : "";
  if (serving.length > 0) out.push(`  total while serving, nothing training: ${perHourAndMonth(cost.idleUsdPerHour)}${unknown}, plus what is billed by use`);
  out.push(`  total when parked (servingEnabled=false), nothing training: ${perHourAndMonth(cost.parkedUsdPerHour)}, plus what is billed by use`);
  const named = new Map<string, ResolvedPrice>();
  for (const l of cost.lines) {
    if (l.price) named.set(l.bills === "always" ? `${l.what} ${l.meter}` : `${l.meter}${l.priority === "LowPriority" ? " low priority" : ""}`, l.price);
  }
  if (named.size > 0) out.push("  prices:", ...[...named].map(([name, p]) => `    ${priceSource(name, p)}`));
  return out;
}
