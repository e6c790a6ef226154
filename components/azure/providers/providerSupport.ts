import type * as pulumi from "@pulumi/pulumi";
import { ArmClient } from "../rest/armClient";
import { azureLimits, AzureLimits } from "../rest/azureLimits";
import { authSettings, azureConnection, AzureConnection } from "../rest/credential";

/**
 * What every dynamic provider of ours shares: the stack's config from the engine's Configure call, and an ARM client
 * that signs in exactly as azure-native does with that config (then the ARM_* variables, then the Azure CLI).
 */
export interface AzureProvider {
  /** Reads a key of the stack's config, e.g. `azure-native:clientId`; set by `configure`. */
  stackConfig?: (key: string) => string | undefined;
}

/** `configure` of a dynamic provider: keep the stack's config for {@link armFor}. */
export async function keepStackConfig(provider: AzureProvider, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  provider.stackConfig = (key) => req.config.get(key);
}

/**
 * An ARM client that signs in as azure-native would for a stack whose config `stackConfig` reads (keys such as
 * `azure-native:clientId`): that config first, then the ARM_* variables, then the Azure CLI. Its requests are bounded
 * as the stack's `phi3-foundry:azure*` keys say.
 */
export async function connectArm(stackConfig: (key: string) => string | undefined): Promise<ArmClient> {
  return (await azureFor({ stackConfig })).arm;
}

/** The ARM client of a configured dynamic provider. */
export function armFor(provider: AzureProvider): Promise<ArmClient> {
  return connectArm(provider.stackConfig ?? (() => undefined));
}

/** The ARM client of a configured dynamic provider, with the cloud, sign-in and bounds it uses, for calls to services beside ARM. */
export async function azureFor(provider: AzureProvider): Promise<AzureConnection & { readonly arm: ArmClient; readonly limits: AzureLimits }> {
  const config = provider.stackConfig ?? (() => undefined);
  const limits = azureLimits(config);
  const connection = await azureConnection(authSettings((key) => config(`azure-native:${key}`)));
  return { ...connection, limits, arm: new ArmClient(connection.cloud, connection.credential, limits) };
}
