import type * as pulumi from "@pulumi/pulumi";
import { JobAddress, JobSnapshot, readJob } from "../rest/machineLearning";
import { howJobEnded, liveJob, RerunHint, UNSUCCESSFUL_JOB_STATUSES } from "./pipelineJob";
import { diffInputs, diffResult } from "./dynamicDiff";
import { keepOutputs, readState } from "./dynamicState";
import { armFor, AzureProvider, keepStackConfig } from "./providerSupport";

export const SUCCEEDED = "Completed";

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Told each status seen, for progress. */
  readonly onStatus?: (snapshot: JobSnapshot) => void;
  /** The config key a user bumps to run the job again, named when it ends without a model. */
  readonly rerunKey?: string;
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
    if (UNSUCCESSFUL_JOB_STATUSES.includes(snapshot.status)) {
      throw new Error(`fine-tuning job ${jobName} ${howJobEnded(snapshot.status)}; no model was registered.${where} To run it again, bump ${options.rerunKey}.`);
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
  /** Seconds between status reads; 60 by default. */
  readonly pollSeconds?: number;
}

export interface JobCompletionOutputs extends JobCompletionInputs {
  readonly status: string;
  readonly studioUrl: string;
}

const OUTPUT_ONLY: (keyof JobCompletionOutputs)[] = ["status", "studioUrl"];

/**
 * The gate's provider: `create` waits for the job; nothing is created in Azure, so delete does nothing. `read` reports
 * the job's status as Azure has it now, so `pulumi refresh` shows a job cancelled or failed since.
 */
export const jobCompletionProvider: pulumi.dynamic.ResourceProvider<JobCompletionInputs, JobCompletionOutputs> & AzureProvider & RerunHint = {
  async configure(req) {
    await keepStackConfig(this, req);
  },
  async create(inputs) {
    const arm = await armFor(this);
    const done = await waitForJob(
      inputs.jobName,
      async () => {
        const job = await readJob(arm, inputs);
        if (!job) throw new Error(`no job ${inputs.jobName} in workspace ${inputs.workspaceName}`);
        return job;
      },
      { timeoutMs: inputs.timeoutMinutes * 60_000, pollMs: (inputs.pollSeconds ?? 60) * 1000, rerunKey: this.rerunKey },
    );
    return { id: inputs.jobName, outs: { ...inputs, status: done.status, studioUrl: done.studioUrl ?? "" } };
  },
  async diff(_id, olds, news) {
    return diffResult(diffInputs(olds, news, OUTPUT_ONLY), ["subscriptionId", "resourceGroupName", "workspaceName", "jobName"]);
  },
  async update(_id, olds, news) {
    return { outs: keepOutputs(olds, news, OUTPUT_ONLY) };
  },
  async read(id, props) {
    return readState(id, props, props && (await liveJob(this, props)));
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
  /** The config key a user bumps to run the job again, named when it ends without a model. */
  readonly rerunKey: string;
}
