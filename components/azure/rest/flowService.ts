/**
 * What `pfazure flow create` (promptflow-azure, operations/_flow_operations.py) asks of Azure, as plain requests: the
 * workspace's discovery URL and id (ARM), the file share behind its `workspaceworkingdirectory` datastore (ARM; no
 * account key is listed: the files go up with the deployer's token), and Prompt flow's flow service (the `Flows` API
 * of promptflow-azure's generated REST client, _restclient/flow and _restclient/swagger.json), which takes an ARM
 * token and no api-version.
 */
import type { TokenCredential } from "@azure/core-auth";
import type * as CoreClient from "@azure-rest/core-client";
import type { Client, PathUncheckedResponse } from "@azure-rest/core-client";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { armError, ArmClient } from "./armClient";
import type { AzureCloud } from "./cloud";
import type { FileShareAddress } from "./azureFiles";
import { ML_API_VERSION, WorkspaceAddress, workspacePath } from "./machineLearning";

/** The datastore pfazure uploads flows to, "the storage used by notebook" (promptflow-azure _constants/_flow.py DEFAULT_STORAGE). */
export const FLOW_DATASTORE = "workspaceworkingdirectory";
/** The folder under each user's folder that holds their flows (_constants/_flow.py PROMPTFLOW_FILE_SHARE_DIR). */
export const FLOW_SHARE_DIR = "promptflow";
/** The flow definition file in a flow's folder (promptflow _constants FLOW_DAG_YAML). */
export const FLOW_DAG_YAML = "flow.dag.yaml";

/** The parts of a workspace (machineLearningServices.json Workspace, 2025-12-01) the flow service needs. */
export interface FlowWorkspace {
  /** `https://<region>.api.azureml.ms/discovery`: the flow service lives under its origin. */
  readonly discoveryUrl: string;
  /** The workspace's GUID, which the flow service takes as `experimentId`. */
  readonly workspaceId: string;
}

/** Reads the workspace's discovery URL and id; undefined when the workspace is gone. */
export async function readFlowWorkspace(arm: ArmClient, ws: WorkspaceAddress): Promise<FlowWorkspace | undefined> {
  const workspace = await arm.get<{ properties?: { discoveryUrl?: string; workspaceId?: string } }>(workspacePath(ws), ML_API_VERSION);
  if (!workspace) return undefined;
  const { discoveryUrl, workspaceId } = workspace.properties ?? {};
  if (!discoveryUrl || !workspaceId) throw new Error(`workspace ${ws.workspaceName} reports no discoveryUrl or workspaceId`);
  return { discoveryUrl, workspaceId };
}

/** The flow service's base URL: the discovery URL up to `discovery`, as FlowServiceCaller derives it. */
export function flowServiceUrl(discoveryUrl: string): string {
  return discoveryUrl.split("discovery")[0];
}

/** An AzureFileDatastore (mfe.json, 2025-12-01), the parts used here. */
interface FileDatastore {
  readonly properties: {
    readonly datastoreType: string;
    readonly accountName?: string;
    readonly fileShareName?: string;
    /** The storage suffix the datastore was made with (`core.windows.net`). */
    readonly endpoint?: string;
  };
}

/**
 * The file share behind the workspace's `workspaceworkingdirectory` datastore (Datastores - Get), as promptflow-azure's
 * get_datastore_info finds it, addressed by its account and the cloud's storage suffix. Its credentials are not read:
 * the files are written with the deployer's Entra ID token (see AzureFilesClient), so no account key is listed.
 */
export async function flowFileShare(arm: ArmClient, ws: WorkspaceAddress, cloud: AzureCloud): Promise<FileShareAddress> {
  const path = `${workspacePath(ws)}/datastores/${FLOW_DATASTORE}`;
  const datastore = await arm.get<FileDatastore>(path, ML_API_VERSION);
  if (!datastore) throw new Error(`workspace ${ws.workspaceName} has no ${FLOW_DATASTORE} datastore`);
  const { datastoreType, accountName, fileShareName, endpoint } = datastore.properties;
  if (datastoreType !== "AzureFile" || !accountName || !fileShareName) {
    throw new Error(`datastore ${FLOW_DATASTORE} of workspace ${ws.workspaceName} is ${datastoreType}, not an Azure file share`);
  }
  const storageSuffix = cloud.storageSuffix ?? endpoint;
  if (!storageSuffix) throw new Error(`cloud ${cloud.name} publishes no storage suffix (metadata suffixes.storage) and datastore ${FLOW_DATASTORE} names none`);
  return { accountName, shareName: fileShareName, storageSuffix };
}

/**
 * The folder name under `Users/` that pfazure puts a user's flows in: the token's `upn` (or `email`) before the `@`,
 * else its `oid` (a service principal), else `unknown_user` (promptflow-azure _utils/general.py
 * get_user_alias_from_credential and FlowFileStorageClient).
 */
export function userAlias(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    const name = claims.upn ?? claims.email;
    if (typeof name === "string" && name.includes("@")) return name.split("@")[0];
    if (typeof claims.oid === "string" && claims.oid) return claims.oid;
  } catch {
    // not a JWT: as pfazure, fall through
  }
  return "unknown_user";
}

/** CreateFlowRequest (swagger.json), the fields pfazure sends. */
export interface CreateFlowRequest {
  readonly flowName: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** The flow.dag.yaml's path in the file share, `Users/<alias>/promptflow/<folder>/flow.dag.yaml`. */
  readonly flowDefinitionFilePath: string;
  /** CLIENT_FLOW_TYPE_2_SERVICE_FLOW_TYPE (promptflow _sdk/_constants.py): default, evaluation or chat. */
  readonly flowType: "default" | "evaluation" | "chat";
}

/** UpdateFlowRequest, the fields `pfazure flow update` sends: a flow's display name, description and tags. */
export interface UpdateFlowRequest {
  readonly flowName?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** FlowDto (swagger.json), the parts used here. */
export interface FlowDto {
  readonly flowId: string;
  readonly flowName?: string;
  readonly flowType?: string;
  readonly flowResourceId?: string;
  readonly flowDefinitionFilePath?: string;
  readonly studioPortalEndpoint?: string;
  readonly isArchived?: boolean;
}

/**
 * A POST the flow service answers with 500 is not sent again: the flow may exist already, and a second CreateFlow would
 * make a second one. pfazure's caller retries POSTs but takes 500 off its retry list for the same reason
 * (_restclient/flow_service_caller.py: "stop retry 500 since it will cause 409 for run creation scenario"). Throwing
 * here, below the retry policy, ends the retries; 408, 429 and the other 5xx are retried as before.
 */
const noRetryOfPostOn500: PipelinePolicy = {
  name: "phi3NoRetryOfPostOn500",
  async sendRequest(request, next) {
    const response = await next(request);
    if (request.method !== "POST" || response.status !== 500) return response;
    let detail = response.bodyAsText?.slice(0, 300) || "no error message";
    let code = "Unknown";
    try {
      const error = (JSON.parse(response.bodyAsText ?? "") as { error?: { code?: string; message?: string } }).error;
      detail = error?.message ?? detail;
      code = error?.code ?? code;
    } catch {
      // not JSON: the text itself is the detail
    }
    const path = new URL(request.url).pathname;
    throw armError("POST", path, 500, code, `${detail} (not sent again: the flow may have been created; look in the project's Prompt flow list before the next \`pulumi up\`)`);
  },
};

/**
 * Prompt flow's flow service for one workspace: `<discovery origin>/flow/api/subscriptions/.../workspaces/<ws>/Flows`,
 * with an ARM token (FlowServiceCaller's Authorization header: get_arm_token, the resource manager's scope).
 */
export class FlowServiceClient {
  private readonly client: Client;
  private readonly flows: string;

  constructor(cloud: AzureCloud, credential: TokenCredential, discoveryUrl: string, ws: WorkspaceAddress) {
    const { getClient } = require("@azure-rest/core-client") as typeof CoreClient;
    this.client = getClient(flowServiceUrl(discoveryUrl), credential, {
      credentials: { scopes: [armScope(cloud)] },
      userAgentOptions: { userAgentPrefix: "phi3-foundry" },
      retryOptions: { maxRetries: 4, maxRetryDelayInMs: 60_000 },
      additionalPolicies: [{ policy: noRetryOfPostOn500, position: "perRetry" }],
    });
    this.flows = `/flow/api${workspacePath(ws)}/Flows`;
  }

  /** Flows_CreateFlow: POST .../Flows. */
  async create(body: CreateFlowRequest): Promise<FlowDto> {
    const response = await this.client.pathUnchecked(this.flows as "/").post({ body, contentType: "application/json" });
    return this.bodyOf<FlowDto>("POST", this.flows, response);
  }

  /** Flows_GetFlow: GET .../Flows/{flowId}?experimentId=<workspace id>; undefined when the service answers 404. */
  async get(flowId: string, experimentId: string): Promise<FlowDto | undefined> {
    const path = `${this.flows}/${encodeURIComponent(flowId)}`;
    const response = await this.client.pathUnchecked(path as "/").get({ queryParameters: { experimentId } });
    return response.status === "404" ? undefined : this.bodyOf<FlowDto>("GET", path, response);
  }

  /** Flows_UpdateFlow: PUT .../Flows/{flowId}?experimentId=..., the body `pfazure flow update` sends. */
  async update(flowId: string, experimentId: string, body: UpdateFlowRequest): Promise<FlowDto> {
    const path = `${this.flows}/${encodeURIComponent(flowId)}`;
    const response = await this.client.pathUnchecked(path as "/").put({ queryParameters: { experimentId }, body, contentType: "application/json" });
    return this.bodyOf<FlowDto>("PUT", path, response);
  }

  /**
   * Flows_PatchFlow with PatchFlowRequest `{flowPatchOperationType: "ArchiveFlow"}` (application/json-patch+json): the
   * flow API has no delete. False when the flow is gone already.
   */
  async archive(flowId: string, experimentId: string): Promise<boolean> {
    const path = `${this.flows}/${encodeURIComponent(flowId)}`;
    const response = await this.client
      .pathUnchecked(path as "/")
      .patch({ queryParameters: { experimentId }, body: { flowPatchOperationType: "ArchiveFlow" }, contentType: "application/json-patch+json" });
    if (response.status === "404") return false;
    this.bodyOf("PATCH", path, response);
    return true;
  }

  private bodyOf<T>(method: string, path: string, response: PathUncheckedResponse): T {
    if (/^2/.test(response.status)) return response.body as T;
    // The flow service's ErrorResponse is ARM's shape: {"error": {"code", "message"}}.
    const error = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const detail = error?.message ?? (typeof response.body === "string" ? response.body.slice(0, 300) : "no error message");
    throw armError(method, path, Number(response.status), error?.code ?? "Unknown", detail);
  }
}

/** The scope of the ARM token the flow service takes: the resource manager's URL without its slash, `/.default` (azure-ai-ml _get_base_url_from_metadata). */
export function armScope(cloud: AzureCloud): string {
  return `${cloud.resourceManager.replace(/\/+$/, "")}/.default`;
}

