import { execFile } from "node:child_process";
import { urlProblem } from "../shared/retryingFetch";
import { PROJECT_ROOT } from "../shared/stackFiles";
import type { EndpointTarget } from "./scoringClient";

/** Runs `pulumi stack output --json --show-secrets` and returns its stdout. */
export type StackOutputReader = (stack?: string) => Promise<string>;

export const pulumiStackOutputs: StackOutputReader = (stack) =>
  new Promise((resolve, reject) => {
    const args = ["stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])];
    execFile("pulumi", args, { cwd: PROJECT_ROOT, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
        reject(new Error("the Pulumi CLI is not installed: set PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY instead"));
      } else if (error) {
        reject(new Error(`pulumi stack output failed: ${stderr.trim() || error.message}`));
      } else {
        resolve(stdout);
      }
    });
  });

/**
 * The endpoint to talk to: PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY when both are set, else the stack's `scoringUri`
 * and `endpointKey` outputs. A URL that cannot work is refused here, before anything is sent.
 */
export async function findEndpoint(
  env: Readonly<Record<string, string | undefined>> = process.env,
  readOutputs: StackOutputReader = pulumiStackOutputs,
  stack?: string,
): Promise<EndpointTarget> {
  const { PHI3_ENDPOINT_URL: url, PHI3_ENDPOINT_KEY: key } = env;
  if (url && key) {
    const problem = urlProblem(url);
    if (problem) {
      throw new Error(
        `PHI3_ENDPOINT_URL: ${problem}; set it to the endpoint's scoring URI, ` +
          "https://<endpoint>.<region>.inference.ml.azure.com/score (`pulumi stack output scoringUri`)",
      );
    }
    return { url, key };
  }
  if (url || key) throw new Error("set both PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY, or neither to read the stack's outputs");
  const outputs = JSON.parse(await readOutputs(stack)) as { scoringUri?: string; endpointKey?: string };
  if (!outputs.scoringUri || !outputs.endpointKey) {
    throw new Error("the stack has no scoringUri/endpointKey outputs: is servingEnabled true and has `pulumi up` run?");
  }
  const problem = urlProblem(outputs.scoringUri);
  if (problem) throw new Error(`the stack's scoringUri output: ${problem}`);
  return { url: outputs.scoringUri, key: outputs.endpointKey };
}

/**
 * A second endpoint to compare with (the base model on another deployment, say): `--baseline-url` and
 * `--baseline-key`, else PHI3_BASELINE_URL and PHI3_BASELINE_KEY; undefined when neither names one.
 */
export function findBaseline(
  values: { readonly "baseline-url"?: string; readonly "baseline-key"?: string },
  env: Readonly<Record<string, string | undefined>> = process.env,
): EndpointTarget | undefined {
  const url = values["baseline-url"] ?? env.PHI3_BASELINE_URL;
  const key = values["baseline-key"] ?? env.PHI3_BASELINE_KEY;
  if (!url && !key) return undefined;
  if (!url || !key) {
    throw new Error("a baseline needs both a URL and a key: --baseline-url and --baseline-key, or PHI3_BASELINE_URL and PHI3_BASELINE_KEY");
  }
  const problem = urlProblem(url);
  if (problem) throw new Error(`the baseline's URL: ${problem}; give its scoring URI, https://<endpoint>.<region>.inference.ml.azure.com/score`);
  return { url, key };
}
