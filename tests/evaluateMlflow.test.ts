/**
 * `npm run evaluate -- --stack dev` as a person runs it: the command line in its own process, the endpoint played by
 * the scoring stand-in, the Pulumi CLI by a script on PATH that prints the stack's outputs, and Azure (Entra ID, ARM,
 * the workspace's MLflow tracking server) by the HTTPS stand-in, reached as a user reaches another cloud
 * (ARM_METADATA_HOSTNAME) and trusted through NODE_EXTRA_CA_CERTS. The requests are checked against
 * machineLearningServices.json (2025-12-01, Workspaces - Get: properties.mlFlowTrackingUri) and MLflow's REST API
 * (runs/get, runs/search, metrics/get-history).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { mlflowBase, pickTrainingRun } from "../scripts/evaluate/mlflow";
import { AzureStandIn, STAND_IN_SUBSCRIPTION, standInEnvironment } from "./support/azureStandIn";
import { chatRecord, tempDir } from "./support/chatRecords";
import { runNpmScript } from "./support/npmScript";
import { scoringStandIn } from "./support/scoringStandIn";

/** Azure ML's REST API version, as its spec names it: azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01. */
const ML_API_VERSION = "2025-12-01";

const WS = `/subscriptions/${STAND_IN_SUBSCRIPTION}/resourceGroups/rg-eval/providers/Microsoft.MachineLearningServices/workspaces/mlw-eval`;

const run = (id: string, name: string, parent: string | null, metrics: string[] = []) => ({
  info: { run_id: id, run_name: name, experiment_id: "exp-7", status: "FINISHED" },
  data: { metrics: metrics.map((key) => ({ key, value: 1, step: 9 })), tags: parent ? [{ key: "mlflow.parentRunId", value: parent }] : [] },
});

describe("the MLflow tracking URI", () => {
  it("becomes the https base azureml-mlflow uses for MLflow 2 (v1.0 -> v2.0)", () => {
    const base = mlflowBase(`azureml://eastus2.api.azureml.ms/mlflow/v1.0${WS}`);
    expect(base.href).toBe(`https://eastus2.api.azureml.ms/mlflow/v2.0${WS}`);
    expect(() => mlflowBase("http://eastus2.api.azureml.ms/somewhere")).toThrow(/not an azureml:\/\/ tracking URI/);
  });

  it("leads to the finetune step's run when several runs logged a loss", () => {
    const runs = [run("job", "job", null), run("other", "evaluate_model", "job", ["loss"]), run("ft", "finetune", "node", ["loss", "eval_loss"])];
    expect(pickTrainingRun(runs)?.info.run_id).toBe("ft");
    expect(pickTrainingRun(runs.slice(0, 2))?.info.run_id).toBe("other");
    expect(pickTrainingRun(runs.slice(0, 1))).toBeUndefined();
  });
});

describe("npm run evaluate -- --stack", () => {
  let azure: AzureStandIn;
  let scoring: Awaited<ReturnType<typeof scoringStandIn>>;
  beforeAll(async () => {
    azure = await AzureStandIn.start();
    scoring = await scoringStandIn();
  });
  afterAll(async () => {
    await azure?.close();
    await scoring?.close();
  });

  it("reads the fine-tune step's train and eval loss from the workspace's MLflow server and draws them", async () => {
    azure.mlflowWorkspaces.add("mlw-eval");
    // Our pipeline job, the registry pipeline's node inside it, and its steps; an earlier step logged a "loss" too.
    for (const r of [
      run("job-eval", "job-eval", null),
      run("node-1", "finetune_pipeline", "job-eval"),
      run("decoy", "evaluate_model", "job-eval", ["loss"]),
      run("step-import", "model_import", "node-1"),
      run("step-ft", "finetune", "node-1", ["loss", "eval_loss", "learning_rate"]),
    ]) {
      azure.mlflowRuns.set(r.info.run_id, r);
    }
    const loss = [2.1, 1.7, 1.4, 1.2, 1.1].map((value, i) => ({ step: (i + 1) * 10, value }));
    azure.metricHistories.set("step-ft", { loss, eval_loss: [{ step: 25, value: 1.5 }, { step: 50, value: 1.25 }] });

    const dir = tempDir();
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const outputs = { scoringUri: scoring.url, endpointKey: "stack-key", modelId: `${WS}/models/phi3-ft/versions/1`, subscriptionId: STAND_IN_SUBSCRIPTION, resourceGroupName: "rg-eval", workspaceName: "mlw-eval", fineTuneJobName: "job-eval" };
    fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs));
    // The Pulumi CLI, as far as `pulumi stack output --json --show-secrets --stack dev` goes.
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" >> "${dir}/pulumi-args"\ncat "${dir}/outputs.json"\n`, { mode: 0o755 });
    const data = path.join(dir, "test_data.jsonl");
    fs.writeFileSync(data, [0, 1].map((i) => JSON.stringify(chatRecord(i))).join("\n") + "\n");
    const out = path.join(dir, "out");

    const result = await runNpmScript("evaluate", ["--stack", "dev", "--data", data, "--out", out], {
      ...standInEnvironment(azure),
      ARM_METADATA_HOSTNAME: azure.host,
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(result.stderr).not.toMatch(/not read|failed/);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "pulumi-args"), "utf8").trim()).toBe("stack output --json --show-secrets --stack dev");
    expect(scoring.requests.map((r) => r.headers.authorization)).toEqual(["Bearer stack-key", "Bearer stack-key"]);

    // What left the process for Azure: the workspace through ARM, then the MLflow API under the URI it names.
    const armGets = azure.armRequests().map((r) => `${r.method} ${r.path}?api-version=${r.query["api-version"]}`);
    expect(armGets).toEqual([`GET ${WS}?api-version=${ML_API_VERSION}`]);
    const mlflow = azure.requests.filter((r) => r.path.startsWith("/mlflow/"));
    const api = `/mlflow/v2.0${WS}/api/2.0/mlflow`;
    expect(mlflow.map((r) => [r.method, r.path, r.method === "GET" ? r.query : r.body])).toEqual([
      ["GET", `${api}/runs/get`, { run_id: "job-eval" }],
      ["POST", `${api}/runs/search`, { experiment_ids: ["exp-7"], filter: "tags.mlflow.parentRunId = 'job-eval'", max_results: 100 }],
      ["POST", `${api}/runs/search`, { experiment_ids: ["exp-7"], filter: "tags.mlflow.parentRunId = 'node-1'", max_results: 100 }],
      ["POST", `${api}/runs/search`, { experiment_ids: ["exp-7"], filter: "tags.mlflow.parentRunId = 'decoy'", max_results: 100 }],
      ["GET", `${api}/metrics/get-history`, { run_id: "step-ft", metric_key: "loss" }],
      ["GET", `${api}/metrics/get-history`, { run_id: "step-ft", metric_key: "loss", page_token: "2" }],
      ["GET", `${api}/metrics/get-history`, { run_id: "step-ft", metric_key: "loss", page_token: "4" }],
      ["GET", `${api}/metrics/get-history`, { run_id: "step-ft", metric_key: "eval_loss" }],
    ]);
    // A token for the cloud's resource manager, which the stand-in checks (its audience is the stand-in's ARM).
    expect(mlflow.every((r) => /^Bearer ey/.test(String(r.headers.authorization)))).toBe(true);

    const results = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"));
    expect(results.endpoint).toEqual({ url: scoring.url, modelId: outputs.modelId });
    expect(results.trainingCurves).toEqual({
      jobName: "job-eval",
      runId: "step-ft",
      runName: "finetune",
      host: azure.host,
      curves: [
        { key: "loss", points: loss },
        { key: "eval_loss", points: [{ step: 25, value: 1.5 }, { step: 50, value: 1.25 }] },
      ],
    });
    const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain("Loss by step (run finetune)");
    expect(html.match(/<path d="M/g)).toHaveLength(2);
    expect(result.stdout).toMatch(/training curves: loss \(5 steps\), eval_loss \(2 steps\) from run step-ft/);
  }, 60_000);
});
