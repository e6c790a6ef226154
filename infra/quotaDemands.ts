import type { QuotaDemand } from "../components/azure/quota";
import type { StackConfig } from "./config";

/** Managed online endpoints reserve 20% extra instances for upgrades (Azure ML "Manage quotas" docs). */
export const ONLINE_ENDPOINT_RESERVE = 0.2;

/** The vCPUs the stack will run, by purpose: the training cluster at full scale and the online deployment. */
export function quotaDemands(config: StackConfig): QuotaDemand[] {
  const demands: QuotaDemand[] = [];
  if (config.fineTune.enabled) {
    // The cluster's most nodes: the fine-tune's trainingNodes are at most that, and the pipeline's other steps share them.
    demands.push({
      purpose: "training cluster",
      key: "trainingVmSize",
      vmSize: config.training.vmSize,
      instances: config.training.maxNodes,
      priority: config.training.priority,
    });
  }
  if (config.serving.enabled) {
    demands.push({
      purpose: "online deployment",
      key: "servingVmSize",
      vmSize: config.serving.vmSize,
      instances: config.serving.instanceCount,
      reserve: ONLINE_ENDPOINT_RESERVE,
    });
  }
  return demands;
}
