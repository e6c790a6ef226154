import { DEPLOYMENT_SETTINGS } from "./deploymentSettings";

/**
 * How long one `pulumi up` to `pulumi destroy` cycle takes and what it costs: the facts and the arithmetic, in one place
 * for the plan's summary and the README. Nothing here has been measured on Azure: each duration says whether it comes
 * from the stack's own settings or is an estimate, and the canary's live run is how to replace the estimates with
 * measurements.
 */

/** One stage of the cycle and where its duration comes from. */
export interface StageFact {
  readonly what: string;
  readonly minutes: number;
  readonly basis: string;
}

/** ISO 8601 seconds ("PT600S") as minutes. */
function isoMinutes(duration: string): number {
  return Number(/^PT(\d+)S$/.exec(duration)?.[1] ?? NaN) / 60;
}

/** The wait after the identity's role assignments before the deployment (components/onlineEndpoint.ts). */
const ROLE_SETTLE_MINUTES = 2;

export const CYCLE_FACTS = {
  resources: {
    what: "workspace, storage, key vault, registry, identity and roles, cluster, data upload, endpoint",
    minutes: 10,
    basis: "estimate: ARM creates them in parallel as the dependency graph allows; Foundry's hub and project go alongside",
  },
  nodeStart: {
    what: "the cluster allocates a node from zero and pulls the step's image",
    minutes: 5,
    basis: "estimate; a low-priority node waits longer when the region has no spare capacity",
  },
  importAndPreprocess: {
    what: "the pipeline's validation, model import (the base model's weights from Hugging Face) and data preprocess steps",
    minutes: 15,
    basis: "estimate for chat_completion_pipeline's steps ft_nlp_common_validation, chat_completion_model_import and chat_completion_datapreprocess, as its spec.yaml names them",
  },
  trainingStartup: {
    what: "the fine-tune step loads the model and starts DeepSpeed",
    minutes: 5,
    basis: "estimate",
  },
  secondsPerStep: {
    value: 1,
    basis:
      "assumption: 1 s per optimizer step of Phi-3-mini with LoRA on one A100 at batch 1 (a ~1,500-token conversation at about a third of " +
      "the GPU's fp16 peak, rounded up); not measured",
  },
  convertAndRegister: {
    what: "ft_nlp_model_converter writes the MLflow model, then the model version is registered",
    minutes: 10,
    basis: "estimate",
  },
  deployment: {
    what: "the role-assignment wait, then the GPU deployment: allocation, image pull and model load",
    minutes: ROLE_SETTLE_MINUTES + 5 + isoMinutes(DEPLOYMENT_SETTINGS.readinessProbe.initialDelay),
    basis:
      `the stack's own settings: a ${ROLE_SETTLE_MINUTES * 60} s wait for role assignments and the probes' ` +
      `${DEPLOYMENT_SETTINGS.readinessProbe.initialDelay} initial delay before the deployment can be ready; plus 5 minutes of allocation and image pull (estimate)`,
  },
  smoke: { what: "`npm run smoke` asks the deployment one question", minutes: 1, basis: "estimate: one request, which the deployment's 90 s request timeout bounds" },
  destroy: {
    what: "`pulumi destroy`: traffic drained, deployment, endpoint, Foundry and workspace deleted",
    minutes: 15,
    basis: "estimate; the deployment bills until it is deleted",
  },
  /** The cluster keeps a node this long after the last step (trainingIdleSeconds, 120 s by default). */
  idleMinutes: 2,
} as const;

/**
 * The default stack's first real run: 1% of ultrachat_200k's train_sft (207,865 rows, the dataset card), rounded as
 * `datasets` rounds `train_sft[:1%]` (2,079 rows), less the ceil(20%) = 416 that `npm run prepare-data` keeps for
 * validation.
 */
export const DEFAULT_RUN_TRAIN_RECORDS = 1663;

/** What one cycle runs, as the plan reads it from its resources. */
export interface CycleInput {
  /** Undefined when the stack does not fine-tune. */
  readonly training?: {
    readonly records: number;
    readonly epochs: number;
    readonly batchSize: number;
    readonly gradientAccumulationSteps: number;
    readonly gpusPerNode: number;
    readonly nodes: number;
    readonly maxSteps?: number;
    /** USD per node-hour; undefined when not priced. */
    readonly usdPerNodeHour?: number;
    /** The price is the dedicated one standing in for an unpriced low-priority node: the cost is at most this. */
    readonly upperBound?: boolean;
  };
  /** Undefined when serving is parked. */
  readonly serving?: { readonly instances: number; readonly usdPerHour?: number };
  /** Priced standing charges (the registry), USD per hour. */
  readonly alwaysOnUsdPerHour: number;
}

export interface CycleEstimate {
  readonly stages: readonly StageFact[];
  readonly minutes: number;
  readonly trainingSteps?: number;
  /** USD of the priced parts. */
  readonly usd: number;
  /** True when an unpriced low-priority node was counted at the dedicated price. */
  readonly atMost: boolean;
  /** What could not be priced. */
  readonly unpriced: readonly string[];
}

/** Optimizer steps of the run: `maxSteps`, else one epoch's records over the effective batch, times the epochs. */
export function trainingSteps(t: NonNullable<CycleInput["training"]>): number {
  if (t.maxSteps !== undefined) return t.maxSteps;
  const perStep = t.batchSize * t.gradientAccumulationSteps * t.gpusPerNode * t.nodes;
  return Math.ceil(t.records / perStep) * t.epochs;
}

/**
 * One cycle: the stages in the order they run (the critical path; Foundry is created alongside), and the cost of the
 * node-hours, instance-hours and standing charges they take. The training cluster bills one node for the pipeline's
 * other steps and `nodes` nodes for the fine-tune (each with its start and idle time); the deployment bills from its
 * creation to its deletion.
 */
export function estimateCycle(input: CycleInput): CycleEstimate {
  const f = CYCLE_FACTS;
  const stages: StageFact[] = [f.resources];
  const unpriced: string[] = [];
  let usd = 0;
  let steps: number | undefined;
  if (input.training) {
    const t = input.training;
    steps = trainingSteps(t);
    const trainMinutes = (steps * f.secondsPerStep.value) / 60;
    stages.push(f.nodeStart, f.importAndPreprocess, f.trainingStartup);
    stages.push({ what: `${steps.toLocaleString("en-US")} training steps`, minutes: trainMinutes, basis: `${f.secondsPerStep.value} s a step, an ${f.secondsPerStep.basis}` });
    stages.push(f.convertAndRegister);
    const oneNode = f.importAndPreprocess.minutes + f.convertAndRegister.minutes;
    const everyNode = f.nodeStart.minutes + f.trainingStartup.minutes + trainMinutes + f.idleMinutes;
    const nodeHours = (oneNode + everyNode * t.nodes) / 60;
    if (t.usdPerNodeHour === undefined) unpriced.push("training nodes");
    else usd += nodeHours * t.usdPerNodeHour;
  }
  if (input.serving) stages.push(f.deployment, f.smoke);
  stages.push(f.destroy);
  const minutes = stages.reduce((sum, s) => sum + s.minutes, 0);
  if (input.serving) {
    const hours = (f.deployment.minutes + f.smoke.minutes + f.destroy.minutes) / 60;
    if (input.serving.usdPerHour === undefined) unpriced.push("the online deployment");
    else usd += hours * input.serving.instances * input.serving.usdPerHour;
  }
  usd += (minutes / 60) * input.alwaysOnUsdPerHour;
  return { stages, minutes, trainingSteps: steps, usd, atMost: input.training?.upperBound === true, unpriced };
}

/** "about 75 minutes" below two hours, else "about 2.5 hours". */
export function aboutDuration(minutes: number): string {
  return minutes < 120 ? `about ${Math.round(minutes / 5) * 5} minutes` : `about ${Math.round(minutes / 30) / 2} hours`;
}

/** "about $4", or "at most about $4" when an unpriced low-priority node was counted at the dedicated price. */
export function aboutCost(estimate: Pick<CycleEstimate, "usd" | "atMost">): string {
  return `${estimate.atMost ? "at most " : ""}about $${Math.max(1, Math.round(estimate.usd))}`;
}
