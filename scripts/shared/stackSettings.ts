import { parseStackConfig } from "../../infra/config";
import { qualifiedKey, rawConfigFrom } from "../../infra/configKeys";
import { ConfigError, ConfigProblem, formatProblem } from "../../infra/configReader";
import { loadStackSettings, SettingsError, StackSettings } from "./stackFiles";

/**
 * The stack's settings under Pulumi's project-config rules; when those fail, the stack's own checks run on what could
 * be read, so that one run reports every problem, type errors included. A key of the wrong type is reported once,
 * in Pulumi's words and with what the stack allows.
 */
export function loadSettingsReportingAll(stack: string, overrides: readonly string[]): StackSettings {
  try {
    return loadStackSettings(stack, overrides);
  } catch (err) {
    if (!(err instanceof SettingsError) || !err.partial) throw err;
    let configProblems: readonly ConfigProblem[] = [];
    try {
      parseStackConfig(rawConfigFrom(err.partial));
    } catch (configErr) {
      if (!(configErr instanceof ConfigError)) throw configErr;
      configProblems = configErr.problems;
    }
    const problems = [...err.problems];
    const others: string[] = [];
    for (const problem of configProblems) {
      const index = err.typeErrors[qualifiedKey(problem.key)];
      if (index === undefined) others.push(formatProblem(problem));
      else problems[index] += `; allowed: ${problem.allowed}`;
    }
    throw new SettingsError([...problems, ...others]);
  }
}
