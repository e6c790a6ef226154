/**
 * What the dynamic providers send to Azure ML, called in this process (tests/support/inProcessProvider.ts) against the
 * HTTPS stand-in: each request's method, URI and api-version, the bodies, and the job states in which a job is adopted,
 * refused or cancelled. Names, URIs, the api-version and the states are those of the REST spec,
 * Azure/azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
 * stable/2025-12-01/mfe.json (Jobs_Get, Jobs_CreateOrUpdate, Jobs_Cancel, OnlineEndpoints_Get,
 * OnlineEndpoints_CreateOrUpdate, JobStatus, JobBase, OnlineEndpointTrackedResource) and its examples
 * (Job/PipelineJob/createOrUpdate.json, Job/cancel.json, Workspace/OnlineEndpoint/get.json).
 */
import { endpointTrafficProvider } from "../components/azure/providers/endpointTraffic";
import { jobCompletionProvider } from "../components/azure/providers/jobCompletion";
import { pipelineJobProvider, PipelineJobOutputs } from "../components/azure/providers/pipelineJob";
import type { PipelineJobProperties } from "../components/azure/rest/machineLearning";
import { AzureStandIn, STAND_IN_SUBSCRIPTION } from "./support/azureStandIn";
import { configured, standInStackConfig, trustInThisProcess } from "./support/inProcessProvider";

/** A workspace's path (mfe.json paths: /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}). */
const WS = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-phi3/providers/Microsoft.MachineLearningServices/workspaces/mlw-phi3";
const workspace = { subscriptionId: STAND_IN_SUBSCRIPTION, resourceGroupName: "rg-phi3", workspaceName: "mlw-phi3" };
const RERUN_KEY = "phi3-foundry:fineTuneRun";

const properties: PipelineJobProperties = {
  jobType: "Pipeline",
  experimentName: "phi3-foundry-finetune",
  inputs: { learning_rate: { jobInputType: "literal", value: "0.00002" } },
  outputs: { trained_model: { jobOutputType: "mlflow_model" } },
};

let azure: AzureStandIn;
let untrust: () => void;
let jobs: typeof pipelineJobProvider;
let gate: typeof jobCompletionProvider;
let traffic: typeof endpointTrafficProvider;

beforeAll(async () => {
  azure = await AzureStandIn.start();
  untrust = trustInThisProcess(azure.caFile);
  jobs = await configured({ ...pipelineJobProvider, rerunKey: RERUN_KEY }, standInStackConfig(azure.host));
  gate = await configured({ ...jobCompletionProvider, rerunKey: RERUN_KEY }, standInStackConfig(azure.host));
  traffic = await configured(endpointTrafficProvider, standInStackConfig(azure.host));
});

afterAll(async () => {
  untrust?.();
  await azure?.close();
});

/** The ARM requests since `from`, as `METHOD path?api-version=...`. */
function armSince(from: number): string[] {
  return azure.armRequests().slice(from).map((r) => `${r.method} ${r.path}?api-version=${r.query["api-version"]}`);
}

/** A job Azure already has, in this state (a job an earlier, interrupted `pulumi up` submitted). */
function existingJob(name: string, status: string, tags?: Record<string, string>): void {
  azure.jobs.set(name, { body: { properties: { ...properties, ...(tags ? { tags } : {}) } }, status });
}

/** What the provider keeps of a job it submitted (or adopted, with `submitted: false`). */
function outputs(jobName: string, extra: Partial<PipelineJobOutputs> = {}): PipelineJobOutputs {
  return { ...workspace, jobName, properties, status: "Running", studioUrl: `https://ml.azure.com/runs/${jobName}`, submitted: true, ...extra };
}

describe("the fine-tuning job", () => {
  it("is submitted as Jobs - Create Or Update after a Jobs - Get that finds none, with the properties as given", async () => {
    const from = azure.armRequests().length;
    const created = await jobs.create({ ...workspace, jobName: "phi3-ft-new", properties });
    expect(armSince(from)).toEqual([
      `GET ${WS}/jobs/phi3-ft-new?api-version=2025-12-01`,
      `PUT ${WS}/jobs/phi3-ft-new?api-version=2025-12-01`,
    ]);
    expect(azure.armRequests().at(-1)!.body).toEqual({
      properties: {
        jobType: "Pipeline",
        experimentName: "phi3-foundry-finetune",
        inputs: { learning_rate: { jobInputType: "literal", value: "0.00002" } },
        outputs: { trained_model: { jobOutputType: "mlflow_model" } },
      },
    });
    // JobBase.status of the created job; JobService "Studio" is where the studio shows it.
    expect(created).toEqual({ id: "phi3-ft-new", outs: { ...workspace, jobName: "phi3-ft-new", properties, status: "NotStarted", studioUrl: "https://ml.azure.com/runs/phi3-ft-new", submitted: true } });
  });

  it("takes an answer without status as NotStarted, and one without a Studio service as no studio page yet", async () => {
    // JobBase.status and services are read-only and nullable: an answer may leave them out.
    azure.faults.push({ method: "PUT", path: /\/jobs\/phi3-ft-bare$/, status: 201, body: { id: `${WS}/jobs/phi3-ft-bare`, name: "phi3-ft-bare", properties: { jobType: "Pipeline" } } });
    const created = await jobs.create({ ...workspace, jobName: "phi3-ft-bare", properties });
    expect(created.outs).toMatchObject({ status: "NotStarted", studioUrl: "", submitted: true });
    const tracking = { Tracking: { jobServiceType: "Tracking", endpoint: "azureml://eastus2.api.azureml.ms/mlflow/v1.0" } };
    azure.faults.push({ method: "PUT", path: /\/jobs\/phi3-ft-tracked$/, status: 201, body: { name: "phi3-ft-tracked", properties: { jobType: "Pipeline", status: "Queued", services: tracking } } });
    const tracked = await jobs.create({ ...workspace, jobName: "phi3-ft-tracked", properties });
    expect(tracked.outs).toMatchObject({ status: "Queued", studioUrl: "", submitted: true });
  });

  it("counts a job Azure accepted as submitted even when the answer leaves out its properties: NotStarted, no studio page yet", async () => {
    // JobBaseResource.properties is required in the spec, but the job exists once Azure answers 201: an answer without it
    // must not fail the create (and with it `pulumi up`) for a job that is already queued.
    azure.faults.push({ method: "PUT", path: /\/jobs\/phi3-ft-unshaped$/, status: 201, body: { id: `${WS}/jobs/phi3-ft-unshaped`, name: "phi3-ft-unshaped" } });
    const created = await jobs.create({ ...workspace, jobName: "phi3-ft-unshaped", properties });
    expect(created.outs).toMatchObject({ status: "NotStarted", studioUrl: "", submitted: true });
  });

  // JobStatus: every state in which the job may still produce a model, or already did.
  it.each(["NotStarted", "Starting", "Provisioning", "Preparing", "Queued", "Running", "Finalizing", "NotResponding", "Paused", "Completed"])(
    "is adopted, not submitted again, when Azure has it %s",
    async (status) => {
      const name = `phi3-ft-adopt-${status.toLowerCase()}`;
      existingJob(name, status);
      const from = azure.armRequests().length;
      const adopted = await jobs.create({ ...workspace, jobName: name, properties });
      expect(armSince(from)).toEqual([`GET ${WS}/jobs/${name}?api-version=2025-12-01`]);
      expect(adopted.outs).toMatchObject({ status, studioUrl: `https://ml.azure.com/runs/${name}`, submitted: false });
    },
  );

  // JobStatus Failed ("Job failed."), Canceled and CancelRequested ("Cancellation has been requested for the job"): the job
  // keeps its name and never trains again.
  it.each([
    ["Failed", "ended Failed"],
    ["Canceled", "ended Canceled"],
    ["CancelRequested", "is being canceled (CancelRequested)"],
  ])("is refused when Azure has it %s: nothing submitted, the studio page and the re-run key named", async (status, how) => {
    const name = `phi3-ft-ended-${status.toLowerCase()}`;
    existingJob(name, status);
    const from = azure.armRequests().length;
    await expect(jobs.create({ ...workspace, jobName: name, properties })).rejects.toThrow(
      `fine-tuning job ${name} already exists in workspace mlw-phi3 and ${how}; Azure keeps a job's name, so it is not submitted again. ` +
        `See why at https://ml.azure.com/runs/${name}. To run it again, bump phi3-foundry:fineTuneRun (for example \`pulumi config set phi3-foundry:fineTuneRun 2\`) and run \`pulumi up\`.`,
    );
    expect(armSince(from)).toEqual([`GET ${WS}/jobs/${name}?api-version=2025-12-01`]);
  });

  it.each([
    ["Failed", "ended Failed"],
    ["Canceled", "ended Canceled"],
    ["CancelRequested", "is being canceled (CancelRequested)"],
  ])("fails the completion gate when it turns %s", async (status, how) => {
    const name = `phi3-ft-gate-${status.toLowerCase()}`;
    existingJob(name, "Running");
    azure.setJobStatus(name, "Running", status);
    await expect(gate.create({ ...workspace, jobName: name, timeoutMinutes: 1, pollSeconds: 0 })).rejects.toThrow(`fine-tuning job ${name} ${how}; no model was registered.`);
  });

  it("refresh reads Jobs - Get: the status and studio page Azure reports now", async () => {
    existingJob("phi3-ft-refresh", "Completed");
    const from = azure.armRequests().length;
    const read = await jobs.read!("phi3-ft-refresh", outputs("phi3-ft-refresh", { studioUrl: "" }));
    expect(armSince(from)).toEqual([`GET ${WS}/jobs/phi3-ft-refresh?api-version=2025-12-01`]);
    expect(read).toEqual({ id: "phi3-ft-refresh", props: outputs("phi3-ft-refresh", { status: "Completed" }) });
  });

  it("refresh of a job Azure reports without status, or without a Studio service, says Unknown and keeps the page it knew", async () => {
    const before = outputs("phi3-ft-partial", { studioUrl: "https://ml.azure.com/runs/phi3-ft-partial?known" });
    existingJob("phi3-ft-partial", "Running");
    // JobStatus "Unknown": "Default job status if not mapped to all other statuses".
    azure.faults.push({ method: "GET", path: /\/jobs\/phi3-ft-partial$/, status: 200, body: { name: "phi3-ft-partial", properties: { jobType: "Pipeline" } } });
    await expect(jobs.read!("phi3-ft-partial", before)).resolves.toEqual({ id: "phi3-ft-partial", props: { ...before, status: "Unknown" } });
    const tracking = { Tracking: { jobServiceType: "Tracking", endpoint: "azureml://eastus2.api.azureml.ms/mlflow/v1.0" } };
    azure.faults.push({ method: "GET", path: /\/jobs\/phi3-ft-partial$/, status: 200, body: { name: "phi3-ft-partial", properties: { jobType: "Pipeline", status: "Queued", services: tracking } } });
    await expect(jobs.read!("phi3-ft-partial", before)).resolves.toEqual({ id: "phi3-ft-partial", props: { ...before, status: "Queued" } });
  });

  it("refresh of a job Azure no longer has (404) drops it from the state", async () => {
    await expect(jobs.read!("phi3-ft-gone", outputs("phi3-ft-gone"))).resolves.toEqual({ id: "", props: {} });
  });

  // JobStatus: Completed, Failed and Canceled are final; nothing runs that a cancel could stop.
  it.each(["Completed", "Failed", "Canceled"])("destroy leaves a job that is %s alone: no Jobs - Cancel", async (status) => {
    const name = `phi3-ft-final-${status.toLowerCase()}`;
    existingJob(name, status);
    const from = azure.armRequests().length;
    await jobs.delete!(name, outputs(name));
    expect(armSince(from)).toEqual([`GET ${WS}/jobs/${name}?api-version=2025-12-01`]);
    expect(azure.jobs.get(name)?.status).toBe(status);
  });

  it.each(["NotStarted", "Queued", "Running", "Finalizing", "NotResponding"])("destroy cancels a job it submitted that is %s: POST .../cancel, then its Location polled", async (status) => {
    const name = `phi3-ft-live-${status.toLowerCase()}`;
    existingJob(name, status);
    const from = azure.armRequests().length;
    await jobs.delete!(name, outputs(name));
    // Jobs_Cancel: POST .../jobs/{id}/cancel, 202 with a Location (Job/cancel.json).
    expect(armSince(from).slice(0, 2)).toEqual([
      `GET ${WS}/jobs/${name}?api-version=2025-12-01`,
      `POST ${WS}/jobs/${name}/cancel?api-version=2025-12-01`,
    ]);
    expect(azure.armRequests().slice(from).some((r) => r.path.endsWith(`/mfeOperationResults/cancel-${name}`))).toBe(true);
    expect(azure.jobs.get(name)?.status).toBe("Canceled");
  });

  it("destroy cancels a running job it adopted when the job carries the stack's tags (JobBase.tags), and not another stack's", async () => {
    const stackTags = { project: "phi3-foundry", stack: "dev" };
    existingJob("phi3-ft-ours", "Running", stackTags);
    await jobs.delete!("phi3-ft-ours", outputs("phi3-ft-ours", { submitted: false, tags: stackTags }));
    expect(azure.jobs.get("phi3-ft-ours")?.status).toBe("Canceled");

    existingJob("phi3-ft-theirs", "Running", { ...stackTags, stack: "prod" });
    const from = azure.armRequests().length;
    await jobs.delete!("phi3-ft-theirs", outputs("phi3-ft-theirs", { submitted: false, tags: stackTags }));
    expect(armSince(from)).toEqual([`GET ${WS}/jobs/phi3-ft-theirs?api-version=2025-12-01`]);
    expect(azure.jobs.get("phi3-ft-theirs")?.status).toBe("Running");
  });
});

describe("the online endpoint's traffic", () => {
  const endpoint = (name: string, extra: Record<string, unknown> = {}) => ({ ...workspace, endpointName: name, traffic: { phi3: 100 }, revision: "r1", ...extra });

  it("is set by Online Endpoints - Get, then Create Or Update of every writable member as Azure has it, traffic replaced", async () => {
    // Shaped as Workspace/OnlineEndpoint/get.json, read-only members included.
    azure.endpoints.set("ep-full", {
      id: `${WS}/onlineEndpoints/ep-full`,
      name: "ep-full",
      type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      location: "eastus2",
      tags: { project: "phi3-foundry" },
      kind: "Managed",
      sku: { name: "Default", tier: "Standard", capacity: 1 },
      identity: {
        type: "UserAssigned",
        principalId: "00000000-1111-2222-3333-444444444444",
        tenantId: "00000000-1111-2222-3333-444444444444",
        userAssignedIdentities: { "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a": { principalId: "p-1", clientId: "c-1" } },
      },
      systemData: { createdAt: "2026-11-25T00:00:00Z", createdBy: "someone", createdByType: "User" },
      properties: {
        authMode: "Key",
        description: "Phi-3 chat",
        compute: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/computes/k8s",
        publicNetworkAccess: "Disabled",
        properties: { owner: "ml-team" },
        traffic: { old: 100 },
        mirrorTraffic: { old: 10 },
        provisioningState: "Succeeded",
        scoringUri: "https://ep-full.eastus2.inference.ml.azure.com/score",
        swaggerUri: "https://ep-full.eastus2.inference.ml.azure.com/swagger.json",
      },
    });
    const from = azure.armRequests().length;
    await expect(traffic.create(endpoint("ep-full"))).resolves.toEqual({ id: "ep-full-traffic", outs: endpoint("ep-full") });
    expect(armSince(from).slice(0, 2)).toEqual([
      `GET ${WS}/onlineEndpoints/ep-full?api-version=2025-12-01`,
      `PUT ${WS}/onlineEndpoints/ep-full?api-version=2025-12-01`,
    ]);
    const put = azure.armRequests().find((r, i) => i >= from && r.method === "PUT");
    // OnlineEndpointTrackedResource: id, name, type, systemData, and the identity's principal and tenant ids are read-only,
    // as are OnlineEndpoint's provisioningState, scoringUri and swaggerUri.
    expect(put?.body).toEqual({
      location: "eastus2",
      tags: { project: "phi3-foundry" },
      identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a": {} } },
      kind: "Managed",
      sku: { name: "Default", tier: "Standard", capacity: 1 },
      properties: {
        authMode: "Key",
        description: "Phi-3 chat",
        compute: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/computes/k8s",
        publicNetworkAccess: "Disabled",
        properties: { owner: "ml-team" },
        traffic: { phi3: 100 },
        mirrorTraffic: { old: 10 },
      },
    });
  });

  it("sends a system-assigned identity as its type alone, and no tags, kind or sku that Azure does not have", async () => {
    azure.endpoints.set("ep-plain", { id: `${WS}/onlineEndpoints/ep-plain`, name: "ep-plain", location: "swedencentral", identity: { type: "SystemAssigned", principalId: "p-2", tenantId: "t-2" }, properties: { authMode: "AMLToken" } });
    const from = azure.armRequests().length;
    await traffic.create(endpoint("ep-plain"));
    const put = azure.armRequests().find((r, i) => i >= from && r.method === "PUT");
    expect(put?.body).toEqual({ location: "swedencentral", identity: { type: "SystemAssigned" }, properties: { authMode: "AMLToken", traffic: { phi3: 100 } } });
  });

  it("gives an endpoint that Azure reports without properties its traffic all the same: the location and the new split only", async () => {
    // OnlineEndpointTrackedResource.properties is required in the spec; an answer without it is no reason to leave the split unset.
    azure.endpoints.set("ep-bare", { id: `${WS}/onlineEndpoints/ep-bare`, name: "ep-bare", location: "eastus2" });
    const from = azure.armRequests().length;
    await traffic.create(endpoint("ep-bare"));
    const put = azure.armRequests().find((r, i) => i >= from && r.method === "PUT");
    expect(put?.body).toEqual({ location: "eastus2", properties: { traffic: { phi3: 100 } } });
  });

  it("refresh reads the traffic Azure has: none set is an empty split, and an endpoint gone (404) drops it", async () => {
    azure.endpoints.set("ep-fresh", { id: `${WS}/onlineEndpoints/ep-fresh`, name: "ep-fresh", location: "eastus2", properties: { authMode: "Key" } });
    const from = azure.armRequests().length;
    await expect(traffic.read!("ep-fresh-traffic", endpoint("ep-fresh"))).resolves.toEqual({ id: "ep-fresh-traffic", props: endpoint("ep-fresh", { traffic: {} }) });
    expect(armSince(from)).toEqual([`GET ${WS}/onlineEndpoints/ep-fresh?api-version=2025-12-01`]);
    await expect(traffic.read!("ep-none-traffic", endpoint("ep-none"))).resolves.toEqual({ id: "", props: {} });
  });

  it("is not set on an endpoint that does not exist: an error naming it, and no PUT; destroy of its traffic does nothing", async () => {
    const from = azure.armRequests().length;
    await expect(traffic.create(endpoint("ep-missing"))).rejects.toThrow("online endpoint ep-missing does not exist in workspace mlw-phi3");
    await traffic.delete!("ep-missing-traffic", endpoint("ep-missing"));
    expect(armSince(from)).toEqual([
      `GET ${WS}/onlineEndpoints/ep-missing?api-version=2025-12-01`,
      `GET ${WS}/onlineEndpoints/ep-missing?api-version=2025-12-01`,
    ]);
  });
});
