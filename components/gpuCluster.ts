import * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import { withDefaults } from "../domain/defaults";
import type { AzureNamer } from "../domain/naming";
import { TRAINING_PRIORITIES, TrainingPriority } from "../domain/settingValues";
import type { WorkspaceHandle } from "./mlWorkspace";
import type { IdentityHandle } from "./trainingIdentity";

export interface GpuClusterArgs {
  /** Azure ML workspace that owns the cluster. */
  readonly workspace: Pick<WorkspaceHandle, "resourceGroupName" | "workspaceName">;
  /** Azure region of the cluster (the workspace's). */
  readonly location: pulumi.Input<string>;
  /** Builds the name of the cluster inside the workspace. */
  readonly namer: AzureNamer;
  /** VM size of each node, e.g. Standard_NC24ads_A100_v4. */
  readonly vmSize: string;
  /** Nodes kept while idle; 0 (the default) means no bill while nothing runs. */
  readonly minNodes?: number;
  /** Most nodes the cluster scales out to; at least 1 and at least `minNodes`. */
  readonly maxNodes: number;
  /** Seconds a node stays idle before it is released; 120 by default. */
  readonly idleSeconds?: number;
  /** Dedicated nodes (the default) or low-priority ones, which Azure may preempt. */
  readonly priority?: TrainingPriority;
  /** The user-assigned identity that jobs on the cluster run as. */
  readonly identity: Pick<IdentityHandle, "id">;
  /** Tags on the cluster. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** What the cluster uses when an arg is not set. */
export const GPU_CLUSTER_DEFAULTS = { minNodes: 0, idleSeconds: 120, priority: "Dedicated" } as const satisfies Partial<GpuClusterArgs>;

/** Checks the cluster's numbers before anything is created; throws naming the argument. */
export function validateGpuClusterArgs(args: Pick<GpuClusterArgs, "minNodes" | "maxNodes" | "idleSeconds" | "priority">): void {
  const { minNodes: min, maxNodes, idleSeconds: idle, priority } = withDefaults(GPU_CLUSTER_DEFAULTS, args);
  if (!Number.isInteger(min) || min < 0) throw new Error(`GpuCluster: minNodes is ${min}; it must be a whole number of at least 0`);
  if (!Number.isInteger(maxNodes) || maxNodes < Math.max(1, min)) {
    throw new Error(`GpuCluster: maxNodes is ${maxNodes}; it must be a whole number of at least 1 and at least minNodes (${min})`);
  }
  if (!Number.isInteger(idle) || idle <= 0) throw new Error(`GpuCluster: idleSeconds is ${idle}; it must be a positive whole number`);
  if (!TRAINING_PRIORITIES.includes(priority)) {
    throw new Error(`GpuCluster: priority is '${priority}'; allowed: ${TRAINING_PRIORITIES.join(", ")}`);
  }
}

/** What other components take of the cluster instead of its loose name and id. {@link GpuCluster} is one. */
export interface ClusterHandle {
  readonly name: pulumi.Input<string>;
  /** ARM id of the cluster. */
  readonly id: pulumi.Input<string>;
}

/**
 * An AmlCompute GPU cluster (dedicated unless asked for low priority) that scales to zero: no GPU bill while idle, no SSH, no local (key) auth, jobs
 * running as the training identity.
 */
export class GpuCluster extends pulumi.ComponentResource implements ClusterHandle {
  public readonly name: pulumi.Output<string>;
  public readonly id: pulumi.Output<string>;

  constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults(GPU_CLUSTER_DEFAULTS, args);
    validateGpuClusterArgs(settings);
    super("phi3-foundry:train:GpuCluster", name, {}, opts);

    const compute = new machinelearningservices.Compute(
      `${name}-compute`,
      {
        resourceGroupName: settings.workspace.resourceGroupName,
        workspaceName: settings.workspace.workspaceName,
        computeName: settings.namer("computeCluster"),
        location: settings.location,
        tags: settings.tags,
        identity: {
          type: machinelearningservices.ManagedServiceIdentityType.UserAssigned,
          userAssignedIdentities: [settings.identity.id],
        },
        properties: {
          computeType: "AmlCompute",
          disableLocalAuth: true,
          properties: {
            vmSize: settings.vmSize,
            vmPriority: settings.priority,
            osType: machinelearningservices.OsType.Linux,
            remoteLoginPortPublicAccess: machinelearningservices.RemoteLoginPortPublicAccess.Disabled,
            scaleSettings: {
              minNodeCount: settings.minNodes,
              maxNodeCount: settings.maxNodes,
              nodeIdleTimeBeforeScaleDown: `PT${settings.idleSeconds}S`, // ISO 8601 duration
            },
          },
        },
      },
      { parent: this },
    );
    this.name = compute.name;
    this.id = compute.id;

    this.registerOutputs({ name: this.name, id: this.id });
  }
}
