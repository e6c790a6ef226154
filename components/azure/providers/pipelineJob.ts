import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { cancelJob, JobAddress, JobSnapshot, PipelineJobProperties, putJob, readJob, TERMINAL_JOB_STATUSES } from "../rest/machineLearning";
import { diffInputs, diffResult } from "./dynamicDiff";
import { keepOutputs, readState } from "./dynamicState";
import { armFor, AzureProvider, keepStackConfig } from "./providerSupport";

/**
 * Statuses of a job that will never produce a model: Azure keeps the name, so it cannot be submitted again.
 * CancelRequested ("Cancellation has been requested for the job", JobStatus in mfe.json) only ever leads to Canceled.
 * (NotResponding is not among them: the JobStatus enum of mfe.json lets a job go back from it to an earlier status.)
 */
export const UNSUCCESSFUL_JOB_STATUSES = ["Failed", "Canceled", "CancelRequested"];

/** "ended Failed", or for a cancel still under way "is being canceled (CancelRequested)". */
export function howJobEnded(status: string): string {
  return status === "CancelRequested" ? `is being canceled (${status})` : `ended ${status}`;
}

export interface PipelineJobInputs extends JobAddress {
  /** The job's `properties` as the jobs API takes them. */
  readonly properties: PipelineJobProperties;
  /**
   * The stack's tags, added to the job's own `tags` when it is submitted: they mark it as the stack's, so that destroy
   * cancels it even when a retried `up` adopted it. Not part of the job's name.
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface PipelineJobOutputs extends PipelineJobInputs {
  readonly status: string;
  readonly studioUrl: string;
  /** Whether this resource submitted the job (true) or found it already there (false). */
  readonly submitted: boolean;
}

/**
 * A job's name from the complete request Azure receives and the user's re-run counter: the same request keeps its
 * job, any change (settings, data, model, compute, identity, node) is a new job. Never a timestamp: that would
 * re-train on every `pulumi up`.
 */
export function pipelineJobName(prefix: string, properties: PipelineJobProperties, run: string): string {
  const canonical = JSON.stringify(sortKeys({ properties, run }));
  return `${prefix}-${createHash("sha256").update(canonical).digest("hex").slice(0, 16)}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** The error for a job of this name that ended without a model: what happened, where to look, how to run again. */
export function unsuccessfulJobError(job: JobAddress, status: string, studioUrl: string | undefined, rerunKey: string | undefined): Error {
  return new Error(
    `fine-tuning job ${job.jobName} already exists in workspace ${job.workspaceName} and ${howJobEnded(status)}; Azure keeps a ` +
      `job's name, so it is not submitted again.${studioUrl ? ` See why at ${studioUrl}.` : ""} To run it again, bump ` +
      `${rerunKey} (for example \`pulumi config set ${rerunKey} 2\`) and run \`pulumi up\`.`,
  );
}

/** Whether a job carries every one of the stack's tags (and there are some). */
export function carriesTags(job: JobSnapshot, tags: Readonly<Record<string, string>> | undefined): boolean {
  const wanted = Object.entries(tags ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => job.tags?.[key] === value);
}

/** Keys that name the job in Azure: a change is a different job. */
const IDENTITY_KEYS = ["subscriptionId", "resourceGroupName", "workspaceName", "jobName"];
const OUTPUT_ONLY: (keyof PipelineJobOutputs)[] = ["status", "studioUrl", "submitted"];

/** What Azure reports of a job now, for a job provider's `read`; undefined when Azure has no such job. */
export async function liveJob(provider: AzureProvider, props: JobAddress & { readonly studioUrl: string }): Promise<{ status: string; studioUrl: string } | undefined> {
  const job = await readJob(await armFor(provider), props);
  return job && { status: job.status, studioUrl: job.studioUrl ?? props.studioUrl };
}

/**
 * The job's provider. Create submits the job, or adopts a job of the same name that is running or completed (a
 * retried `pulumi up`); it never adopts a failed or cancelled one. A job cannot change: a change of request is a
 * new name and so a replacement; new provider code alone is an update. Delete cancels the job while it is still
 * running if this resource submitted it or it carries the stack's tags (a job submitted by an `up` that was interrupted
 * before it could record it, then adopted), so that `pulumi destroy` leaves no GPU busy.
 */
export const pipelineJobProvider: pulumi.dynamic.ResourceProvider<PipelineJobInputs, PipelineJobOutputs> & AzureProvider & RerunHint = {
  async configure(req) {
    await keepStackConfig(this, req);
  },
  async create(inputs) {
    const arm = await armFor(this);
    const existing = await readJob(arm, inputs);
    if (existing && UNSUCCESSFUL_JOB_STATUSES.includes(existing.status)) throw unsuccessfulJobError(inputs, existing.status, existing.studioUrl, this.rerunKey);
    const tagged = inputs.tags ? { ...inputs.properties, tags: { ...inputs.properties.tags, ...inputs.tags } } : inputs.properties;
    const job = existing ?? (await putJob(arm, inputs, tagged));
    return { id: inputs.jobName, outs: { ...inputs, status: job.status, studioUrl: job.studioUrl ?? "", submitted: !existing } };
  },
  async diff(_id, olds, news) {
    return diffResult(diffInputs(olds, news, OUTPUT_ONLY), IDENTITY_KEYS);
  },
  async update(_id, olds, news) {
    return { outs: keepOutputs(olds, news, OUTPUT_ONLY) };
  },
  async read(id, props) {
    return readState(id, props, props && (await liveJob(this, props)));
  },
  async delete(_id, olds) {
    if (!olds.submitted && Object.keys(olds.tags ?? {}).length === 0) return;
    const arm = await armFor(this);
    const job = await readJob(arm, olds);
    if (job && !TERMINAL_JOB_STATUSES.includes(job.status) && (olds.submitted || carriesTags(job, olds.tags))) await cancelJob(arm, olds);
  },
};

export interface PipelineJobArgs {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly workspaceName: pulumi.Input<string>;
  /** The job's name: derived from the request (see {@link pipelineJobName}), so an unchanged stack keeps its job. */
  readonly jobName: pulumi.Input<string>;
  /** The job's `properties` (jobType Pipeline). */
  readonly properties: pulumi.Input<PipelineJobProperties>;
  /** The stack's tags, which mark the job as the stack's (see {@link PipelineJobInputs.tags}). */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The config key a user bumps to run an unchanged job again, named when the job ended without a model. */
  readonly rerunKey: string;
}

/** What a job's providers say when a job ended without a model: the key that runs it again, set by the resource. */
export interface RerunHint {
  rerunKey?: string;
}
