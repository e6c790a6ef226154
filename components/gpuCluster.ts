import * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";

/**
 * `vmPriority` of an AmlCompute cluster (VmPriority in machineLearningServices.json): dedicated nodes, or low-priority
 * ones, cheaper but preemptible, billed against the region's separate low-priority vCPU quota.
 */
export const TRAINING_PRIORITIES = ["Dedicated", "LowPriority"] as const;
export type TrainingPriority = (typeof TRAINING_PRIORITIES)[number];

export interface GpuClusterArgs {
  /** Resource group of the workspace. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure ML workspace that owns the cluster. */
  readonly workspaceName: pulumi.Input<string>;
  /** Azure region of the cluster (the workspace's). */
  readonly location: pulumi.Input<string>;
  /** Name of the cluster inside the workspace. */
  readonly computeName: pulumi.Input<string>;
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
  /** ARM id of the user-assigned identity that jobs on the cluster run as. */
  readonly identityId: pulumi.Input<string>;
  /** Tags on the cluster. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Checks the cluster's numbers before anything is created; throws naming the argument. */
export function validateGpuClusterArgs(args: Pick<GpuClusterArgs, "minNodes" | "maxNodes" | "idleSeconds" | "priority">): void {
  const min = args.minNodes ?? 0;
  const idle = args.idleSeconds ?? 120;
  if (!Number.isInteger(min) || min < 0) throw new Error(`GpuCluster: minNodes is ${min}; it must be a whole number of at least 0`);
  if (!Number.isInteger(args.maxNodes) || args.maxNodes < Math.max(1, min)) {
    throw new Error(`GpuCluster: maxNodes is ${args.maxNodes}; it must be a whole number of at least 1 and at least minNodes (${min})`);
  }
  if (!Number.isInteger(idle) || idle <= 0) throw new Error(`GpuCluster: idleSeconds is ${idle}; it must be a positive whole number`);
  if (args.priority !== undefined && !TRAINING_PRIORITIES.includes(args.priority)) {
    throw new Error(`GpuCluster: priority is '${args.priority}'; allowed: ${TRAINING_PRIORITIES.join(", ")}`);
  }
}

/**
 * An AmlCompute GPU cluster (dedicated unless asked for low priority) that scales to zero: no GPU bill while idle, no SSH, no local (key) auth, jobs
 * running as the training identity.
 */
export class GpuCluster extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;
  public readonly id: pulumi.Output<string>;

  constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    validateGpuClusterArgs(args);
    super("phi3-foundry:train:GpuCluster", name, {}, opts);

    const compute = new machinelearningservices.Compute(
      `${name}-compute`,
      {
        resourceGroupName: args.resourceGroupName,
        workspaceName: args.workspaceName,
        computeName: args.computeName,
        location: args.location,
        tags: args.tags,
        identity: {
          type: machinelearningservices.ManagedServiceIdentityType.UserAssigned,
          userAssignedIdentities: [args.identityId],
        },
        properties: {
          computeType: "AmlCompute",
          disableLocalAuth: true,
          properties: {
            vmSize: args.vmSize,
            vmPriority: args.priority ?? machinelearningservices.VmPriority.Dedicated,
            osType: machinelearningservices.OsType.Linux,
            remoteLoginPortPublicAccess: machinelearningservices.RemoteLoginPortPublicAccess.Disabled,
            scaleSettings: {
              minNodeCount: args.minNodes ?? 0,
              maxNodeCount: args.maxNodes,
              nodeIdleTimeBeforeScaleDown: `PT${args.idleSeconds ?? 120}S`, // ISO 8601 duration
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
