import * as pulumi from "@pulumi/pulumi";
import { AzureMlQuotaSource } from "../components/azure/azureMlQuota";
import { pulumiAzureCredential } from "../components/azure/credential";
import { loadStackConfig } from "./config";
import { deployStack } from "./program";

// Pulumi runs the exported function and exports what it returns as the stack's outputs.
export = async () =>
  deployStack(loadStackConfig(), {
    stack: pulumi.getStack(),
    quotaSource: (subscriptionId) => new AzureMlQuotaSource(subscriptionId, pulumiAzureCredential()),
  });
