/**
 * A dynamic provider only tests make: it lists a region's Azure ML usages through the quota check's own client, the
 * one ARM list the stack pages through. tests/dynamicProviders.test.ts runs it in the SDK's dynamic-provider server,
 * stored as our resources store theirs (components/azure/providers/dynamicResource.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { AzureMlQuotaSource } from "../../components/azure/rest/azureMlQuota";
import { armFor, AzureProvider, keepStackConfig } from "../../components/azure/providers/providerSupport";

export const usageLister: pulumi.dynamic.ResourceProvider & AzureProvider = {
  async configure(req) {
    await keepStackConfig(this, req);
  },
  async create(inputs) {
    const rows = await new AzureMlQuotaSource(inputs.subscriptionId, () => armFor(this)).usages(inputs.location);
    return { id: inputs.location, outs: { rows: rows.length } };
  },
};
