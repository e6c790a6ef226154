/**
 * What `pfazure flow create` (promptflow-azure, operations/_flow_operations.py) asks of Azure, as plain requests: the
 * workspace's discovery URL and id (ARM), the file share behind its `workspaceworkingdirectory` datastore (ARM; no
 * account key is listed: the files go up with the deployer's token), and Prompt flow's flow service (the `Flows` API
 * of promptflow-azure's generated REST client, _restclient/flow and _restclient/swagger.json), which takes an ARM
 * token and no api-version.
 */
import type { TokenCredential } from "@azure/core-auth";
import type * as CoreClient from "@azure-rest/core-client";
import type { Client, PathUncheckedResponse, RequestParameters } from "@azure-rest/core-client";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { armError, ArmClient, timedOut } from "./armClient";
import type { AzureLimits } from "./azureLimits";
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
  /** `https://<region>.api.azureml.ms/discovery`: the flow service lives under its origin. A writable property. */
  readonly discoveryUrl: string;
  /** The workspace's GUID, which the flow service takes as `experimentId`. */
  readonly workspaceId: string;
  /** Its region, e.g. `eastus2`. */
  readonly location?: string;
}

/** Reads the workspace's discovery URL, id and region; undefined when the workspace is gone. */
export async function readFlowWorkspace(arm: ArmClient, ws: WorkspaceAddress): Promise<FlowWorkspace | undefined> {
  const workspace = await arm.get<{ location?: string; properties?: { discoveryUrl?: string; workspaceId?: string } }>(workspacePath(ws), ML_API_VERSION);
  if (!workspace) return undefined;
  const { discoveryUrl, workspaceId } = workspace.properties ?? {};
  if (!discoveryUrl || !workspaceId) throw new Error(`workspace ${ws.workspaceName} reports no discoveryUrl or workspaceId`);
  return { discoveryUrl, workspaceId, location: workspace.location };
}

/**
 * The flow service's origin: the Azure ML API host of the workspace's region in the cloud in use
 * (`https://<region>.api.azureml.ms`, `.api.ml.azure.us`, `.api.ml.azure.cn`), or, for a cloud from a metadata host,
 * that cloud's resource manager host. The workspace's discoveryUrl, which anyone who may write the workspace can
 * change, must be at that host: an ARM token is never sent anywhere else. FlowServiceCaller takes the discovery URL's
 * origin; this takes it only when it is the expected one.
 */
export function flowServiceOrigin(cloud: AzureCloud, workspace: FlowWorkspace, workspaceName: string): string {
  let expected: string;
  let what: string;
  if (cloud.machineLearningApiDomain) {
    const region = (workspace.location ?? "").toLowerCase().replace(/\s+/g, "");
    if (!/^[a-z0-9]+$/.test(region)) throw new Error(`workspace ${workspaceName} reports no region ('${workspace.location ?? ""}'), which names its flow service's host`);
    expected = `${region}.${cloud.machineLearningApiDomain}`;
    what = `the Azure ML API host of region ${region} in cloud ${cloud.name}`;
  } else {
    expected = new URL(cloud.resourceManager).host;
    what = `the resource manager host of cloud ${cloud.name}, from its metadata`;
  }
  let found: URL | undefined;
  try {
    found = new URL(workspace.discoveryUrl);
  } catch {
    // named below as it is
  }
  if (found?.protocol === "https:" && found.host.toLowerCase() === expected) return `https://${expected}`;
  throw new Error(
    `workspace ${workspaceName}'s discoveryUrl ${workspace.discoveryUrl} is at ${found?.host || "no host"}, not ${expected} (${what}); ` +
      `the flow service is called only there, and nothing was sent to ${found?.host || workspace.discoveryUrl}.`,
  );
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

/** FlowDto (swagger.json), the parts used here; the list answers FlowBaseDto, the same without studioPortalEndpoint. */
export interface FlowDto {
  readonly flowId: string;
  readonly flowName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly flowType?: string;
  readonly flowResourceId?: string;
  readonly flowDefinitionFilePath?: string;
  readonly studioPortalEndpoint?: string;
  readonly isArchived?: boolean;
}

/** Connection errors at which a request has not left this machine: no address (DNS), or the connection refused. */
const NOT_SENT_CODES = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"];

const MAY_EXIST = "not sent again: the flow may have been created; the next `pulumi up` adopts it (it carries the stack's tags)";

/**
 * CreateFlow (the client's only POST) is sent again only when it never left this machine (DNS failed, or the connection
 * was refused): once sent, a second one would make a second flow. pfazure's caller keeps POSTs from its retries for the
 * same reason (_restclient/flow_service_caller.py: "stop retry 500 since it will cause 409 for run creation scenario").
 * A 408, 429 or 5xx answer, or a connection lost after sending, throws here, below the retry policy, which ends the
 * retries (the policy retries only the SDK's RestError). A timeout is an AbortError, which it never retries.
 */
const createSentOnce: PipelinePolicy = {
  name: "phi3CreateSentOnce",
  async sendRequest(request, next) {
    if (request.method !== "POST") return next(request);
    const path = new URL(request.url).pathname;
    let response;
    try {
      response = await next(request);
    } catch (err) {
      const { name, code, message } = err as { name?: string; code?: string; message?: string };
      if (name === "AbortError" || (name === "RestError" && NOT_SENT_CODES.includes(code ?? ""))) throw err;
      throw new Error(`POST ${path} failed after the request was sent (${code ?? name}: ${message}); ${MAY_EXIST}`);
    }
    if (response.status !== 408 && response.status !== 429 && response.status < 500) return response;
    let detail = response.bodyAsText?.slice(0, 300) || "no error message";
    let code = "Unknown";
    try {
      const error = (JSON.parse(response.bodyAsText ?? "") as { error?: { code?: string; message?: string } }).error;
      detail = error?.message ?? detail;
      code = error?.code ?? code;
    } catch {
      // not JSON: the text itself is the detail
    }
    throw armError("POST", path, response.status, code, `${detail} (${MAY_EXIST})`);
  },
};

/**
 * Prompt flow's flow service for one workspace: `<origin>/flow/api/subscriptions/.../workspaces/<ws>/Flows`,
 * with an ARM token (FlowServiceCaller's Authorization header: get_arm_token, the resource manager's scope).
 */
export class FlowServiceClient {
  private readonly client: Client;
  private readonly flows: string;

  /** Refuses, before any request, a workspace whose discoveryUrl is not at {@link flowServiceOrigin}. */
  constructor(
    cloud: AzureCloud,
    credential: TokenCredential,
    workspace: FlowWorkspace,
    ws: WorkspaceAddress,
    private readonly limits: AzureLimits,
  ) {
    const origin = flowServiceOrigin(cloud, workspace, ws.workspaceName);
    const { getClient } = require("@azure-rest/core-client") as typeof CoreClient;
    this.client = getClient(origin, credential, {
      credentials: { scopes: [armScope(cloud)] },
      userAgentOptions: { userAgentPrefix: "phi3-foundry" },
      retryOptions: { maxRetries: 4, maxRetryDelayInMs: 60_000 },
      additionalPolicies: [{ policy: createSentOnce, position: "perRetry" }],
    });
    this.flows = `/flow/api${workspacePath(ws)}/Flows`;
  }

  /** Flows_CreateFlow: POST .../Flows. */
  async create(body: CreateFlowRequest): Promise<FlowDto> {
    return this.bodyOf<FlowDto>("POST", this.flows, await this.send("POST", this.flows, { body, contentType: "application/json" }));
  }

  /** Flows_ListFlows: GET .../Flows?experimentId=<workspace id>&listViewType=ActiveOnly, the flows not archived (FlowBaseDto[]). */
  async list(experimentId: string): Promise<FlowDto[]> {
    const response = await this.send("GET", this.flows, { queryParameters: { experimentId, listViewType: "ActiveOnly" } });
    return this.bodyOf<FlowDto[]>("GET", this.flows, response) ?? [];
  }

  /** Flows_GetFlow: GET .../Flows/{flowId}?experimentId=<workspace id>; undefined when the service answers 404. */
  async get(flowId: string, experimentId: string): Promise<FlowDto | undefined> {
    const path = `${this.flows}/${encodeURIComponent(flowId)}`;
    const response = await this.send("GET", path, { queryParameters: { experimentId } });
    return response.status === "404" ? undefined : this.bodyOf<FlowDto>("GET", path, response);
  }

  /** Flows_UpdateFlow: PUT .../Flows/{flowId}?experimentId=..., the body `pfazure flow update` sends. */
  async update(flowId: string, experimentId: string, body: UpdateFlowRequest): Promise<FlowDto> {
    const path = `${this.flows}/${encodeURIComponent(flowId)}`;
    return this.bodyOf<FlowDto>("PUT", path, await this.send("PUT", path, { queryParameters: { experimentId }, body, contentType: "application/json" }));
  }

  /**
   * Flows_PatchFlow with PatchFlowRequest `{flowPatchOperationType: "ArchiveFlow"}` (application/json-patch+json): the
   * flow API has no delete. False when the flow is gone already.
   */
  async archive(flowId: string, experimentId: string): Promise<boolean> {
    const path = `${this.flows}/${encodeURIComponent(flowId)}`;
    const body = { flowPatchOperationType: "ArchiveFlow" };
    const response = await this.send("PATCH", path, { queryParameters: { experimentId }, body, contentType: "application/json-patch+json" });
    if (response.status === "404") return false;
    this.bodyOf("PATCH", path, response);
    return true;
  }

  /** One request, which may take at most the configured time. */
  private async send(method: "GET" | "POST" | "PUT" | "PATCH", path: string, options: RequestParameters): Promise<PathUncheckedResponse> {
    const resource = this.client.pathUnchecked(path as "/");
    const verbs = { GET: resource.get, POST: resource.post, PUT: resource.put, PATCH: resource.patch };
    const timeout = this.limits.requestTimeoutMs;
    try {
      return await verbs[method]({ ...options, timeout });
    } catch (err) {
      throw timedOut(err, method, path, timeout);
    }
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

