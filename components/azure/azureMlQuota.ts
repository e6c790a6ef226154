import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/identity";
import type { FamilyUsage, QuotaSource, VmSizeInfo } from "./quota";

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

  async usages(location: string): Promise<FamilyUsage[]> {
    const usages: FamilyUsage[] = [];
    for await (const usage of this.client.usages.list(location)) {
      // Subscription-wide family quotas only; entries with a workspace in their id are per-workspace shares.
      if (!usage.name?.value || usage.id?.includes("/workspaces/")) continue;
      usages.push({
        family: usage.name.value,
        displayName: usage.name.localizedValue ?? usage.name.value,
        limit: usage.limit ?? 0,
        inUse: usage.currentValue ?? 0,
      });
    }
    return usages;
  }
}
