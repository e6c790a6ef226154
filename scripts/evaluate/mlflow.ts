/**
 * The fine-tune job's training curves from the workspace's MLflow tracking server. Azure ML names that server in the
 * workspace itself (machineLearningServices.json WorkspaceProperties.mlFlowTrackingUri, read through ARM):
 * `azureml://<region>.api.azureml.ms/mlflow/v1.0/subscriptions/<sub>/resourceGroups/<rg>/providers/
 * Microsoft.MachineLearningServices/workspaces/<ws>` (learn.microsoft.com/azure/machine-learning/
 * how-to-use-mlflow-configure-tracking). azureml-mlflow talks to it over https, under `/mlflow/v2.0` for MLflow 2 and
 * later (azureml/mlflow/_store/_azureml_abstract_rest_store.py get_host_credentials), with a token for the cloud's
 * resource manager scope (service_context.cloud._get_default_scope()), and calls the MLflow REST API beneath it
 * (mlflow.org/docs/latest/rest-api.html: runs/get, runs/search, metrics/get-history). A job's name is its run id; a
 * pipeline's steps are child runs, tagged `mlflow.parentRunId` (how-to-track-experiments-mlflow, "Getting child
 * (nested) runs").
 *
 * The token goes only to the host the workspace names, and only over https.
 */
import type { TokenCredential } from "@azure/core-auth";
import type * as CoreClient from "@azure-rest/core-client";
import type { Client, PathUncheckedResponse } from "@azure-rest/core-client";
import type { ArmClient } from "../../components/azure/rest/armClient";
import type { AzureCloud } from "../../components/azure/rest/cloud";
import { armScope } from "../../components/azure/rest/flowService";
import { ML_API_VERSION, WorkspaceAddress, workspacePath } from "../../components/azure/rest/machineLearning";

/** A run as MLflow's REST API returns it (Run: info and data), the parts used here. */
export interface MlflowRun {
  readonly info: { readonly run_id: string; readonly run_name?: string; readonly experiment_id: string; readonly status?: string };
  readonly data?: {
    readonly metrics?: readonly { readonly key: string; readonly value: number; readonly step?: number }[];
    readonly tags?: readonly { readonly key: string; readonly value: string }[];
  };
}

export interface CurvePoint {
  readonly step: number;
  readonly value: number;
}

/** One logged metric by step. */
export interface Curve {
  readonly key: string;
  readonly points: readonly CurvePoint[];
}

/** What was read, and from where. */
export interface TrainingCurves {
  readonly jobName: string;
  /** The run that logged the curves: the job's own, or one of its steps'. */
  readonly runId: string;
  readonly runName: string | null;
  /** The tracking server's host, as the workspace names it. */
  readonly host: string;
  /** Training loss (`loss`, else `train_loss`) and evaluation loss (`eval_loss`), those that were logged. */
  readonly curves: readonly Curve[];
}

/** Metric names read for the curves: Hugging Face Trainer's logging keys, which its MLflow callback logs as they are. */
export const TRAIN_LOSS_KEYS = ["loss", "train_loss"];
export const EVAL_LOSS_KEYS = ["eval_loss"];
/** The chat_completion_pipeline step that trains. */
const FINETUNE_STEP = /finetun/i;
/** Pipeline, pipeline component, step: deep enough for a registry pipeline inside our pipeline job. */
const MAX_DEPTH = 3;

/** The https base of the MLflow REST API from a workspace's `mlFlowTrackingUri`, as azureml-mlflow forms it. */
export function mlflowBase(trackingUri: string): URL {
  const https = trackingUri.replace(/^azureml:\/\//, "https://").replace(/\/mlflow\/v1\.0(?=\/|$)/, "/mlflow/v2.0");
  let url: URL;
  try {
    url = new URL(https);
  } catch {
    throw new Error(`the workspace's mlFlowTrackingUri ${JSON.stringify(trackingUri)} is not a URL`);
  }
  if (url.protocol !== "https:" || !url.pathname.includes("/mlflow/v2.0/")) {
    throw new Error(`the workspace's mlFlowTrackingUri ${JSON.stringify(trackingUri)} is not an azureml:// tracking URI`);
  }
  url.search = "";
  return url;
}

/** Reads the workspace's MLflow tracking URI through ARM. */
export async function trackingUri(arm: ArmClient, ws: WorkspaceAddress): Promise<string> {
  const workspace = await arm.get<{ properties?: { mlFlowTrackingUri?: string } }>(workspacePath(ws), ML_API_VERSION);
  if (!workspace) throw new Error(`workspace ${ws.workspaceName} was not found in resource group ${ws.resourceGroupName}`);
  const uri = workspace.properties?.mlFlowTrackingUri;
  if (!uri) throw new Error(`workspace ${ws.workspaceName} reports no mlFlowTrackingUri`);
  return uri;
}

/** The MLflow REST API of one workspace. */
export class MlflowClient {
  private readonly client: Client;
  private readonly api: string;

  constructor(
    cloud: AzureCloud,
    credential: TokenCredential,
    readonly base: URL,
  ) {
    const { getClient } = require("@azure-rest/core-client") as typeof CoreClient;
    // The SDK's bearer-token policy refuses to send a token over anything but https.
    this.client = getClient(base.origin, credential, {
      credentials: { scopes: [armScope(cloud)] },
      userAgentOptions: { userAgentPrefix: "phi3-foundry" },
      retryOptions: { maxRetries: 4, maxRetryDelayInMs: 60_000 },
    });
    this.api = `${base.pathname.replace(/\/+$/, "")}/api/2.0/mlflow`;
  }

  /** runs/get; undefined when there is no such run. */
  async run(runId: string): Promise<MlflowRun | undefined> {
    const response = await this.client.pathUnchecked(`${this.api}/runs/get` as "/").get({ queryParameters: { run_id: runId } });
    if (response.status === "404") return undefined;
    return this.bodyOf<{ run: MlflowRun }>("runs/get", response).run;
  }

  /** runs/search for the runs whose parent is `runId`, every page. */
  async children(experimentId: string, runId: string): Promise<MlflowRun[]> {
    const runs: MlflowRun[] = [];
    let pageToken: string | undefined;
    do {
      const body = { experiment_ids: [experimentId], filter: `tags.mlflow.parentRunId = '${runId.replace(/'/g, "")}'`, max_results: 100, ...(pageToken ? { page_token: pageToken } : {}) };
      const response = await this.client.pathUnchecked(`${this.api}/runs/search` as "/").post({ body, contentType: "application/json" });
      const page = this.bodyOf<{ runs?: MlflowRun[]; next_page_token?: string }>("runs/search", response);
      runs.push(...(page.runs ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return runs;
  }

  /** metrics/get-history of one metric, every page, in step order. */
  async history(runId: string, key: string): Promise<CurvePoint[]> {
    const points: CurvePoint[] = [];
    let pageToken: string | undefined;
    do {
      const queryParameters = { run_id: runId, metric_key: key, ...(pageToken ? { page_token: pageToken } : {}) };
      const response = await this.client.pathUnchecked(`${this.api}/metrics/get-history` as "/").get({ queryParameters });
      const page = this.bodyOf<{ metrics?: { step?: number | string; value: number }[]; next_page_token?: string }>("metrics/get-history", response);
      // int64 steps may arrive as strings (proto3 JSON); a missing step is step 0.
      points.push(...(page.metrics ?? []).map((m) => ({ step: Number(m.step ?? 0), value: Number(m.value) })));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return points.sort((a, b) => a.step - b.step);
  }

  private bodyOf<T>(route: string, response: PathUncheckedResponse): T {
    if (/^2/.test(response.status)) return response.body as T;
    // MLflow's error body: {"error_code": "...", "message": "..."}; Azure's front door answers ARM's {"error": {...}}.
    const body = response.body as { error_code?: string; message?: string; error?: { code?: string; message?: string } } | undefined;
    const detail = body?.message ?? body?.error?.message ?? (typeof response.body === "string" ? response.body.slice(0, 300) : "no error message");
    throw new Error(`MLflow ${route} on ${this.base.host}: HTTP ${response.status} ${body?.error_code ?? body?.error?.code ?? ""}: ${detail}`.replace(/ {2}/, " "));
  }
}

const metricKeys = (run: MlflowRun) => new Set((run.data?.metrics ?? []).map((m) => m.key));
const hasLoss = (run: MlflowRun) => [...TRAIN_LOSS_KEYS, ...EVAL_LOSS_KEYS].some((key) => metricKeys(run).has(key));
const nameOf = (run: MlflowRun) => run.info.run_name ?? run.data?.tags?.find((t) => t.key === "mlflow.runName")?.value ?? null;

/**
 * The run that logged the losses, from the job's run and its descendants (breadth first): a step named like finetune
 * that logged a loss, else the first run that did. Undefined when none did.
 */
export function pickTrainingRun(runs: readonly MlflowRun[]): MlflowRun | undefined {
  const withLoss = runs.filter(hasLoss);
  return withLoss.find((run) => FINETUNE_STEP.test(nameOf(run) ?? "")) ?? withLoss[0];
}

/** Reads the training and evaluation loss of the job `jobName` by step. */
export async function readTrainingCurves(client: MlflowClient, jobName: string): Promise<TrainingCurves> {
  const job = await client.run(jobName);
  if (!job) throw new Error(`the tracking server has no run ${jobName} (the fine-tune job's name)`);
  const seen: MlflowRun[] = [job];
  let level = [job];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: MlflowRun[] = [];
    for (const run of level) next.push(...(await client.children(job.info.experiment_id, run.info.run_id)));
    seen.push(...next);
    if (pickTrainingRun(next.filter((r) => FINETUNE_STEP.test(nameOf(r) ?? "")))) break;
    level = next;
  }
  const run = pickTrainingRun(seen);
  if (!run) {
    throw new Error(`none of the ${seen.length} runs of job ${jobName} logged ${[...TRAIN_LOSS_KEYS, ...EVAL_LOSS_KEYS].join(", ")}`);
  }
  const keys = metricKeys(run);
  const wanted = [TRAIN_LOSS_KEYS.find((k) => keys.has(k)), EVAL_LOSS_KEYS.find((k) => keys.has(k))].filter((k): k is string => k !== undefined);
  const curves: Curve[] = [];
  for (const key of wanted) curves.push({ key, points: await client.history(run.info.run_id, key) });
  return { jobName, runId: run.info.run_id, runName: nameOf(run), host: client.base.host, curves };
}
