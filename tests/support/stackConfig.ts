import { parseStackConfig } from "../../infra/config";
import { RawConfig, rawConfigFrom } from "../../infra/configKeys";
import { ConfigError } from "../../infra/configReader";
import { loadStackSettings } from "../../scripts/shared/stackFiles";

/** The dev stack's raw config, as the program reads it from the stack's files, with `changes` on top. */
export function devRaw(changes: Record<string, string | undefined> = {}): RawConfig {
  return { ...rawConfigFrom(loadStackSettings("dev").config), ...changes };
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
