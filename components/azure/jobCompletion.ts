import * as pulumi from "@pulumi/pulumi";
import { JobAddress, JobSnapshot, mlClient, readJob } from "./mlClient";

/** Statuses after which a job never runs again. */
export const SUCCEEDED = "Completed";
export const FAILED_STATUSES = ["Failed", "Canceled"];

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Told each status seen, for progress. */
  readonly onStatus?: (snapshot: JobSnapshot) => void;
}

/** Polls `read` until the job completes; throws with the job's status and studio URL when it fails or time runs out. */
export async function waitForJob(jobName: string, read: () => Promise<JobSnapshot>, options: WaitOptions): Promise<JobSnapshot> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const snapshot = await read();
    options.onStatus?.(snapshot);
    const where = snapshot.studioUrl ? ` See ${snapshot.studioUrl}` : "";
    if (snapshot.status === SUCCEEDED) return snapshot;
    if (FAILED_STATUSES.includes(snapshot.status)) {
      throw new Error(`fine-tuning job ${jobName} ended ${snapshot.status}; no model was registered.${where}`);
    }
    if (now() + options.pollMs > deadline) {
      throw new Error(
        `fine-tuning job ${jobName} is still ${snapshot.status} after ${Math.round(options.timeoutMs / 60000)} minutes. ` +
          `It keeps running in Azure; run \`pulumi up\` again to wait for it, or raise fineTuneTimeoutMinutes.${where}`,
      );
    }
    await sleep(options.pollMs);
  }
}

export interface JobCompletionInputs extends JobAddress {
  readonly timeoutMinutes: number;
}

/** Reads a job's status with the official SDK; a job that does not exist is an error. */
function azureJobReader(inputs: JobCompletionInputs): () => Promise<JobSnapshot> {
  const client = mlClient(inputs.subscriptionId);
  return async () => {
    const job = await readJob(client, inputs);
    if (!job) throw new Error(`no job ${inputs.jobName} in workspace ${inputs.workspaceName}`);
    return job;
  };
}

/** The gate's provider: `create` waits for the job; nothing is created in Azure, so delete does nothing. */
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: JobCompletionInputs) {
    const done = await waitForJob(inputs.jobName, azureJobReader(inputs), {
      timeoutMs: inputs.timeoutMinutes * 60_000,
      pollMs: 60_000,
    });
    return { id: inputs.jobName, outs: { ...inputs, status: done.status, studioUrl: done.studioUrl ?? "" } };
  },
  async diff(_id: string, olds: JobCompletionInputs, news: JobCompletionInputs) {
    const replace = olds.jobName !== news.jobName || olds.workspaceName !== news.workspaceName;
    return { changes: replace || olds.timeoutMinutes !== news.timeoutMinutes, replaces: replace ? ["jobName"] : [] };
  },
  async update(_id: string, olds: JobCompletionInputs & { status: string; studioUrl: string }, news: JobCompletionInputs) {
    return { outs: { ...news, status: olds.status, studioUrl: olds.studioUrl } };
  },
};

export interface JobCompletionArgs {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly workspaceName: pulumi.Input<string>;
  /** The job to wait for. */
  readonly jobName: pulumi.Input<string>;
  /** How long to wait before failing the update (the job keeps running). */
  readonly timeoutMinutes: pulumi.Input<number>;
}

/**
 * A gate between a job and what needs its output: created only once the job has completed. It does not wait during
 * preview (Pulumi does not create resources then), and fails with the job's status and studio URL when the job fails.
 */
export class JobCompletion extends pulumi.dynamic.Resource {
  // `declare`: the base constructor sets these; a class field would reset them to undefined.
  declare public readonly jobName: pulumi.Output<string>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly studioUrl: pulumi.Output<string>;

  constructor(name: string, args: JobCompletionArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, status: undefined, studioUrl: undefined }, opts, "phi3-foundry", "JobCompletion");
  }
}
