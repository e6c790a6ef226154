/**
 * How every dynamic provider of ours reaches Azure (components/azure/providers/providerSupport.ts): with the stack's
 * config from the engine's Configure call, else azure-native's ARM_* variables, and with the stack's bounds on each call.
 * Called in this process against the HTTPS stand-in; the requests are those of the REST spec,
 * Azure/azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
 * stable/2025-12-01/mfe.json (Jobs_Get, OnlineEndpoints_CreateOrUpdate), and Entra ID's v2.0 token endpoint.
 */
import { endpointTrafficProvider } from "../components/azure/providers/endpointTraffic";
import { pipelineJobProvider } from "../components/azure/providers/pipelineJob";
import { azureFor, connectArm } from "../components/azure/providers/providerSupport";
import { AzureStandIn, STAND_IN_CLIENT, STAND_IN_SUBSCRIPTION, STAND_IN_TENANT } from "./support/azureStandIn";
import { configured, standInStackConfig, trustInThisProcess } from "./support/inProcessProvider";

const WS = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-phi3/providers/Microsoft.MachineLearningServices/workspaces/mlw-phi3";
const workspace = { subscriptionId: STAND_IN_SUBSCRIPTION, resourceGroupName: "rg-phi3", workspaceName: "mlw-phi3" };
const properties = { jobType: "Pipeline" as const };

let azure: AzureStandIn;
let untrust: () => void;

beforeAll(async () => {
  azure = await AzureStandIn.start();
  untrust = trustInThisProcess(azure.caFile);
});

afterAll(async () => {
  untrust?.();
  await azure?.close();
});

/** The token requests since `from`: tenant and form. */
function tokenRequestsSince(from: number) {
  return azure.requests.slice(from).filter((r) => r.path.endsWith("/oauth2/v2.0/token")).map((r) => ({ path: r.path, body: r.body }));
}

/** Sets azure-native's ARM_* variables for the length of `run`, as a user's shell would. */
async function withEnvironment<T>(variables: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((k) => [k, process.env[k]]));
  Object.assign(process.env, variables);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("a configured provider", () => {
  it("signs in as the stack config's service principal, at the cloud its metadataHost names, and calls ARM there", async () => {
    const jobs = await configured(pipelineJobProvider, standInStackConfig(azure.host));
    const from = azure.requests.length;
    await jobs.create({ ...workspace, jobName: "phi3-ft-configured", properties });
    expect(tokenRequestsSince(from)).toEqual([
      {
        path: "/72f988bf-0000-0000-0000-000000000001/oauth2/v2.0/token",
        body: expect.objectContaining({ client_id: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", client_secret: "s3cret-value", grant_type: "client_credentials" }),
      },
    ]);
    const gets = azure.requests.slice(from).filter((r) => r.method === "GET" && r.path === `${WS}/jobs/phi3-ft-configured`);
    expect(gets).toHaveLength(1);
  });

  it("prefers the stack config to the ARM_* variables: a wrong secret in the config fails, naming its service principal", async () => {
    const jobs = await configured(pipelineJobProvider, standInStackConfig(azure.host, { "azure-native:clientSecret": "not-the-secret" }));
    await withEnvironment({ ARM_CLIENT_ID: STAND_IN_CLIENT.id, ARM_CLIENT_SECRET: STAND_IN_CLIENT.secret, ARM_TENANT_ID: STAND_IN_TENANT, ARM_METADATA_HOSTNAME: azure.host }, async () => {
      await expect(jobs.create({ ...workspace, jobName: "phi3-ft-wrong", properties })).rejects.toThrow(
        "Azure sign-in with a client secret as service principal aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee failed",
      );
    });
  });

  it("bounds its calls as the stack's phi3-foundry:azureMaxPolls says", async () => {
    const traffic = await configured(endpointTrafficProvider, standInStackConfig(azure.host, { "phi3-foundry:azureMaxPolls": "1" }));
    azure.endpoints.set("ep-slow", { id: `${WS}/onlineEndpoints/ep-slow`, name: "ep-slow", location: "eastus2", properties: { authMode: "Key" } });
    azure.nextOperation = [{ status: "InProgress" }, { status: "InProgress" }, { status: "Succeeded" }];
    await expect(traffic.create({ ...workspace, endpointName: "ep-slow", traffic: { phi3: 100 }, revision: "r1" })).rejects.toThrow(
      `PUT ${WS}/onlineEndpoints/ep-slow: the operation is still running after 1 status reads; it may yet finish in Azure. Run \`pulumi up\` again to wait for it, or raise phi3-foundry:azureMaxPolls`,
    );
  });
});

describe("a provider the engine did not configure", () => {
  it("signs in from azure-native's ARM_* variables", async () => {
    const jobs = { ...pipelineJobProvider };
    const from = azure.requests.length;
    await withEnvironment({ ARM_CLIENT_ID: STAND_IN_CLIENT.id, ARM_CLIENT_SECRET: STAND_IN_CLIENT.secret, ARM_TENANT_ID: STAND_IN_TENANT, ARM_METADATA_HOSTNAME: azure.host }, async () => {
      await expect(jobs.create({ ...workspace, jobName: "phi3-ft-from-env", properties })).resolves.toMatchObject({ id: "phi3-ft-from-env" });
    });
    expect(tokenRequestsSince(from)).toEqual([{ path: "/72f988bf-0000-0000-0000-000000000001/oauth2/v2.0/token", body: expect.objectContaining({ client_id: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" }) }]);
  });
});

describe("the stack's own calls (quota, preflight)", () => {
  it("connectArm signs in as the config it reads says, and its client calls ARM with the stack's bounds", async () => {
    const config = standInStackConfig(azure.host, { "phi3-foundry:azureMaxPolls": "3" });
    const arm = await connectArm((key) => config[key]);
    const from = azure.requests.length;
    await expect(arm.get(`${WS}/jobs/phi3-ft-none`, "2025-12-01")).resolves.toBeUndefined();
    expect(tokenRequestsSince(from)).toHaveLength(1);
    const connection = await azureFor({ stackConfig: (key) => config[key] });
    expect(connection.limits).toEqual({ requestTimeoutMs: 120_000, maxPolls: 3, maxPages: 1000 });
    expect(connection.cloud.resourceManager).toBe(`${azure.url}/`);
    expect(connection.credential.description).toBe("with a client secret as service principal aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  });
});
