/**
 * The stack's settings as the Pulumi CLI hands them to the program: read from Pulumi's runtime config and validated by
 * ./config.ts, which itself loads no Pulumi SDK.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, validStackConfig } from "./config";
import { CONFIG_KEYS, CONFIG_NAMESPACE, ConfigKey, LOCATION_KEY, RawConfig } from "./configKeys";

/** Reads the stack's settings from Pulumi's config (Pulumi.yaml defaults, then Pulumi.<stack>.yaml). */
export function readRawConfig(): RawConfig {
  const project = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Partial<Record<ConfigKey | typeof LOCATION_KEY, string>> = {};
  for (const key of CONFIG_KEYS) raw[key] = project.get(key);
  raw[LOCATION_KEY] = new pulumi.Config("azure-native").get("location");
  return raw;
}

/** The stack's validated settings; throws a ConfigError with every problem before anything is created. */
export function loadStackConfig(): StackConfig {
  return validStackConfig(pulumi.runtime.allConfig(), readRawConfig());
}
