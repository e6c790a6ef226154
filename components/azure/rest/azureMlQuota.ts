import type { ArmClient } from "./armClient";
import { ML_API_VERSION } from "./machineLearning";
import type { VmSizeInfo } from "../../../domain/catalogue/vmSizes";
import type { QuotaSource, QuotaUsage } from "../quota";

/** Providers - Get (specification/resources/.../Microsoft.Resources/stable/2025-04-01/resources.json). */
const RESOURCES_API_VERSION = "2025-04-01";

/** `Usage` of machineLearningServices.json (2025-12-01). */
interface UsageRow {
  readonly id?: string;
  readonly currentValue?: number;
  readonly limit?: number;
  readonly name?: { readonly value?: string };
}

/** An ARM region's name from its display name ("East US 2" -> "eastus2"), as ARM forms region names. */
export function regionName(displayName: string): string {
  return displayName.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Quota facts from Azure ML's own usages and VM sizes APIs and the resource provider's regions, as plain ARM requests. */
export class AzureMlQuotaSource implements QuotaSource {
  readonly description: string;

  constructor(
    private readonly subscriptionId: string,
    private readonly connect: () => Promise<ArmClient>,
  ) {
    this.description = `Azure ML usages of subscription ${subscriptionId}`;
  }

  private get ml(): string {
    return `/subscriptions/${this.subscriptionId}/providers/Microsoft.MachineLearningServices`;
  }

  async mlRegions(): Promise<string[]> {
    const provider = await (await this.connect()).get<{ resourceTypes?: { resourceType: string; locations?: string[] }[] }>(this.ml, RESOURCES_API_VERSION);
    const workspaces = provider?.resourceTypes?.find((t) => t.resourceType.toLowerCase() === "workspaces");
    return (workspaces?.locations ?? []).map(regionName);
  }

  async vmSizes(location: string): Promise<VmSizeInfo[]> {
    const result = await (await this.connect()).get<{ value?: Partial<VmSizeInfo>[] }>(`${this.ml}/locations/${location}/vmSizes`, ML_API_VERSION);
    return (result?.value ?? [])
      .filter((size) => size.name && size.family)
      .map((size) => ({ name: size.name!, family: size.family!, vCPUs: size.vCPUs ?? 0, gpus: size.gpus ?? 0 }));
  }

  async usages(location: string): Promise<QuotaUsage[]> {
    const rows = await (await this.connect()).list<UsageRow>(`${this.ml}/locations/${location}/usages`, ML_API_VERSION);
    const usages: QuotaUsage[] = [];
    for (const usage of rows) {
      const name = usage.name?.value;
      // Per-compute rows split a workspace's row further; the workspace rows are enough.
      if (!name || usage.id?.includes("/computes/")) continue;
      const workspace = usage.id?.match(/\/workspaces\/([^/]+)\/usages\//i)?.[1];
      usages.push({ name, limit: usage.limit ?? 0, inUse: usage.currentValue ?? 0, ...(workspace ? { workspace } : {}) });
    }
    return usages;
  }
}
