import { createHash } from "node:crypto";
import { buildPlan, Plan } from "../../scripts/plan/plan";
import { sharedPerRun } from "./sharedPerRun";

/** The settings a shared plan is made from: a stack file and overrides, with the stand-ins' generous quota. */
export interface SharedPlanOptions {
  readonly stack?: string;
  readonly overrides?: readonly string[];
}

/** The CI identity's destroy principal in {@link DEV_WITH_ADDITIONS}. */
export const CI_DESTROYER = "33333333-3333-3333-3333-333333333333";

/**
 * The dev stack with the settings that add to it, each read by its own tests (stack, CI identity, cost alerts): an
 * existing resource group, purge protection, the CI identity, and the budget and idle alert with a day's window.
 */
export const DEV_WITH_ADDITIONS: readonly string[] = [
  "resourceGroupName=rg-shared",
  "keyVaultPurgeProtection=true",
  "ciGithubRepo=contoso/phi3-infra",
  `ciDestroyPrincipalId=${CI_DESTROYER}`,
  "budgetMonthlyUsd=200",
  "alertEmails=ops@contoso.com",
  "idleAlertHours=24",
];

/**
 * Scale-out on low-priority nodes with a step limit and a price for the nodes: read by the plan's tests (what reaches
 * the job and the cluster) and the cost's (how such a cluster is priced).
 */
export const SCALE_OUT_LOW_PRIORITY: readonly string[] = [
  "trainingNodes=2",
  "trainingMaxNodes=3",
  "trainingPriority=LowPriority",
  "maxSteps=7",
  "gpuPricesPerHour=Standard_NC24ads_A100_v4=3",
];

/**
 * The plan of a stack and overrides, made once per run and read by every test file that asks for the same settings:
 * planning the whole stack takes about a second of CPU, and the dev stack alone was planned a dozen times a run. The
 * first file to ask plans and writes the plan as JSON; later files read it. Each caller gets its own copy, so no test
 * can change what another reads. Tests of planning itself (a second run, a short quota, a refused setting) call
 * buildPlan.
 */
export async function sharedPlan(options: SharedPlanOptions = {}): Promise<Plan> {
  const settings = { stack: options.stack ?? "dev", overrides: [...(options.overrides ?? [])] };
  const key = createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 32);
  return JSON.parse(await sharedPerRun(`plan-${key}.json`, async () => JSON.stringify(await buildPlan(settings)))) as Plan;
}
