import * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as time from "@pulumiverse/time";
import { DEPLOYMENT_SETTINGS } from "../domain/catalogue/deploymentSettings";
import { Resolved, withDefaults } from "../domain/defaults";
import type { AzureNamer } from "../domain/naming";
import { EndpointTraffic } from "./azure/providers/resources";
import type { WorkspaceHandle } from "./mlWorkspace";
import type { IdentityHandle } from "./trainingIdentity";

/** The GPU deployment behind the endpoint; absent when serving is parked. */
export interface OnlineDeploymentArgs {
  /** Deployment name inside the endpoint; `phi3` by default. */
  readonly name?: string;
  /** ARM id (or registry id) of the MLflow model version to serve. */
  readonly modelId: pulumi.Input<string>;
  /** VM size of each instance, e.g. Standard_NC6s_v3. */
  readonly vmSize: string;
  /** Instances; 1 by default. */
  readonly instanceCount?: number;
  /** Seconds to wait after the identity's role assignments before deploying; 120 by default. */
  readonly roleSettleSeconds?: number;
}

/** What the deployment uses when an arg is not set. */
export const ONLINE_DEPLOYMENT_DEFAULTS = { name: "phi3", instanceCount: 1, roleSettleSeconds: 120 } as const satisfies Partial<OnlineDeploymentArgs>;

/** A deployment with its defaults filled in. */
type DeploymentSettings = Resolved<OnlineDeploymentArgs, typeof ONLINE_DEPLOYMENT_DEFAULTS>;

export interface OnlineEndpointArgs {
  /** The Azure ML workspace the endpoint belongs to. */
  readonly workspace: Pick<WorkspaceHandle, "subscriptionId" | "resourceGroupName" | "workspaceName">;
  readonly location: pulumi.Input<string>;
  /** Builds the endpoint's name (unique in the region, 3 to 32 letters, digits and '-', starting with a letter). */
  readonly namer: AzureNamer;
  /**
   * The user-assigned identity the endpoint runs as; the deployment waits for its role assignments (Storage Blob Data
   * Reader, AcrPull) to be in force.
   */
  readonly identity: Pick<IdentityHandle, "id" | "roleAssignments">;
  /** The deployment; undefined parks serving (the endpoint itself costs nothing). */
  readonly deployment?: OnlineDeploymentArgs;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateOnlineEndpointArgs(args: Pick<OnlineEndpointArgs, "deployment">): void {
  if (!args.deployment) return;
  const d = withDefaults(ONLINE_DEPLOYMENT_DEFAULTS, args.deployment);
  const count = d.instanceCount;
  if (!Number.isInteger(count) || count < 1 || count > 50) {
    throw new Error(`OnlineEndpoint: deployment.instanceCount is ${count}; Azure allows 1 to 50 instances per deployment`);
  }
  if (!/^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/.test(d.name)) {
    throw new Error(`OnlineEndpoint: deployment.name '${d.name}' must be 3 to 32 letters, digits or '-', starting with a letter`);
  }
  const settle = d.roleSettleSeconds;
  if (!Number.isInteger(settle) || settle < 0 || settle > 1800) {
    throw new Error(`OnlineEndpoint: deployment.roleSettleSeconds is ${settle}; it must be a whole number from 0 to 1800`);
  }
}

/**
 * The endpoint's primary key, as a secret. Only an update lists it: listing keys is an action beyond Reader, and a
 * preview has no use for the value, so in a preview (`isDryRun`) the key is unknown and the identity that previews
 * needs no right to list it. The Custom keys connection keeps its stored key in a preview (Foundry).
 */
function readPrimaryKey(
  endpoint: { resourceGroupName: pulumi.Input<string>; workspaceName: pulumi.Input<string>; endpointName: pulumi.Input<string> },
  parent: pulumi.Resource,
): pulumi.Output<string> {
  if (pulumi.runtime.isDryRun()) return pulumi.secret(pulumi.output(pulumi.unknown) as pulumi.Output<string>);
  // azure-native does not mark listed keys secret.
  const keys = machinelearningservices.listOnlineEndpointKeysOutput(endpoint, { parent });
  return pulumi.secret(keys.apply((k) => k.primaryKey ?? ""));
}

/**
 * What other components take of an online endpoint instead of its loose names: its name and id, where it scores, its
 * key, and its deployment's name while one serves. {@link OnlineEndpoint} is one.
 */
export interface EndpointHandle {
  readonly endpointName: pulumi.Input<string>;
  /** ARM id of the endpoint. */
  readonly endpointId: pulumi.Input<string>;
  readonly scoringUri: pulumi.Input<string>;
  /** The endpoint's primary key, secret. */
  readonly primaryKey: pulumi.Input<string>;
  /** The deployment's name, or undefined when serving is parked (nothing bills). */
  readonly deploymentName?: pulumi.Input<string>;
}

/**
 * A managed online endpoint with key auth, running as the training identity, and (unless parked) an MLflow no-code
 * deployment of the model on a GPU with 100% of live traffic.
 */
export class OnlineEndpoint extends pulumi.ComponentResource implements EndpointHandle {
  public readonly endpointName: pulumi.Output<string>;
  /** ARM id of the endpoint: where its logs come from and where a key reader is scoped. */
  public readonly endpointId: pulumi.Output<string>;
  public readonly scoringUri: pulumi.Output<string>;
  /** The endpoint's primary key, as a Pulumi secret. */
  public readonly primaryKey: pulumi.Output<string>;
  /** The model served, or undefined when parked. */
  public readonly servedModelId?: pulumi.Output<string>;
  public readonly deploymentName?: pulumi.Output<string>;
  /** ARM id of the deployment (what bills), or undefined when parked. */
  public readonly deploymentId?: pulumi.Output<string>;

  constructor(name: string, args: OnlineEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    const deployment = args.deployment ? withDefaults(ONLINE_DEPLOYMENT_DEFAULTS, args.deployment) : undefined;
    validateOnlineEndpointArgs({ deployment });
    super("phi3-foundry:serve:OnlineEndpoint", name, {}, opts);
    const workspace = { resourceGroupName: args.workspace.resourceGroupName, workspaceName: args.workspace.workspaceName };
    const endpointProperties = {
      authMode: machinelearningservices.EndpointAuthMode.Key,
      publicNetworkAccess: machinelearningservices.PublicNetworkAccessType.Enabled,
      description: "Fine-tuned Phi-3 chat model (phi3-foundry)",
    };

    const endpoint = new machinelearningservices.OnlineEndpoint(
      `${name}-endpoint`,
      {
        ...workspace,
        endpointName: args.namer("onlineEndpoint"),
        location: args.location,
        tags: args.tags,
        // The identity pulls the model and image: Storage Blob Data Reader and AcrPull (how-to-troubleshoot-online-endpoints).
        identity: { type: machinelearningservices.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [args.identity.id] },
        properties: endpointProperties,
      },
      // Traffic is EndpointTraffic's to set; the endpoint resource leaves it alone.
      { parent: this, ignoreChanges: ["properties.traffic"] },
    );
    this.endpointName = endpoint.name;
    this.endpointId = endpoint.id;
    this.scoringUri = endpoint.properties.apply((p) => p.scoringUri);

    this.primaryKey = readPrimaryKey({ ...workspace, endpointName: endpoint.name }, this);

    if (deployment) {
      const deployed = this.deploy(name, args, deployment, endpoint, endpointProperties);
      this.servedModelId = pulumi.output(deployment.modelId);
      this.deploymentName = deployed.name;
      this.deploymentId = deployed.id;
    }

    this.registerOutputs({
      endpointName: this.endpointName,
      endpointId: this.endpointId,
      scoringUri: this.scoringUri,
      primaryKey: this.primaryKey,
      servedModelId: this.servedModelId,
      deploymentName: this.deploymentName,
      deploymentId: this.deploymentId,
    });
  }

  /** Role settle wait, deployment, then 100% of traffic to it; returns the deployment's name and id. */
  private deploy(
    name: string,
    args: OnlineEndpointArgs,
    d: DeploymentSettings,
    endpoint: machinelearningservices.OnlineEndpoint,
    endpointProperties: object,
  ): { name: pulumi.Output<string>; id: pulumi.Output<string> } {
    const waitFor = [...args.identity.roleAssignments];
    // time.Sleep waits on create, and again whenever its triggers change (new role assignments replace it).
    const settle = new time.Sleep(
      `${name}-role-settle`,
      {
        createDuration: `${d.roleSettleSeconds}s`,
        triggers: pulumi.all(waitFor.map((assignment) => assignment.id)).apply((ids) => ({ roleAssignments: ids.join(",") })),
      },
      { parent: this, dependsOn: waitFor },
    );

    const deployment = new machinelearningservices.OnlineDeployment(
      `${name}-deployment`,
      {
        resourceGroupName: args.workspace.resourceGroupName,
        workspaceName: args.workspace.workspaceName,
        endpointName: endpoint.name,
        deploymentName: d.name,
        location: args.location,
        tags: args.tags,
        sku: { name: "Default", capacity: d.instanceCount },
        properties: {
          endpointComputeType: "Managed",
          model: d.modelId, // an MLflow model: no environment or scoring script (no-code deployment)
          instanceType: d.vmSize,
          scaleSettings: { scaleType: "Default" },
          appInsightsEnabled: true,
          egressPublicNetworkAccess: machinelearningservices.EgressPublicNetworkAccessType.Enabled,
          ...DEPLOYMENT_SETTINGS,
        },
      },
      // A GPU deployment pulls and loads the model; Azure can take most of an hour.
      { parent: this, dependsOn: [settle], customTimeouts: { create: "90m", update: "90m" } },
    );
    // Shown beside the deployment, which can keep `pulumi up` waiting longer than anything but the job.
    pulumi.log.info(
      `when the ${d.vmSize} deployment is created or changed, it waits ${d.roleSettleSeconds} s for role assignments, ` +
        "then pulls the serving image and loads the model: Azure can take up to 90 minutes",
      deployment,
    );

    new EndpointTraffic(
      `${name}-traffic`,
      {
        subscriptionId: args.workspace.subscriptionId,
        resourceGroupName: args.workspace.resourceGroupName,
        workspaceName: args.workspace.workspaceName,
        endpointName: endpoint.name,
        traffic: deployment.name.apply((deploymentName) => ({ [deploymentName]: 100 })),
        // An update of the endpoint (its PUT resets traffic) or of the deployment applies traffic again.
        revision: pulumi.jsonStringify({ endpoint: endpointProperties, identity: args.identity.id, model: d.modelId, vmSize: d.vmSize, instances: d.instanceCount }),
      },
      { parent: this },
    );
    return { name: deployment.name, id: deployment.id };
  }
}
