import type * as pulumi from "@pulumi/pulumi";
import { isArmError } from "../rest/armClient";
import { EndpointAddress, readTraffic, setTraffic } from "../rest/machineLearning";
import { diffInputs, diffResult } from "./dynamicDiff";
import { readState } from "./dynamicState";
import { armFor, AzureProvider, keepStackConfig } from "./providerSupport";

export interface TrafficInputs extends EndpointAddress {
  /** Percent of live traffic per deployment; 0 or 100 in all. */
  readonly traffic: Record<string, number>;
  /**
   * What the endpoint and its deployments were set up with: when azure-native updates either (an endpoint PUT resets
   * traffic), traffic is applied again.
   */
  readonly revision: string;
}

/** The same deployments at 0%: what lets Azure delete them. */
export function drained(traffic: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(traffic).map((deployment) => [deployment, 0]));
}

/** Sets the stack's split; the endpoint must exist (the deployment's own resource made sure of that). */
async function applyTraffic(provider: AzureProvider, inputs: TrafficInputs): Promise<void> {
  if (!(await setTraffic(await armFor(provider), inputs, inputs.traffic))) {
    throw new Error(`online endpoint ${inputs.endpointName} does not exist in workspace ${inputs.workspaceName}`);
  }
}


/**
 * Live traffic as a step after the deployment: Azure refuses traffic for a deployment that does not exist yet, and
 * refuses to delete a deployment that still has traffic, so delete sets it back to 0 before the deployment goes.
 * `read` reports the traffic Azure really has, so a refresh shows a change made in the portal and the next
 * `pulumi up` puts the stack's split back.
 */
export const endpointTrafficProvider: pulumi.dynamic.ResourceProvider<TrafficInputs, TrafficInputs> & AzureProvider = {
  async configure(req) {
    await keepStackConfig(this, req);
  },
  async create(inputs) {
    await applyTraffic(this, inputs);
    return { id: `${inputs.endpointName}-traffic`, outs: inputs };
  },
  async diff(_id, olds, news) {
    return diffResult(diffInputs(olds, news), ["subscriptionId", "resourceGroupName", "workspaceName", "endpointName"]);
  },
  async update(_id, olds, news) {
    // New provider code alone changes nothing in Azure: no endpoint PUT, which could collide with a deployment update.
    if (!diffInputs(olds, news).codeOnly) await applyTraffic(this, news);
    return { outs: news };
  },
  async read(id, props) {
    const live = props && (await readTraffic(await armFor(this), props));
    return readState(id, props, live && { traffic: live });
  },
  async delete(_id, olds) {
    try {
      await setTraffic(await armFor(this), olds, drained(olds.traffic));
    } catch (err) {
      if (!isArmError(err, 404)) throw err; // the endpoint is gone already
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
  /** A digest of the endpoint's and deployments' settings, so that an update of either re-applies traffic. */
  readonly revision: pulumi.Input<string>;
}
