/**
 * `npm run evaluate`: the validation conversations through the fine-tuned model's endpoint (and a baseline's), scored
 * against the reference answers, with the fine-tune job's training curves, into results.json and report.html.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ArmClient } from "../../components/azure/rest/armClient";
import { authSettings, azureConnection } from "../../components/azure/rest/credential";
import { DataError } from "../../domain/data/chatData";
import { projectPath } from "../../domain/paths";
import { parameters } from "../chat/index";
import { EXIT, Io, processIo, REQUEST_OPTIONS, requestHelp, requestOptions, UsageError, usageFrom } from "../chat/cli";
import { findEndpoint, pulumiStackOutputs, StackOutputReader } from "../chat/endpointTarget";
import { urlProblem } from "../shared/retryingFetch";
import { DEFAULT_CLIENT, DEFAULT_PARAMETERS, EndpointTarget } from "../chat/scoringClient";
import { loadStackSettings, readProjectFile, SettingsError } from "../shared/stackFiles";
import { stripControls } from "../shared/terminalText";
import { answerAll, Cancelled } from "./answers";
import { MlflowClient, mlflowBase, readTrainingCurves, trackingUri } from "./mlflow";
import { Progress } from "./progress";
import { readEvalData } from "./records";
import { writeOutputs } from "./output";
import { buildResults, EvaluationResults } from "./results";
import { scoreRecords, Summary } from "./summary";

export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 32;
export const DEFAULT_OUT = "evaluation";

export const EVALUATE_HELP =
  "usage: npm run evaluate -- [--data FILE] [--limit N] [--out DIR] [--baseline-url URL --baseline-key KEY] [--stack NAME] [options]\n\n" +
  "Puts each validation conversation to the fine-tuned model (PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY when set, else\n" +
  "the stack's scoringUri and endpointKey outputs): the turns before the last assistant turn are the prompt, that turn\n" +
  "the reference. Scores each answer against its reference (ROUGE-L F1 as rouge-score, corpus BLEU-4 as sacrebleu),\n" +
  "counts failed and empty answers, measures latency and answer length, and writes results.json and report.html.\n" +
  "Requests wait, retry and give up as in `npm run chat`; a failed request is counted, not fatal.\n\n" +
  "  --data FILE                chat-format JSONL (default: the stack's validationDataPath, data/test_data.jsonl)\n" +
  "  --limit N                  only the first N conversations (default: all)\n" +
  `  --concurrency N            requests in flight at once, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})\n` +
  `  --out DIR                  where results.json and report.html go (default ${DEFAULT_OUT}/)\n` +
  "  --baseline-url URL         a second endpoint to compare with, e.g. the base model on another deployment\n" +
  "  --baseline-key KEY         its key (or PHI3_BASELINE_URL and PHI3_BASELINE_KEY)\n" +
  "  --stack NAME               read this stack's outputs (endpoint, model id) and its fine-tune job's train and eval\n" +
  "                             loss from the workspace's MLflow tracking server, signing in as azure-native does\n" +
  `  --temperature N            0 to 2 (default ${DEFAULT_PARAMETERS.temperature}; 0 for answers that repeat)\n` +
  `  --max-new-tokens N         at least 1 (default ${DEFAULT_PARAMETERS.maxNewTokens})\n` +
  requestHelp(DEFAULT_CLIENT) +
  "\nExit codes: 0 done (failed requests are counted in the results); 1 no request was answered, or the results could\n" +
  "not be written; 2 a bad option, setting or data file, or no endpoint to talk to (nothing sent); 130 ended with Ctrl-C.\n";

function wholeNumber(name: string, value: string | undefined, fallback: number, min: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} ${JSON.stringify(value)}: a whole number from ${min}${max === Infinity ? " up" : ` to ${max}`}`);
  }
  return n;
}

/** The baseline from the options, else PHI3_BASELINE_URL and PHI3_BASELINE_KEY; both or neither. */
export function baselineTarget(values: { "baseline-url"?: string; "baseline-key"?: string }, env: Io["env"]): EndpointTarget | undefined {
  const url = values["baseline-url"] ?? env.PHI3_BASELINE_URL;
  const key = values["baseline-key"] ?? env.PHI3_BASELINE_KEY;
  if (!url && !key) return undefined;
  if (!url || !key) throw new UsageError("a baseline needs both a URL and a key: --baseline-url and --baseline-key, or PHI3_BASELINE_URL and PHI3_BASELINE_KEY");
  const problem = urlProblem(url);
  if (problem) throw new UsageError(`the baseline URL: ${problem}; give its scoring URI, https://<endpoint>.<region>.inference.ml.azure.com/score`);
  return { url, key };
}

/** The validation file the stack uploads: `validationDataPath` of the stack, or Pulumi.yaml's default. */
function configuredDataPath(stack: string | undefined): string {
  const relative = stack
    ? loadStackSettings(stack).config["phi3-foundry:validationDataPath"]
    : String(readProjectFile().keys.validationDataPath?.default ?? "data/test_data.jsonl");
  return projectPath(relative);
}

/** Outputs read once, however many parts of the run need them. */
function onceReader(read: StackOutputReader): StackOutputReader {
  let cached: Promise<string> | undefined;
  return (stack) => (cached ??= read(stack));
}

interface StackOutputs {
  readonly modelId?: string;
  readonly subscriptionId?: string;
  readonly resourceGroupName?: string;
  readonly workspaceName?: string;
  readonly fineTuneJobName?: string;
}

/** The fine-tune job's losses, signing in as azure-native does for the stack; what went wrong, when they cannot be read. */
async function trainingCurvesOf(stack: string, outputs: StackOutputs, env: Io["env"]): Promise<EvaluationResults["trainingCurves"]> {
  try {
    const { subscriptionId, resourceGroupName, workspaceName, fineTuneJobName } = outputs;
    if (!fineTuneJobName) return { error: "the stack has no fineTuneJobName output: is fineTuneEnabled true and has `pulumi up` run?" };
    if (!subscriptionId || !resourceGroupName || !workspaceName) return { error: "the stack has no subscriptionId, resourceGroupName or workspaceName output" };
    const settings = loadStackSettings(stack);
    // Secrets in the stack file are encrypted for the Pulumi CLI: they come from the ARM_* variables instead.
    const read = (key: string) => (settings.secretKeys.includes(key) ? undefined : settings.config[key]);
    const connection = await azureConnection(authSettings((key) => read(`azure-native:${key}`), env));
    const arm = new ArmClient(connection.cloud, connection.credential);
    const base = mlflowBase(await trackingUri(arm, { subscriptionId, resourceGroupName, workspaceName }));
    return await readTrainingCurves(new MlflowClient(connection.cloud, connection.credential, base), fineTuneJobName);
  } catch (err) {
    return { error: stripControls(err instanceof Error ? err.message : String(err)) };
  }
}

function summaryText(results: EvaluationResults, files: { results: string; report: string }): string {
  const { fineTuned, baseline, closer } = results.summary;
  const rows: [string, (s: Summary) => string][] = [
    ["ROUGE-L F1 (mean)", (s) => s.rougeL.toFixed(4)],
    ["BLEU-4 (corpus)", (s) => s.bleu.score.toFixed(2)],
    ["failed or empty", (s) => `${(s.failedOrEmptyShare * 100).toFixed(1)}% (${s.failed} failed, ${s.empty} empty)`],
    ["latency p50/p95/max", (s) => (s.latencyMs.p50 === null ? "-" : `${Math.round(s.latencyMs.p50)}/${Math.round(s.latencyMs.p95!)}/${Math.round(s.latencyMs.max!)} ms`)],
    ["answer length (mean)", (s) => (s.answerLength.meanWords === null ? "-" : `${s.answerLength.meanWords} words`)],
  ];
  const lines = [`evaluated ${results.data.evaluated} of ${results.data.records} conversations of ${results.data.path} against ${results.endpoint.url}`];
  lines.push(`${"".padEnd(22)}${"fine-tuned".padEnd(34)}${baseline ? "baseline" : ""}`.trimEnd());
  for (const [label, f] of rows) lines.push(`${label.padEnd(22)}${f(fineTuned).padEnd(34)}${baseline ? f(baseline) : ""}`.trimEnd());
  if (closer) lines.push(`${"closer (ROUGE-L)".padEnd(22)}${closer.fineTuned} fine-tuned, ${closer.baseline} baseline, ${closer.tie} tie`);
  const curves = results.trainingCurves;
  if (curves && !("error" in curves)) lines.push(`training curves: ${curves.curves.map((c) => `${c.key} (${c.points.length} steps)`).join(", ") || "none logged"} from run ${curves.runId}`);
  lines.push(`wrote ${files.results} and ${files.report}`);
  return lines.join("\n") + "\n";
}

/** `npm run evaluate` with these arguments; resolves with the exit code. */
export async function runEvaluate(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let prepared;
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          data: { type: "string" },
          limit: { type: "string" },
          concurrency: { type: "string" },
          out: { type: "string" },
          "baseline-url": { type: "string" },
          "baseline-key": { type: "string" },
          stack: { type: "string" },
          temperature: { type: "string" },
          "max-new-tokens": { type: "string" },
          ...REQUEST_OPTIONS,
        },
        strict: true,
      }));
    } catch (err) {
      throw usageFrom(err, "evaluate");
    }
    if (values.help) {
      io.stdout.write(EVALUATE_HELP);
      return EXIT.ok;
    }
    const generation = parameters(values);
    const client = { ...requestOptions(values, DEFAULT_CLIENT), clock: io.clock };
    const limit = wholeNumber("limit", values.limit, Infinity, 1);
    const concurrency = wholeNumber("concurrency", values.concurrency, DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY);
    const baseline = baselineTarget(values, io.env);
    const out = path.resolve(values.out ?? DEFAULT_OUT);
    const dataFile = values.data !== undefined ? path.resolve(values.data) : configuredDataPath(values.stack);
    const data = readEvalData(dataFile, limit, values.data ?? path.relative(process.cwd(), dataFile));
    if (data.records.length === 0) throw new UsageError(`${data.path} has no conversation to evaluate`);
    const readOutputs = onceReader(io.readOutputs ?? pulumiStackOutputs);
    const target = await findEndpoint(io.env, readOutputs, values.stack);
    // The stack's outputs name the model and the job; read when asked for (--stack) or already read for the endpoint.
    const outputsWanted = values.stack !== undefined || !(io.env.PHI3_ENDPOINT_URL && io.env.PHI3_ENDPOINT_KEY);
    const outputs: StackOutputs = outputsWanted ? (JSON.parse(await readOutputs(values.stack)) as StackOutputs) : {};
    prepared = { generation, client, concurrency, baseline, out, data, target, outputs, stack: values.stack };
  } catch (err) {
    const message = err instanceof DataError || err instanceof SettingsError || err instanceof UsageError ? err.message : err instanceof Error ? err.message : String(err);
    io.stderr.write(`evaluate: ${message}\n`);
    return EXIT.usage;
  }

  const { generation, client, concurrency, baseline, out, data, target, outputs, stack } = prepared;
  const targets: Record<string, EndpointTarget> = baseline ? { fineTuned: target, baseline } : { fineTuned: target };
  io.stderr.write(`asking ${target.url}${baseline ? ` and the baseline ${baseline.url}` : ""}: ${data.records.length} conversations, ${concurrency} at a time\n`);
  const curves = stack !== undefined ? trainingCurvesOf(stack, outputs, io.env) : Promise.resolve(null);
  const progress = new Progress(io.stderr, data.records.length * Object.keys(targets).length);
  const controller = new AbortController();
  const stopListening = io.onInterrupt(() => controller.abort());
  let outcomes;
  try {
    progress.draw();
    outcomes = await answerAll(data.records, targets, {
      concurrency,
      generation,
      client,
      signal: controller.signal,
      onEvent: (label, event) => progress.event(label === "baseline" ? "baseline" : "fine-tuned", event),
      onDone: (_, outcome) => progress.step(outcome.answer === undefined),
    });
  } catch (err) {
    progress.stop();
    if (err instanceof Cancelled) {
      io.stderr.write("evaluate cancelled: nothing was written\n");
      return EXIT.interrupted;
    }
    throw err;
  } finally {
    stopListening();
  }
  progress.stop();

  const trainingCurves = await curves;
  if (trainingCurves && "error" in trainingCurves) io.stderr.write(`training curves not read: ${trainingCurves.error}\n`);
  const records = scoreRecords(data.records, outcomes.fineTuned, outcomes.baseline);
  const results = buildResults({
    createdAt: new Date(),
    data,
    endpoint: { url: target.url, modelId: outputs.modelId ?? null },
    baselineUrl: baseline?.url ?? null,
    parameters: generation,
    records,
    trainingCurves,
  });
  let files;
  try {
    files = writeOutputs(out, results);
  } catch (err) {
    io.stderr.write(`evaluate failed: cannot write to ${out}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
  io.stdout.write(summaryText(results, files));
  if (results.summary.fineTuned.answered === 0) {
    const first = records.find((r) => r.fineTuned.error)?.fineTuned.error;
    io.stderr.write(`evaluate failed: the endpoint answered none of the ${records.length} requests${first ? `; the first failure: ${first}` : ""}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
