import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { pulumiAzureCredential } from "./credential";

/** The official Azure ML management client, with the credentials `pulumi up` uses. */
export function mlClient(subscriptionId: string): AzureMachineLearningWorkspaces {
  return new AzureMachineLearningWorkspaces(pulumiAzureCredential(), subscriptionId);
}

/** Where a job lives. */
export interface JobAddress {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly workspaceName: string;
  readonly jobName: string;
}

/** The status of a job (JobStatus of the jobs API) and its page in Azure ML studio. */
export interface JobSnapshot {
  readonly status: string;
  readonly studioUrl?: string;
}

/** Reads a job's status, or undefined when there is no such job. */
export async function readJob(client: AzureMachineLearningWorkspaces, job: JobAddress): Promise<JobSnapshot | undefined> {
  try {
    const found = await client.jobs.get(job.resourceGroupName, job.workspaceName, job.jobName);
    const properties = found.properties as { status?: string; services?: Record<string, { endpoint?: string }> };
    return { status: properties.status ?? "Unknown", studioUrl: properties.services?.Studio?.endpoint };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
