import * as pulumi from "@pulumi/pulumi";
import { AzureMlQuotaSource } from "../components/azure/rest/azureMlQuota";
import { connectArm } from "../components/azure/providers/providerSupport";
import { loadStackConfig } from "./pulumiConfig";
import { deployStack } from "./program";

// Pulumi runs the exported function and exports what it returns as the stack's outputs. The stack's own Azure calls
// sign in as azure-native does; runtime.getConfig reads secrets such as azure-native:clientSecret without a warning.
export = async () =>
  deployStack(loadStackConfig(), {
    stack: pulumi.getStack(),
    quotaSource: (subscriptionId) => new AzureMlQuotaSource(subscriptionId, () => connectArm(pulumi.runtime.getConfig)),
  });
