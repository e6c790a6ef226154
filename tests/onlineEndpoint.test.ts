import * as pulumi from "@pulumi/pulumi";
import { RandomString } from "@pulumi/random";
import { drained } from "../components/azure/providers/endpointTraffic";
import { OnlineEndpoint, OnlineEndpointArgs, validateOnlineEndpointArgs } from "../components/onlineEndpoint";
import { input, named, ofType, runProgram, single } from "./helpers";
import { runAsEngine } from "./support/engineRun";

const identityId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id";
const modelId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/models/phi3-chat-finetuned/versions/abc";
const base: OnlineEndpointArgs = {
  workspace: { subscriptionId: "s", resourceGroupName: "rg", workspaceName: "mlw" },
  location: "eastus2",
  namer: () => pulumi.output("ep-phi"),
  identity: { id: identityId, roleAssignments: [] },
};

/** Builds the endpoint with two stand-in role assignments to wait for, and returns the outputs too. */
async function run(deployment: Partial<NonNullable<OnlineEndpointArgs["deployment"]>> | null = {}) {
  let component: OnlineEndpoint | undefined;
  const { resources } = await runProgram(() => {
    const roles = [new RandomString("role-a", { length: 4 }), new RandomString("role-b", { length: 4 })];
    component = new OnlineEndpoint("serving", {
      ...base,
      identity: { id: identityId, roleAssignments: roles },
      deployment: deployment === null ? undefined : { modelId, vmSize: "Standard_NC6s_v3", ...deployment },
    });
  });
  return { resources, component: component! };
}

const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

describe("OnlineEndpoint", () => {
  it("creates a key-auth endpoint running as the training identity", async () => {
    const endpoint = single((await run()).resources, "azure-native:machinelearningservices:OnlineEndpoint");
    expect(endpoint.inputs).toMatchObject({ endpointName: "ep-phi", workspaceName: "mlw", location: "eastus2" });
    expect(input(endpoint, "properties.authMode")).toBe("Key");
    expect(input(endpoint, "properties.traffic")).toBeUndefined();
    expect(endpoint.inputs.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [identityId] });
  });

  it("deploys the model on the GPU with one instance, sized for a 3.8B model's cold start", async () => {
    const deployment = single((await run()).resources, "azure-native:machinelearningservices:OnlineDeployment");
    expect(deployment.inputs.sku).toEqual({ name: "Default", capacity: 1 });
    expect(deployment.inputs.properties).toMatchObject({
      endpointComputeType: "Managed",
      model: modelId,
      instanceType: "Standard_NC6s_v3",
      scaleSettings: { scaleType: "Default" },
      // The README's sizing for a 3.8B model: ten minutes to load, then a 90 s request timeout (the Phi-3 notebook's).
      requestSettings: { requestTimeout: "PT90S", maxConcurrentRequestsPerInstance: 1 },
      livenessProbe: { initialDelay: "PT600S", period: "PT10S", timeout: "PT2S", failureThreshold: 30, successThreshold: 1 },
      readinessProbe: { initialDelay: "PT600S", period: "PT10S", timeout: "PT2S", failureThreshold: 30, successThreshold: 1 },
    });
    expect(input(deployment, "properties.environmentId")).toBeUndefined(); // MLflow: no-code deployment
  });

  it("deploys only after the role assignments and an explicit, bounded wait", async () => {
    const { resources } = await run({ roleSettleSeconds: 90 });
    const settle = named(resources, "serving-role-settle");
    const deployment = single(resources, "azure-native:machinelearningservices:OnlineDeployment");
    // @pulumiverse/time's Sleep: waits createDuration on create, and again when its triggers (the assignments) change.
    expect(settle.type).toBe("time:index/sleep:Sleep");
    expect(settle.inputs.createDuration).toBe("90s");
    expect(settle.inputs.triggers).toEqual({ roleAssignments: [named(resources, "role-a").id, named(resources, "role-b").id].join(",") });
    expect(settle.dependsOn).toEqual(expect.arrayContaining([named(resources, "role-a").urn, named(resources, "role-b").urn]));
    expect(deployment.dependsOn).toContain(settle.urn);
    expect(deployment.dependsOn).toContain(single(resources, "azure-native:machinelearningservices:OnlineEndpoint").urn);
  });

  it("gives the deployment 100% of live traffic in a step after it exists", async () => {
    const { resources } = await run();
    const traffic = named(resources, "serving-traffic");
    const deployment = single(resources, "azure-native:machinelearningservices:OnlineDeployment");
    expect(traffic.inputs).toMatchObject({ endpointName: "ep-phi", traffic: { phi3: 100 } });
    expect(traffic.dependsOn).toContain(deployment.urn);
  });

  it("exports the scoring URI, the served model and the primary key as a secret", async () => {
    const { component } = await run();
    expect(await value(component.scoringUri)).toBe("https://ep-phi.eastus2.inference.ml.azure.com/score");
    expect(await pulumi.isSecret(component.primaryKey)).toBe(true);
    expect(await value(component.primaryKey)).toBe("primary-key-of-ep-phi");
    expect(await value(component.servedModelId!)).toBe(modelId);
  });

  it("parks: no deployment, no wait, no traffic; the endpoint stays", async () => {
    const { resources, component } = await run(null);
    expect(ofType(resources, "azure-native:machinelearningservices:OnlineEndpoint")).toHaveLength(1);
    expect(ofType(resources, "azure-native:machinelearningservices:OnlineDeployment")).toHaveLength(0);
    expect(resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))).toHaveLength(0);
    expect(component.servedModelId).toBeUndefined();
  });

  it.each([
    [{ instanceCount: 0 }, /instanceCount is 0/],
    [{ instanceCount: 51 }, /1 to 50 instances/],
    [{ name: "1bad" }, /deployment.name '1bad'/],
    [{ roleSettleSeconds: -1 }, /roleSettleSeconds is -1/],
  ])("refuses %j before creating anything", async (bad, message) => {
    expect(() => validateOnlineEndpointArgs({ deployment: { modelId, vmSize: "Standard_NC6s_v3", ...bad } })).toThrow(message);
    await expect(run(bad)).rejects.toThrow(message);
  });
});

describe("OnlineEndpoint's key in a preview and in an update", () => {
  const build = (out: { key?: pulumi.Output<string> }) => () => (out.key = new OnlineEndpoint("serving", base).primaryKey);
  const known = (output: pulumi.Output<string>) => (output as unknown as { isKnown: Promise<boolean> }).isKnown;

  it("lists the keys in an update (the CLI's `pulumi up` after its preview), the key a secret", async () => {
    const out: { key?: pulumi.Output<string> } = {};
    const { invokes } = await runAsEngine(false, build(out));
    expect(invokes.filter((token) => token === "azure-native:machinelearningservices:listOnlineEndpointKeys")).toHaveLength(1);
    expect(await pulumi.isSecret(out.key!)).toBe(true);
    expect(await value(out.key!)).toBe("primary-key-of-ep-phi");
  });

  it("never lists them in a preview, so the previewing identity needs no listKeys right; the key is an unknown secret", async () => {
    const out: { key?: pulumi.Output<string> } = {};
    const { invokes } = await runAsEngine(true, build(out));
    expect(invokes).not.toContain("azure-native:machinelearningservices:listOnlineEndpointKeys");
    expect(await pulumi.isSecret(out.key!)).toBe(true);
    expect(await known(out.key!)).toBe(false);
  });
});

describe("drained", () => {
  it("drains to 0% so that Azure lets the deployment be deleted", () => {
    expect(drained({ phi3: 100 })).toEqual({ phi3: 0 });
  });
});
