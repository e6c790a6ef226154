import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../../infra/config";
import type { RawConfig } from "../../infra/configKeys";
import { readRawConfig } from "../../infra/pulumiConfig";
import { ConfigError } from "../../infra/configReader";
import { loadStackSettings } from "../../scripts/shared/stackFiles";

/** The dev stack's raw config, read through pulumi.Config as the program reads it, with `changes` on top. */
export function devRaw(changes: Record<string, string | undefined> = {}): RawConfig {
  const settings = loadStackSettings("dev");
  pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);
  return { ...readRawConfig(), ...changes };
}

/** Every problem parseStackConfig finds in `raw`; none when it parses. */
export function problemsOf(raw: RawConfig): ConfigError["problems"] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
