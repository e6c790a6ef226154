import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/identity";
import type { QuotaSource, QuotaUsage, VmSizeInfo } from "./quota";

/** Quota facts from Azure ML's own usages and VM sizes APIs, read with the official SDK. */
export class AzureMlQuotaSource implements QuotaSource {
  readonly description: string;
  private readonly client: AzureMachineLearningWorkspaces;

  constructor(subscriptionId: string, credential: TokenCredential) {
    this.client = new AzureMachineLearningWorkspaces(credential, subscriptionId);
    this.description = `Azure ML usages of subscription ${subscriptionId}`;
  }

  async vmSizes(location: string): Promise<VmSizeInfo[]> {
    const result = await this.client.virtualMachineSizes.list(location);
    return (result.value ?? [])
      .filter((size) => size.name && size.family)
      .map((size) => ({ name: size.name!, family: size.family!, vCPUs: size.vCPUs ?? 0, gpus: size.gpus ?? 0 }));
  }

  async usages(location: string): Promise<QuotaUsage[]> {
    const usages: QuotaUsage[] = [];
    for await (const usage of this.client.usages.list(location)) {
      const name = usage.name?.value;
      // Per-compute rows split a workspace's row further; the workspace rows are enough.
      if (!name || usage.id?.includes("/computes/")) continue;
      const workspace = usage.id?.match(/\/workspaces\/([^/]+)\/usages\//i)?.[1];
      usages.push({ name, limit: usage.limit ?? 0, inUse: usage.currentValue ?? 0, ...(workspace ? { workspace } : {}) });
    }
    return usages;
  }
}
