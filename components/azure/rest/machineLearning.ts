/**
 * The Azure ML control-plane calls the stack makes itself, as plain ARM requests. Bodies are typed from the REST spec
 * Azure/azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
 * stable/2025-12-01/mfe.json (jobs, online endpoints) and machineLearningServices.json (usages, vmSizes).
 */
import type { ArmClient } from "./armClient";

/** The api-version azure-native 3.x pins for machinelearningservices; the stack's own calls use the same. */
export const ML_API_VERSION = "2025-12-01";

/** Where a workspace is. */
/** Where an Azure ML workspace (or a Foundry hub or project) is. */
export interface WorkspaceAddress {
  /** Its subscription. */
  readonly subscriptionId: string;
  /** Its resource group. */
  readonly resourceGroupName: string;
  /** Its name. */
  readonly workspaceName: string;
}

export interface JobAddress extends WorkspaceAddress {
  readonly jobName: string;
}

export interface EndpointAddress extends WorkspaceAddress {
  readonly endpointName: string;
}

export function workspacePath(w: WorkspaceAddress): string {
  return `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${w.workspaceName}`;
}

export const jobPath = (job: JobAddress) => `${workspacePath(job)}/jobs/${job.jobName}`;
export const endpointPath = (endpoint: EndpointAddress) => `${workspacePath(endpoint)}/onlineEndpoints/${endpoint.endpointName}`;

/** JobInput, by `jobInputType` (mfe.json LiteralJobInput, UriFileJobInput, MLFlowModelJobInput). */
export type JobInput =
  | { readonly jobInputType: "literal"; readonly value: string; readonly description?: string }
  | { readonly jobInputType: "uri_file"; readonly uri: string; readonly mode?: "ReadOnlyMount" | "Download" | "Direct" }
  | { readonly jobInputType: "mlflow_model"; readonly uri: string; readonly mode?: "ReadOnlyMount" | "Download" | "Direct" };

/** MLFlowModelJobOutput. */
export interface JobOutput {
  readonly jobOutputType: "mlflow_model";
  readonly mode?: "ReadWriteMount" | "Upload";
}

/** ManagedIdentity (IdentityConfiguration with `identityType: Managed`). */
export interface ManagedIdentity {
  readonly identityType: "Managed";
  readonly clientId?: string;
  readonly resourceId?: string;
}

/** PipelineJob's writable properties. `jobs` and `settings` are free-form objects in the spec. */
export interface PipelineJobProperties {
  readonly jobType: "Pipeline";
  readonly displayName?: string;
  readonly description?: string;
  readonly experimentName?: string;
  readonly computeId?: string;
  readonly identity?: ManagedIdentity;
  readonly inputs?: Readonly<Record<string, JobInput>>;
  readonly outputs?: Readonly<Record<string, JobOutput>>;
  readonly jobs?: Readonly<Record<string, unknown>>;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, string>>;
}

/** JobBaseResource as Azure returns it: the writable properties plus the read-only `status` and `services`. */
interface JobResource {
  readonly properties: PipelineJobProperties & {
    readonly status?: string;
    readonly services?: Record<string, { readonly endpoint?: string }>;
  };
}

/** A job as the stack sees it: its status (JobStatus), its page in Azure ML studio and its tags. */
export interface JobSnapshot {
  readonly status: string;
  readonly studioUrl?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** JobStatus values after which a job never runs again. */
export const TERMINAL_JOB_STATUSES = ["Completed", "Failed", "Canceled"];

export async function readJob(arm: ArmClient, job: JobAddress): Promise<JobSnapshot | undefined> {
  const found = await arm.get<JobResource>(jobPath(job), ML_API_VERSION);
  if (!found) return undefined;
  return { status: found.properties.status ?? "Unknown", studioUrl: found.properties.services?.Studio?.endpoint, tags: found.properties.tags };
}

/** Jobs - Create Or Update (PUT; 200 or 201, not long-running). */
export async function putJob(arm: ArmClient, job: JobAddress, properties: PipelineJobProperties): Promise<JobSnapshot> {
  const created = await arm.put<JobResource>(jobPath(job), ML_API_VERSION, { properties });
  return { status: created.properties?.status ?? "NotStarted", studioUrl: created.properties?.services?.Studio?.endpoint };
}

/** Jobs - Cancel (POST `.../cancel`; 202 with a Location to poll). */
export async function cancelJob(arm: ArmClient, job: JobAddress): Promise<void> {
  await arm.post(`${jobPath(job)}/cancel`, ML_API_VERSION);
}

/** OnlineEndpoint's writable properties (OnlineEndpointProperties without provisioningState, scoringUri, swaggerUri). */
export interface OnlineEndpointProperties {
  readonly authMode: "AMLToken" | "Key" | "AADToken";
  readonly description?: string;
  readonly compute?: string;
  readonly publicNetworkAccess?: "Enabled" | "Disabled";
  readonly properties?: Readonly<Record<string, string>>;
  readonly traffic?: Readonly<Record<string, number>>;
  readonly mirrorTraffic?: Readonly<Record<string, number>>;
}

/** OnlineEndpointTrackedResource's writable members (no id, name, type or systemData). */
export interface OnlineEndpointBody {
  readonly location: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly identity?: { readonly type: string; readonly userAssignedIdentities?: Readonly<Record<string, object>> };
  readonly kind?: string;
  readonly sku?: Readonly<Record<string, unknown>>;
  readonly properties: OnlineEndpointProperties;
}

const WRITABLE_ENDPOINT_PROPERTIES = ["authMode", "description", "compute", "publicNetworkAccess", "properties", "traffic", "mirrorTraffic"] as const;

/**
 * The body that PUTs an endpoint back as it is but for `traffic`: only what the spec lets a client write, so none of
 * Azure's read-only fields (provisioningState, scoringUri, swaggerUri, systemData, the identities' principal ids) go back.
 */
export function endpointBodyWithTraffic(found: Record<string, any>, traffic: Record<string, number>): OnlineEndpointBody {
  const properties: Record<string, unknown> = {};
  for (const key of WRITABLE_ENDPOINT_PROPERTIES) if (found.properties?.[key] !== undefined) properties[key] = found.properties[key];
  const identity = found.identity
    ? {
        type: found.identity.type,
        ...(found.identity.userAssignedIdentities
          ? { userAssignedIdentities: Object.fromEntries(Object.keys(found.identity.userAssignedIdentities).map((id) => [id, {}])) }
          : {}),
      }
    : undefined;
  return {
    location: found.location,
    ...(found.tags ? { tags: found.tags } : {}),
    ...(identity ? { identity } : {}),
    ...(found.kind ? { kind: found.kind } : {}),
    ...(found.sku ? { sku: found.sku } : {}),
    properties: { ...(properties as unknown as OnlineEndpointProperties), traffic },
  };
}

/** The endpoint's live traffic, or undefined when there is no such endpoint. */
export async function readTraffic(arm: ArmClient, endpoint: EndpointAddress): Promise<Record<string, number> | undefined> {
  const found = await arm.get<{ properties?: { traffic?: Record<string, number> } }>(endpointPath(endpoint), ML_API_VERSION);
  return found ? (found.properties?.traffic ?? {}) : undefined;
}

/** Online Endpoints - Get, then Create Or Update (long-running, final state via the original URI) with `properties.traffic` replaced. */
export async function setTraffic(arm: ArmClient, endpoint: EndpointAddress, traffic: Record<string, number>): Promise<boolean> {
  const found = await arm.get<Record<string, any>>(endpointPath(endpoint), ML_API_VERSION);
  if (!found) return false;
  await arm.putAndWait(endpointPath(endpoint), ML_API_VERSION, endpointBodyWithTraffic(found, traffic));
  return true;
}
