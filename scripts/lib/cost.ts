import type { GpuPrice } from "../../infra/prices";
import type { RecordedResource } from "./mockRuntime";

/** What one GPU resource of the plan costs per hour. */
export interface GpuCostLine {
  readonly what: string;
  readonly vmSize: string;
  /** Per node or instance, when the price is known. */
  readonly usdPerHour?: number;
  /** Nodes or instances billed while the stack is idle (no job running). */
  readonly idleUnits: number;
  /** Nodes or instances billed at most (a job running on a full cluster). */
  readonly busyUnits: number;
}

export interface GpuCost {
  readonly lines: GpuCostLine[];
  /** USD per hour billed while nothing trains, counting known prices only. */
  readonly idleUsdPerHour: number;
  /** VM sizes billed while idle whose price is unknown. */
  readonly idleUnknown: string[];
}

/** The GPU cost of the plan's clusters and deployments: clusters bill per node while a job runs, deployments always. */
export function gpuCost(resources: readonly RecordedResource[], prices: Readonly<Record<string, GpuPrice>>): GpuCost {
  const lines: GpuCostLine[] = [];
  for (const r of resources) {
    const props = (r.inputs.properties ?? {}) as any;
    if (r.type === "azure-native:machinelearningservices:Compute" && props.computeType === "AmlCompute") {
      const scale = props.properties?.scaleSettings ?? {};
      const vmSize = String(props.properties?.vmSize);
      lines.push({ what: "training cluster", vmSize, usdPerHour: prices[vmSize]?.usdPerHour, idleUnits: scale.minNodeCount ?? 0, busyUnits: scale.maxNodeCount ?? 1 });
    }
    if (r.type === "azure-native:machinelearningservices:OnlineDeployment") {
      const vmSize = String(props.instanceType);
      const units = Number((r.inputs.sku as { capacity?: number })?.capacity ?? 1);
      lines.push({ what: "online deployment", vmSize, usdPerHour: prices[vmSize]?.usdPerHour, idleUnits: units, busyUnits: units });
    }
  }
  const idle = lines.filter((l) => l.idleUnits > 0);
  return {
    lines,
    idleUsdPerHour: idle.reduce((sum, l) => sum + (l.usdPerHour ?? 0) * l.idleUnits, 0),
    idleUnknown: [...new Set(idle.filter((l) => l.usdPerHour === undefined).map((l) => l.vmSize))],
  };
}

const usd = (value: number) => `$${value.toFixed(2)}`;

/** The cost as the readable plan shows it. */
export function renderCost(cost: GpuCost, prices: Readonly<Record<string, GpuPrice>>): string[] {
  const lines = ["GPU cost (USD per hour, pay-as-you-go list prices)"];
  for (const l of cost.lines) {
    const unit = l.what === "training cluster" ? "node" : "instance";
    if (l.usdPerHour === undefined) {
      lines.push(`  ${l.what}: ${l.vmSize} x ${l.busyUnits}: no price known; set gpuPricesPerHour=${l.vmSize}=<USD>`);
    } else if (l.what === "training cluster") {
      lines.push(
        `  ${l.what}: ${l.vmSize} ${usd(l.usdPerHour)} per ${unit}-hour while a job runs, up to ${usd(l.usdPerHour * l.busyUnits)}/h; ` +
          `${usd(l.usdPerHour * l.idleUnits)}/h idle (${l.idleUnits} nodes)`,
      );
    } else {
      lines.push(`  ${l.what}: ${l.vmSize} x ${l.busyUnits} = ${usd(l.usdPerHour * l.busyUnits)}/h, every hour it exists, busy or idle`);
    }
  }
  if (!cost.lines.some((l) => l.what === "online deployment")) lines.push("  online deployment: none (serving parked): $0.00/h");
  const unknown = cost.idleUnknown.length ? ` plus ${cost.idleUnknown.join(", ")} (price unknown)` : "";
  lines.push(`  while nothing trains: ${usd(cost.idleUsdPerHour)}/h${unknown}`);
  const used = [...new Set(cost.lines.map((l) => l.vmSize))].filter((size) => prices[size]);
  for (const size of used) {
    const p = prices[size];
    lines.push(`  price of ${size}: $${p.usdPerHour}/h from ${p.source}${p.asOf ? ` (${p.asOf})` : ""}`);
  }
  return lines;
}
