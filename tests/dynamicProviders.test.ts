/**
 * The three dynamic resources driven as the engine drives them (their stored code, the SDK's dynamic-provider server,
 * gRPC), against Azure played by the local HTTPS stand-in. Request shapes are checked against the REST spec
 * specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01/mfe.json.
 */
import { createPublicKey, generateKeyPairSync, verify, constants as cryptoConstants } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import forge from "node-forge";
import type { PipelineJobProperties } from "../components/azure/rest/machineLearning";
import { gateProvider, jobProvider, TRAFFIC_PROVIDER } from "../components/azure/providers/resources";
import { providerText } from "../components/azure/providers/dynamicResource";
import { AzureStandIn, STAND_IN_CLIENT, STAND_IN_SUBSCRIPTION, STAND_IN_TENANT } from "./support/azureStandIn";
import { DynamicProviderDriver, PROVIDER_KEY, Props } from "./support/dynamicProviderDriver";

/** Azure ML's REST API version, as its spec names it: azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01. */
const ML_API_VERSION = "2025-12-01";

let azure: AzureStandIn;
let driver: DynamicProviderDriver;
const code: Record<string, string> = {};

/** The stack's config as the engine hands it to the provider: azure-native's service principal and cloud. */
const stackConfig = (extra: Record<string, string> = {}) => ({
  "azure-native:clientId": STAND_IN_CLIENT.id,
  "azure-native:clientSecret": STAND_IN_CLIENT.secret,
  "azure-native:tenantId": STAND_IN_TENANT,
  "azure-native:metadataHost": azure.host,
  "azure-native:location": "eastus2",
  ...extra,
});

beforeAll(async () => {
  azure = await AzureStandIn.start();
  driver = await DynamicProviderDriver.start({ NODE_EXTRA_CA_CERTS: azure.caFile });
  await driver.configure(stackConfig());
  // The `__provider` text each resource stores; each job resource's provider carries the config key that re-runs a job.
  const rerunKey = "phi3-foundry:fineTuneRun";
  Object.assign(code, { job: providerText(jobProvider(rerunKey)), gate: providerText(gateProvider(rerunKey)), traffic: providerText(TRAFFIC_PROVIDER) });
}, 60_000);

afterAll(async () => {
  await driver?.stop();
  await azure?.close();
});

const workspace = { subscriptionId: STAND_IN_SUBSCRIPTION, resourceGroupName: "rg-phi3", workspaceName: "mlw-phi3" };
const jobUrn = "urn:pulumi:dev::phi3-foundry::phi3-foundry:train:FineTuneJob$pulumi-nodejs:dynamic/phi3-foundry:PipelineJob::finetune-job";

const jobProperties: PipelineJobProperties = {
  jobType: "Pipeline",
  computeId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/gpu",
  identity: { identityType: "Managed", clientId: "00000000-0000-0000-0000-000000000001", resourceId: "/subscriptions/s/id" },
  inputs: {
    huggingface_id: { jobInputType: "literal", value: "microsoft/Phi-3-mini-4k-instruct" },
    train_file_path: { jobInputType: "uri_file", uri: "azureml:phi3-train:1" },
    validation_file_path: { jobInputType: "uri_file", uri: "azureml:phi3-validation:1" },
  },
  outputs: { trained_model: { jobOutputType: "mlflow_model" } },
  jobs: { finetune: { type: "pipeline", componentId: "azureml://registries/azureml/components/chat_completion_pipeline/versions/0.0.82" } },
};

function jobInputs(jobName: string, extra: Props = {}): Props {
  return { ...workspace, jobName, properties: jobProperties, [PROVIDER_KEY]: code.job, ...extra };
}

describe("PipelineJob through the dynamic-provider server", () => {
  it("submits the job as a plain PUT at the current api-version, with every input's uri, signed in as azure-native's service principal", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-submit"));
    expect(created.id).toBe("phi3-ft-submit");
    expect(created.props).toMatchObject({ status: "NotStarted", submitted: true, studioUrl: "https://ml.azure.com/runs/phi3-ft-submit" });

    // The cloud's endpoints, read as azure-native's SDK reads them (hashicorp/go-azure-sdk metadata client, getMetaDataFrom2022API).
    expect(azure.requests.find((r) => r.path === "/metadata/endpoints")?.query["api-version"]).toBe("2022-09-01");
    const token = azure.requests.find((r) => r.path === `/${STAND_IN_TENANT}/oauth2/v2.0/token`);
    expect(token?.body).toMatchObject({ client_id: STAND_IN_CLIENT.id, client_secret: STAND_IN_CLIENT.secret, grant_type: "client_credentials" });
    const put = azure.armRequests().find((r) => r.method === "PUT");
    expect(put?.path).toBe(`/subscriptions/${STAND_IN_SUBSCRIPTION}/resourceGroups/rg-phi3/providers/Microsoft.MachineLearningServices/workspaces/mlw-phi3/jobs/phi3-ft-submit`);
    expect(put?.query["api-version"]).toBe(ML_API_VERSION);
    expect(put?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/); // a JWT, as Entra ID issues
    const body = put?.body as { properties: PipelineJobProperties };
    // mfe.json: uri is required on uri_file and mlflow_model inputs; literal inputs carry value.
    expect(body.properties.inputs?.train_file_path).toEqual({ jobInputType: "uri_file", uri: "azureml:phi3-train:1" });
    expect(body.properties.inputs?.validation_file_path).toEqual({ jobInputType: "uri_file", uri: "azureml:phi3-validation:1" });
    expect(body.properties.inputs?.huggingface_id).toEqual({ jobInputType: "literal", value: "microsoft/Phi-3-mini-4k-instruct" });
    expect(body).toEqual({ properties: jobProperties });
  });

  it("adopts a running job of the same name instead of submitting twice", async () => {
    await driver.create(jobUrn, jobInputs("phi3-ft-adopt"));
    azure.setJobStatus("phi3-ft-adopt", "Running");
    const puts = () => azure.armRequests().filter((r) => r.method === "PUT" && r.path.endsWith("/phi3-ft-adopt")).length;
    const again = await driver.create(jobUrn, jobInputs("phi3-ft-adopt"));
    expect(again.props).toMatchObject({ status: "Running", submitted: false });
    expect(puts()).toBe(1);
  });

  // JobStatus in mfe.json 2025-12-01: a job that ended Failed or Canceled keeps its name and never trains again.
  it.each(["Failed", "Canceled"])("never adopts a job that ended %s: fails before submitting, with the studio URL and the config key that re-runs it", async (status) => {
    const name = `phi3-ft-${status.toLowerCase()}`;
    await driver.create(jobUrn, jobInputs(name));
    azure.setJobStatus(name, status);
    const before = azure.armRequests().length;
    await expect(driver.create(jobUrn, jobInputs(name))).rejects.toThrow(
      new RegExp(`${name} already exists in workspace mlw-phi3 and ended ${status}.*https://ml\\.azure\\.com/runs/${name}.*phi3-foundry:fineTuneRun`, "s"),
    );
    expect(azure.armRequests().slice(before).map((r) => r.method)).toEqual(["GET"]);
  });

  it("second up unchanged: no change", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-same"));
    await expect(driver.diff(jobUrn, created.id, created.props, jobInputs("phi3-ft-same"))).resolves.toEqual({ changes: "none", replaces: [] });
  });

  it("provider code changed: an update that stores the new code, never a replacement, and nothing is cancelled", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-code"));
    azure.setJobStatus("phi3-ft-code", "Running");
    const newCode = `${code.job}\n// a newer release of the program`;
    const news = jobInputs("phi3-ft-code", { [PROVIDER_KEY]: newCode });
    await expect(driver.diff(jobUrn, created.id, created.props, news)).resolves.toEqual({ changes: "some", replaces: [] });
    const updated = await driver.update(jobUrn, created.id, created.props, news);
    expect(updated[PROVIDER_KEY]).toBe(newCode);
    expect(updated).toMatchObject({ submitted: true, status: "NotStarted" });
    expect(azure.armRequests().filter((r) => r.path.endsWith("/phi3-ft-code/cancel"))).toHaveLength(0);
  });

  it("a new job name is a replacement", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-old"));
    await expect(driver.diff(jobUrn, created.id, created.props, jobInputs("phi3-ft-new"))).resolves.toEqual({ changes: "some", replaces: ["jobName"] });
  });

  it("job running during destroy: cancelled by a POST to cancel, polled to the end; one it did not submit is left alone", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-destroy"));
    azure.setJobStatus("phi3-ft-destroy", "Running");
    await driver.delete(jobUrn, created.id, created.props);
    const cancel = azure.armRequests().find((r) => r.method === "POST" && r.path.endsWith("/jobs/phi3-ft-destroy/cancel"));
    expect(cancel?.query["api-version"]).toBe(ML_API_VERSION);
    expect(azure.requests.some((r) => r.path.includes("/mfeOperationResults/cancel-phi3-ft-destroy"))).toBe(true);
    expect(azure.jobs.get("phi3-ft-destroy")?.status).toBe("Canceled");

    azure.setJobStatus("phi3-ft-destroy", "Running");
    await driver.delete(jobUrn, created.id, { ...created.props, submitted: false });
    expect(azure.jobs.get("phi3-ft-destroy")?.status).toBe("Running");
  });

  it("tags the job with the stack's tags, and destroy cancels a running job that carries them even when a retried up adopted it", async () => {
    const stackTags = { project: "phi3-foundry", stack: "dev", "managed-by": "pulumi" };
    const first = await driver.create(jobUrn, jobInputs("phi3-ft-tagged", { tags: stackTags }));
    const put = azure.armRequests().find((r) => r.method === "PUT" && r.path.endsWith("/jobs/phi3-ft-tagged"));
    // mfe.json JobBase: `tags` (a string map) sits in the job's properties, beside the pipeline's own settings.
    expect(put?.body).toEqual({ properties: { ...jobProperties, tags: stackTags } });
    expect(first.props.submitted).toBe(true);

    // An `up` interrupted after the PUT: the next one finds the job running and adopts it.
    azure.setJobStatus("phi3-ft-tagged", "Running");
    const adopted = await driver.create(jobUrn, jobInputs("phi3-ft-tagged", { tags: stackTags }));
    expect(adopted.props).toMatchObject({ status: "Running", submitted: false });
    await driver.delete(jobUrn, adopted.id, adopted.props);
    expect(azure.armRequests().filter((r) => r.method === "POST" && r.path.endsWith("/jobs/phi3-ft-tagged/cancel"))).toHaveLength(1);
    expect(azure.jobs.get("phi3-ft-tagged")?.status).toBe("Canceled");

    // A job of that name that another stack submitted is left alone.
    azure.jobs.set("phi3-ft-others", { body: { properties: { ...jobProperties, tags: { ...stackTags, stack: "prod" } } }, status: "Running" });
    const theirs = await driver.create(jobUrn, jobInputs("phi3-ft-others", { tags: stackTags }));
    expect(theirs.props.submitted).toBe(false);
    await driver.delete(jobUrn, theirs.id, theirs.props);
    expect(azure.jobs.get("phi3-ft-others")?.status).toBe("Running");
  });

  it("refresh reports a job cancelled in the studio", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-refresh"));
    azure.setJobStatus("phi3-ft-refresh", "Canceled");
    const read = await driver.read(jobUrn, created.id, created.props);
    expect(read).toMatchObject({ id: "phi3-ft-refresh", props: { status: "Canceled" } });
  });

  // The SDK's server puts the provider code back into what read returns (its resultIncludingProvider).
  it("refresh of a job Azure no longer has: no id and no state but the provider code, which the engine takes as deleted", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-vanished"));
    azure.jobs.delete("phi3-ft-vanished");
    await expect(driver.read(jobUrn, created.id, created.props)).resolves.toEqual({ id: "", props: { [PROVIDER_KEY]: code.job } });
  });
});

describe("JobCompletion through the dynamic-provider server", () => {
  const gateUrn = "urn:pulumi:dev::phi3-foundry::phi3-foundry:train:FineTuneJob$pulumi-nodejs:dynamic/phi3-foundry:JobCompletion::finetune-completion";
  const gate = (jobName: string) => ({ ...workspace, jobName, timeoutMinutes: 10, pollSeconds: 0, [PROVIDER_KEY]: code.gate });

  it("passes once the job has completed, and fails naming the job when it failed", async () => {
    await driver.create(jobUrn, jobInputs("phi3-ft-gate"));
    azure.setJobStatus("phi3-ft-gate", "Completed");
    await expect(driver.create(gateUrn, gate("phi3-ft-gate"))).resolves.toMatchObject({ props: { status: "Completed" } });
    azure.setJobStatus("phi3-ft-gate", "Failed");
    await expect(driver.create(gateUrn, gate("phi3-ft-gate"))).rejects.toThrow(/phi3-ft-gate ended Failed; no model was registered/);
  });

  it("waits through NotResponding, from which Azure lets a job recover, instead of failing the update", async () => {
    await driver.create(jobUrn, jobInputs("phi3-ft-recovers"));
    azure.setJobStatus("phi3-ft-recovers", "Running", "NotResponding", "Running", "Completed");
    await expect(driver.create(gateUrn, gate("phi3-ft-recovers"))).resolves.toMatchObject({ props: { status: "Completed" } });
  });

  it("diff: the same inputs are no change (the state's status and studio URL are Azure's, not inputs); a new timeout is an update; another job or workspace a replacement", async () => {
    await driver.create(jobUrn, jobInputs("phi3-ft-gate-diff"));
    azure.setJobStatus("phi3-ft-gate-diff", "Completed");
    const created = await driver.create(gateUrn, gate("phi3-ft-gate-diff"));
    expect(created.props).toMatchObject({ status: "Completed", studioUrl: "https://ml.azure.com/runs/phi3-ft-gate-diff" });
    const diff = (news: Props) => driver.diff(gateUrn, created.id, created.props, news);
    await expect(diff(gate("phi3-ft-gate-diff"))).resolves.toEqual({ changes: "none", replaces: [] });
    await expect(diff({ ...gate("phi3-ft-gate-diff"), timeoutMinutes: 20 })).resolves.toEqual({ changes: "some", replaces: [] });
    await expect(diff(gate("phi3-ft-gate-other"))).resolves.toEqual({ changes: "some", replaces: ["jobName"] });
    await expect(diff({ ...gate("phi3-ft-gate-diff"), workspaceName: "mlw-other", timeoutMinutes: 20 })).resolves.toEqual({ changes: "some", replaces: ["workspaceName"] });
  });

  it("update keeps the status Azure reported; refresh reads it again, and a job gone from Azure is a gate gone", async () => {
    await driver.create(jobUrn, jobInputs("phi3-ft-gate-state"));
    azure.setJobStatus("phi3-ft-gate-state", "Completed");
    const created = await driver.create(gateUrn, gate("phi3-ft-gate-state"));
    const updated = await driver.update(gateUrn, created.id, created.props, { ...gate("phi3-ft-gate-state"), timeoutMinutes: 20 });
    expect(updated).toEqual({
      ...workspace,
      jobName: "phi3-ft-gate-state",
      timeoutMinutes: 20,
      pollSeconds: 0,
      status: "Completed",
      studioUrl: "https://ml.azure.com/runs/phi3-ft-gate-state",
      [PROVIDER_KEY]: code.gate,
    });
    azure.setJobStatus("phi3-ft-gate-state", "Canceled");
    await expect(driver.read(gateUrn, created.id, updated)).resolves.toEqual({ id: "phi3-ft-gate-state", props: { ...updated, status: "Canceled" } });
    azure.jobs.delete("phi3-ft-gate-state");
    await expect(driver.read(gateUrn, created.id, updated)).resolves.toEqual({ id: "", props: { [PROVIDER_KEY]: code.gate } });
  });
});

describe("EndpointTraffic through the dynamic-provider server", () => {
  const urn = "urn:pulumi:dev::phi3-foundry::phi3-foundry:serve:OnlineEndpoint$pulumi-nodejs:dynamic/phi3-foundry:EndpointTraffic::serving-traffic";
  const endpointName = "ep-phi3";
  const inputs = (extra: Props = {}) => ({ ...workspace, endpointName, traffic: { phi3: 100 }, revision: "r1", [PROVIDER_KEY]: code.traffic, ...extra });

  beforeAll(() => {
    azure.endpoints.set(endpointName, {
      id: "/x",
      name: endpointName,
      type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      location: "eastus2",
      tags: { project: "phi3-foundry" },
      identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/s/id": { principalId: "p", clientId: "c" } } },
      systemData: { createdAt: "2026-11-25T00:00:00Z" },
      properties: { authMode: "Key", publicNetworkAccess: "Enabled", provisioningState: "Succeeded", scoringUri: "https://x/score", swaggerUri: "https://x/swagger.json", traffic: {} },
    });
  });

  it("sets 100% with a PUT of only writable properties, polled through Azure-AsyncOperation", async () => {
    const created = await driver.create(urn, inputs());
    expect(created.props.traffic).toEqual({ phi3: 100 });
    const put = azure.armRequests().find((r) => r.method === "PUT" && r.path.endsWith(`/onlineEndpoints/${endpointName}`));
    expect(put?.query["api-version"]).toBe(ML_API_VERSION);
    // mfe.json OnlineEndpointTrackedResource: id, name, type, systemData, provisioningState, scoringUri and swaggerUri are readOnly.
    expect(put?.body).toEqual({
      location: "eastus2",
      tags: { project: "phi3-foundry" },
      identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/s/id": {} } },
      properties: { authMode: "Key", publicNetworkAccess: "Enabled", traffic: { phi3: 100 } },
    });
    expect(azure.requests.some((r) => r.path.includes("/mfeOperationsStatus/"))).toBe(true);
  });

  it("traffic changed behind our back: refresh shows the real split, and the next up puts ours back", async () => {
    const created = await driver.create(urn, inputs());
    azure.endpoints.get(endpointName)!.properties.traffic = { phi3: 0 };
    const refreshed = await driver.read(urn, created.id, created.props);
    expect(refreshed.props.traffic).toEqual({ phi3: 0 });
    await expect(driver.diff(urn, created.id, refreshed.props, inputs())).resolves.toEqual({ changes: "some", replaces: [] });
    await driver.update(urn, created.id, refreshed.props, inputs());
    expect(azure.endpoints.get(endpointName)!.properties.traffic).toEqual({ phi3: 100 });
  });

  it("refresh of an endpoint deleted behind our back: no id and no state but the provider code, which the engine takes as deleted", async () => {
    azure.endpoints.set("ep-vanished", { id: "/x", name: "ep-vanished", location: "eastus2", properties: { authMode: "Key", traffic: {} } });
    const created = await driver.create(urn, inputs({ endpointName: "ep-vanished" }));
    azure.endpoints.delete("ep-vanished");
    await expect(driver.read(urn, created.id, created.props)).resolves.toEqual({ id: "", props: { [PROVIDER_KEY]: code.traffic } });
  });

  it("drains to 0% on delete, and a throttled call is retried after Retry-After", async () => {
    const created = await driver.create(urn, inputs());
    azure.faults.push({ method: "GET", path: new RegExp(`/onlineEndpoints/${endpointName}$`), status: 429, headers: { "retry-after": "1" }, body: { error: { code: "TooManyRequests", message: "slow down" } } });
    const before = azure.requests.length;
    await driver.delete(urn, created.id, created.props);
    expect(azure.faults).toHaveLength(0);
    const gets = azure.requests.slice(before).filter((r) => r.method === "GET" && r.path.endsWith(`/onlineEndpoints/${endpointName}`));
    expect(gets.length).toBeGreaterThanOrEqual(2); // the throttled GET, then its retry
    expect(azure.endpoints.get(endpointName)!.properties.traffic).toEqual({ phi3: 0 });
  });

  it("waits for the endpoint's operation through InProgress, and fails with Azure's code when the operation fails", async () => {
    const created = await driver.create(urn, inputs());
    azure.nextOperation = [{ status: "InProgress" }, { status: "Succeeded" }];
    const polls = () => azure.requests.filter((r) => r.path.includes("/mfeOperationsStatus/")).length;
    const before = polls();
    await driver.update(urn, created.id, created.props, inputs({ traffic: { phi3: 100 }, revision: "r2" }));
    expect(polls() - before).toBe(2);
    azure.nextOperation = [{ status: "Failed", error: { code: "BadTrafficSplit", message: "Traffic must add up to 100." } }];
    await expect(driver.update(urn, created.id, created.props, inputs({ revision: "r3" }))).rejects.toThrow(
      /PUT .*\/onlineEndpoints\/ep-phi3 failed: HTTP 200 BadTrafficSplit: Traffic must add up to 100\./,
    );
  });

  it("new provider code alone updates the state without touching the endpoint", async () => {
    const created = await driver.create(urn, inputs());
    const before = azure.armRequests().length;
    const news = inputs({ [PROVIDER_KEY]: `${code.traffic}\n// a newer release` });
    await expect(driver.diff(urn, created.id, created.props, news)).resolves.toEqual({ changes: "some", replaces: [] });
    await expect(driver.update(urn, created.id, created.props, news)).resolves.toMatchObject({ [PROVIDER_KEY]: news[PROVIDER_KEY] });
    expect(azure.armRequests().length).toBe(before);
  });
});

describe("bounds on every Azure call (small ones, set in the stack's config)", () => {
  const bounded = { "phi3-foundry:azureMaxPolls": "2", "phi3-foundry:azureMaxPages": "3" };
  beforeAll(() => driver.configure(stackConfig(bounded)));
  afterAll(() => driver.configure(stackConfig()));
  // New code loads the provider again, and it reads the config as it is now.
  const boundedCode = (key: string) => `${code[key]}\n// bounded`;

  it("a request that is never answered fails once the configured time is up, naming the request and the key", async () => {
    const created = await driver.create(jobUrn, jobInputs("phi3-ft-silent"));
    // Two seconds: short for the test, long enough for the answered requests before it on a busy machine.
    await driver.configure(stackConfig({ ...bounded, "phi3-foundry:azureRequestTimeoutSeconds": "2" }));
    try {
      azure.faults.push({ method: "GET", path: /\/jobs\/phi3-ft-silent$/, status: 0, hang: true });
      await expect(driver.read(jobUrn, created.id, { ...created.props, [PROVIDER_KEY]: `${code.job}\n// timed` })).rejects.toThrow(
        /GET \/subscriptions\/.*\/jobs\/phi3-ft-silent: no answer within 2 s; if Azure is this slow, raise phi3-foundry:azureRequestTimeoutSeconds/,
      );
    } finally {
      await driver.configure(stackConfig(bounded));
    }
  });

  it("an operation that never ends fails after the configured number of status reads", async () => {
    const urn = "urn:pulumi:dev::phi3-foundry::phi3-foundry:serve:OnlineEndpoint$pulumi-nodejs:dynamic/phi3-foundry:EndpointTraffic::bounded-traffic";
    azure.endpoints.set("ep-endless", { id: "/x", name: "ep-endless", location: "eastus2", properties: { authMode: "Key", traffic: {} } });
    azure.nextOperation = [{ status: "InProgress" }];
    const polls = () => azure.requests.filter((r) => r.path.includes("/mfeOperationsStatus/")).length;
    const before = polls();
    const inputs = { ...workspace, endpointName: "ep-endless", traffic: { phi3: 100 }, revision: "r1", [PROVIDER_KEY]: boundedCode("traffic") };
    await expect(driver.create(urn, inputs)).rejects.toThrow(/PUT .*\/onlineEndpoints\/ep-endless: the operation is still running after 2 status reads; .*raise phi3-foundry:azureMaxPolls/);
    expect(polls() - before).toBe(2);
  });

  it("a list whose nextLink never ends fails after the configured number of pages", async () => {
    azure.usages.westus3 = [{ id: "/u/1", currentValue: 0, limit: 1, name: { value: "Total Cluster Dedicated Regional vCPUs" } }];
    azure.endlessUsages.add("westus3");
    const before = azure.armRequests().length;
    const inputs = { subscriptionId: STAND_IN_SUBSCRIPTION, location: "westus3", [PROVIDER_KEY]: providerText({ file: require.resolve("./support/usageLister"), exportName: "usageLister" }) };
    await expect(driver.create("urn:pulumi:dev::phi3-foundry::test:Usages::westus3", inputs)).rejects.toThrow(
      /GET .*\/locations\/westus3\/usages: still a nextLink after 3 pages; .*raise phi3-foundry:azureMaxPages/,
    );
    expect(azure.armRequests().slice(before).filter((r) => r.path.endsWith("/westus3/usages"))).toHaveLength(3);
  });
});

describe("credentials", () => {
  // The shared server, configured as another stack: the server configures a provider when it first loads its code, so
  // each test's code is new to it (a comment appended), as it is to the fresh server of another `pulumi up`.
  const reconfigured = async (config: Record<string, string>, test: (code: string) => Promise<void>) => {
    await driver.configure(config);
    try {
      await test(`${code.job}\n// ${expect.getState().currentTestName}`);
    } finally {
      await driver.configure(stackConfig());
    }
  };

  it("a failing service principal is named in the error, with Entra ID's reason, and nothing else is tried", async () => {
    await reconfigured({ ...stackConfig(), "azure-native:clientSecret": "wrong" }, async (job) => {
      await expect(driver.create(jobUrn, jobInputs("phi3-ft-wrong", { [PROVIDER_KEY]: job }))).rejects.toThrow(
        new RegExp(`Azure sign-in with a client secret as service principal ${STAND_IN_CLIENT.id} failed: .*AADSTS7000215`),
      );
    });
  });

  it("reads ARM_* variables when the stack config has no service principal", async () => {
    const fromEnv = await DynamicProviderDriver.start({
      NODE_EXTRA_CA_CERTS: azure.caFile,
      ARM_CLIENT_ID: STAND_IN_CLIENT.id,
      ARM_CLIENT_SECRET: STAND_IN_CLIENT.secret,
      ARM_TENANT_ID: STAND_IN_TENANT,
      ARM_METADATA_HOSTNAME: azure.host,
    });
    try {
      await fromEnv.configure({ "azure-native:location": "eastus2" });
      await expect(fromEnv.create(jobUrn, jobInputs("phi3-ft-env"))).resolves.toMatchObject({ id: "phi3-ft-env" });
    } finally {
      await fromEnv.stop();
    }
  }, 30_000);

  it("signs in with the PFX certificate azure-native reads from clientCertificatePath: an assertion signed by its key", async () => {
    // A self-signed certificate and its key in a password-protected PFX, as `az ad sp create-for-rbac --create-cert` gives one.
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const key = forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const certificate = forge.pki.createCertificate();
    certificate.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    certificate.serialNumber = "01";
    certificate.validity.notBefore = new Date(Date.now() - 60_000);
    certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
    certificate.setSubject([{ name: "commonName", value: "phi3-foundry-ci" }]);
    certificate.setIssuer([{ name: "commonName", value: "phi3-foundry-ci" }]);
    certificate.sign(key, forge.md.sha256.create());
    const pfx = forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(key, [certificate], "pfx-password", { algorithm: "3des" })).getBytes();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "phi3-cert-")), "sp.pfx");
    fs.writeFileSync(file, Buffer.from(pfx, "binary"));

    const { "azure-native:clientSecret": _secret, ...config } = stackConfig();
    await reconfigured({ ...config, "azure-native:clientCertificatePath": file, "azure-native:clientCertificatePassword": "pfx-password" }, async (job) => {
      const before = azure.requests.length;
      await expect(driver.create(jobUrn, jobInputs("phi3-ft-cert", { [PROVIDER_KEY]: job }))).resolves.toMatchObject({ id: "phi3-ft-cert" });
      const token = azure.requests.slice(before).find((r) => r.path === `/${STAND_IN_TENANT}/oauth2/v2.0/token`)?.body as Record<string, string>;
      expect(token).toMatchObject({ client_id: STAND_IN_CLIENT.id, client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" });
      expect(token.client_secret).toBeUndefined();
      const [header, payload, signature] = token.client_assertion.split(".");
      const { alg } = JSON.parse(Buffer.from(header, "base64url").toString());
      const publicKey = createPublicKey(forge.pki.certificateToPem(certificate));
      const padding = alg === "PS256" ? { padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {};
      expect(verify("sha256", Buffer.from(`${header}.${payload}`), { key: publicKey, ...padding }, Buffer.from(signature, "base64url"))).toBe(true);
      expect(JSON.parse(Buffer.from(payload, "base64url").toString())).toMatchObject({ iss: STAND_IN_CLIENT.id, sub: STAND_IN_CLIENT.id });
    });
  });
});
