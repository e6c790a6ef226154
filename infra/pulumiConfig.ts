/**
 * The stack's settings as the Pulumi CLI hands them to the program: read from Pulumi's runtime config and validated by
 * ./config.ts, which itself loads no Pulumi SDK.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, validStackConfig } from "./config";

/**
 * The stack's validated settings from Pulumi's config (Pulumi.yaml defaults, then Pulumi.<stack>.yaml), every key
 * `namespace:key` as `pulumi.Config` reads it; throws a ConfigError with every problem before anything is created.
 */
export function loadStackConfig(): StackConfig {
  return validStackConfig(pulumi.runtime.allConfig());
}
