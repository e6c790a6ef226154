import type { StackConfig } from "../../infra/config";
import { aboutCost, aboutDuration, CycleEstimate, CycleInput, DEFAULT_RUN_TRAIN_RECORDS, estimateCycle } from "../../domain/catalogue/cycleEstimate";
import type { PriceBook } from "../../domain/catalogue/prices";
import { gpuVmSize } from "../../domain/catalogue/vmSizes";

/** One cycle of this stack and, for comparison, of the default stack's first real run. */
export interface PlanCycles {
  readonly stack: string;
  readonly estimate: CycleEstimate;
  readonly reference: CycleEstimate;
}

/** What a cycle of `config` runs, priced from `book`; an unpriced low-priority node counts at the dedicated price, as a bound. */
export function cycleInput(config: StackConfig, trainRecords: number, book: PriceBook): CycleInput {
  const size = config.training.vmSize;
  const lowPriority = config.training.priority === "LowPriority" ? book.lowPriorityVmSizes[size] : undefined;
  const upperBound = config.training.priority === "LowPriority" && !lowPriority;
  const s = config.fineTune.settings;
  return {
    training: config.fineTune.enabled
      ? {
          records: trainRecords,
          epochs: s.epochs,
          batchSize: s.batchSize,
          gradientAccumulationSteps: s.gradientAccumulationSteps,
          gpusPerNode: gpuVmSize(size)?.gpus ?? 1,
          nodes: config.training.nodes,
          maxSteps: config.fineTune.maxSteps,
          usdPerNodeHour: (lowPriority ?? book.vmSizes[size])?.usdPerHour,
          upperBound,
        }
      : undefined,
    serving: config.serving.enabled ? { instances: config.serving.instanceCount, usdPerHour: book.vmSizes[config.serving.vmSize]?.usdPerHour } : undefined,
    alwaysOnUsdPerHour: book.services["containerRegistry:Basic"]?.usdPerHour ?? 0,
  };
}

/** This stack's cycle next to the default stack's (`defaults`: Pulumi.yaml's settings) on 1% of ultrachat_200k. */
export function planCycles(stack: string, config: StackConfig, trainRecords: number, defaults: StackConfig, book: PriceBook): PlanCycles {
  return {
    stack,
    estimate: estimateCycle(cycleInput(config, trainRecords, book)),
    reference: estimateCycle(cycleInput(defaults, DEFAULT_RUN_TRAIN_RECORDS, book)),
  };
}

function minutes(value: number): string {
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} min`;
}

function headline(e: CycleEstimate): string {
  const missing = e.unpriced.length ? ` plus ${e.unpriced.join(" and ")} (not priced)` : "";
  return `${aboutDuration(e.minutes)}, ${aboutCost(e)}${missing}`;
}

/** The cycle as the readable plan shows it: every stage with its basis, then the default stack's for comparison. */
export function renderCycles(cycles: PlanCycles): string[] {
  const e = cycles.estimate;
  const out = [
    "One cycle, `pulumi up` to `pulumi destroy` (estimates from domain/catalogue/cycleEstimate.ts, not measurements)",
    `  this stack (${cycles.stack}): ${headline(e)}`,
    ...e.stages.map((s) => `    ${minutes(s.minutes).padStart(7)}  ${s.what}; ${s.basis}`),
  ];
  if (e.atMost) out.push("    low-priority nodes have no price in domain/catalogue/retailPrices.json: counted at the dedicated price, an upper bound");
  out.push(
    `  the default stack on 1% of ultrachat_200k (\`npm run prepare-data\`: ${DEFAULT_RUN_TRAIN_RECORDS.toLocaleString("en-US")} training records, ` +
      `${cycles.reference.trainingSteps?.toLocaleString("en-US")} steps, dedicated): ${headline(cycles.reference)}`,
    "  cost: the cluster's node-hours (one node for the pipeline's other steps, trainingNodes for the fine-tune, each with its start and " +
      "idle time) x the node price, the deployment's instance-hours from creation to deletion x its price, and the standing charges over the cycle",
  );
  return out;
}
