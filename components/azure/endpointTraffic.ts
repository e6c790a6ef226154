import * as pulumi from "@pulumi/pulumi";
import type { AzureMachineLearningWorkspaces, OnlineEndpoint } from "@azure/arm-machinelearning";
import { mlClient } from "./mlClient";

export interface TrafficInputs {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly workspaceName: string;
  readonly endpointName: string;
  /** Percent of live traffic per deployment; 0 or 100 in all. */
  readonly traffic: Record<string, number>;
  /** The endpoint's own settings: when azure-native updates the endpoint, traffic is applied again. */
  readonly endpointSpec: string;
}

/** Sets an endpoint's live traffic: GET the endpoint, PUT it back with `properties.traffic` replaced. */
export async function setTraffic(
  client: AzureMachineLearningWorkspaces,
  target: Pick<TrafficInputs, "resourceGroupName" | "workspaceName" | "endpointName">,
  traffic: Record<string, number>,
): Promise<void> {
  const endpoint = await client.onlineEndpoints.get(target.resourceGroupName, target.workspaceName, target.endpointName);
  const body: OnlineEndpoint = { ...endpoint, properties: { ...endpoint.properties, traffic } };
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(target.resourceGroupName, target.workspaceName, target.endpointName, body);
}

/** The same deployments at 0%: what lets Azure delete them. */
export function drained(traffic: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(traffic).map((deployment) => [deployment, 0]));
}

/**
 * Live traffic as a step after the deployment: Azure refuses traffic for a deployment that does not exist yet, and
 * refuses to delete a deployment that still has traffic, so delete sets it back to 0 before the deployment goes.
 */
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: TrafficInputs) {
    await setTraffic(mlClient(inputs.subscriptionId), inputs, inputs.traffic);
    return { id: `${inputs.endpointName}-traffic`, outs: inputs };
  },
  async diff(_id: string, olds: TrafficInputs, news: TrafficInputs) {
    const moved = olds.endpointName !== news.endpointName || olds.workspaceName !== news.workspaceName;
    const changed = moved || JSON.stringify(olds.traffic) !== JSON.stringify(news.traffic) || olds.endpointSpec !== news.endpointSpec;
    return { changes: changed, replaces: moved ? ["endpointName"] : [] };
  },
  async update(_id: string, _olds: TrafficInputs, news: TrafficInputs) {
    await setTraffic(mlClient(news.subscriptionId), news, news.traffic);
    return { outs: news };
  },
  async delete(_id: string, olds: TrafficInputs) {
    try {
      await setTraffic(mlClient(olds.subscriptionId), olds, drained(olds.traffic));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err; // the endpoint is gone already
    }
  },
};

export interface EndpointTrafficArgs {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly workspaceName: pulumi.Input<string>;
  readonly endpointName: pulumi.Input<string>;
  /** Percent of live traffic per deployment. */
  readonly traffic: pulumi.Input<Record<string, pulumi.Input<number>>>;
  /** A digest of the endpoint's settings, so that an endpoint update re-applies traffic. */
  readonly endpointSpec: pulumi.Input<string>;
}

/** An online endpoint's live traffic, set once its deployments exist (see the provider above). */
export class EndpointTraffic extends pulumi.dynamic.Resource {
  constructor(name: string, args: EndpointTrafficArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, args, opts, "phi3-foundry", "EndpointTraffic");
  }
}
