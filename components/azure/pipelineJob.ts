import * as pulumi from "@pulumi/pulumi";
import type { AzureMachineLearningWorkspaces, JobBase } from "@azure/arm-machinelearning";
import { JobAddress, JobSnapshot, mlClient, readJob } from "./mlClient";

/** Statuses after which a job runs no more. */
export const TERMINAL_STATUSES = ["Completed", "Failed", "Canceled"];

export interface PipelineJobInputs extends JobAddress {
  /** The job's `properties` as the jobs API takes them (a PipelineJob). */
  readonly properties: Record<string, unknown>;
}

/** Submits the job unless a job of that name exists (a retried `pulumi up` adopts it); returns its snapshot. */
export async function submitJob(client: AzureMachineLearningWorkspaces, inputs: PipelineJobInputs): Promise<JobSnapshot> {
  const existing = await readJob(client, inputs);
  if (existing) return existing;
  const body = { properties: inputs.properties } as unknown as JobBase;
  await client.jobs.createOrUpdate(inputs.resourceGroupName, inputs.workspaceName, inputs.jobName, body);
  return (await readJob(client, inputs)) ?? { status: "NotStarted" };
}

/** Cancels the job if it is still running, so that nothing keeps a GPU busy; finished jobs stay as history. */
export async function cancelIfRunning(client: AzureMachineLearningWorkspaces, job: JobAddress): Promise<boolean> {
  const found = await readJob(client, job);
  if (!found || TERMINAL_STATUSES.includes(found.status)) return false;
  await client.jobs.beginCancelAndWait(job.resourceGroupName, job.workspaceName, job.jobName);
  return true;
}

/**
 * Submits a job under a name we choose. azure-native's Job takes its name in an input called `id`, which Pulumi's
 * Node.js SDK never sends to a provider, so the job is submitted with the official SDK instead.
 * Create is idempotent (an existing job of that name is adopted), a job cannot change (any change is a new job),
 * and delete cancels a job still running, so `pulumi destroy` leaves no GPU busy.
 */
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: PipelineJobInputs) {
    const job = await submitJob(mlClient(inputs.subscriptionId), inputs);
    return { id: inputs.jobName, outs: { ...inputs, studioUrl: job.studioUrl ?? "" } };
  },
  async diff(_id: string, olds: PipelineJobInputs, news: PipelineJobInputs) {
    const changed = JSON.stringify({ ...olds, studioUrl: undefined }) !== JSON.stringify({ ...news, studioUrl: undefined });
    return { changes: changed, replaces: changed ? ["properties"] : [], deleteBeforeReplace: false };
  },
  async delete(_id: string, olds: PipelineJobInputs) {
    await cancelIfRunning(mlClient(olds.subscriptionId), olds);
  },
};

export interface PipelineJobArgs {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly workspaceName: pulumi.Input<string>;
  /** The job's name: deterministic, so an unchanged stack keeps its job. */
  readonly jobName: pulumi.Input<string>;
  /** The job's `properties` (jobType Pipeline). */
  readonly properties: pulumi.Input<Record<string, unknown>>;
}

/** An Azure ML job with a name of our choosing; see the provider above for why it is not azure-native's Job. */
export class PipelineJob extends pulumi.dynamic.Resource {
  // `declare`: the base constructor sets these; a class field would reset them to undefined.
  declare public readonly jobName: pulumi.Output<string>;
  declare public readonly studioUrl: pulumi.Output<string>;

  constructor(name: string, args: PipelineJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, studioUrl: undefined }, opts, "phi3-foundry", "PipelineJob");
  }
}
