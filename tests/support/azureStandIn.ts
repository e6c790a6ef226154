/**
 * A local stand-in of Azure at the HTTP boundary: HTTPS on 127.0.0.1 with a self-signed certificate made here, playing
 * the cloud metadata endpoint, Entra ID's token endpoint and the ARM routes the program calls itself. It records
 * every request and answers as Azure does (ARM error bodies, Azure-AsyncOperation and Location headers, 429 with
 * Retry-After). Clients reach it the way a user points them at another cloud: `azure-native:metadataHost` (or
 * `ARM_METADATA_HOSTNAME`), and trust it the way Node trusts any private CA: `NODE_EXTRA_CA_CERTS`.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { sharedPerRun } from "./sharedPerRun";

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, a form as a record, or undefined. */
  readonly body: unknown;
}

/** A canned answer for the next request that matches (one use each). */
export interface Fault {
  readonly method?: string;
  readonly path: RegExp;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** No answer at all: the connection stays open, silent, until the client gives up or the stand-in closes. */
  readonly hang?: true;
}

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** A body sent as it is (Azure Files' XML errors) instead of as JSON. */
  readonly text?: string;
  /** Send nothing and leave the connection open. */
  readonly hang?: true;
  /** Drop the connection without an answer (the client sees a reset after it sent the request). */
  readonly reset?: true;
}

/** A job as the stand-in keeps it: the PUT body, with the status Azure would report. */
export interface StoredJob {
  body: { properties: Record<string, unknown> };
  status: string;
  /** Statuses the next reads report, one each, before `status` stays (a job that runs on in Azure). */
  upcoming?: string[];
}

/** What an async operation's status URL answers, poll after poll (ARM async operations: status and error). */
export interface OperationStep {
  readonly status: "InProgress" | "Succeeded" | "Failed" | "Canceled";
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * A project workspace as the flow route sees it: its GUID, and the file share behind its workspaceworkingdirectory
 * datastore (mfe.json AzureFileDatastore), with the principals that hold a role granting the file service's backup
 * semantics data actions on its storage account (Storage File Data Privileged Contributor).
 */
export interface FlowWorkspace {
  readonly workspaceId: string;
  readonly accountName: string;
  readonly shareName: string;
  /** Object ids allowed to read and write the share with a token; the stand-in's service principal by default. */
  readonly fileDataPrivileged: Set<string>;
  /** The workspace's discoveryUrl (a writable property), the stand-in's own `/discovery` unless set. */
  discoveryUrl?: string;
}

/** Another HTTPS host on 127.0.0.1 with the stand-in's certificate: it records what reaches it and answers 404. */
export interface ForeignHost {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  readonly requests: RecordedRequest[];
}

/** The audience of Azure Storage tokens (scope `https://storage.azure.com/.default`, the Storage SDKs' default). */
export const STORAGE_AUDIENCE = "https://storage.azure.com";
/** The first REST version that authorizes file data operations with Entra ID (Azure Files "OAuth over REST"). */
export const FILES_OAUTH_MIN_VERSION = "2022-11-02";

export const STAND_IN_TENANT = "72f988bf-0000-0000-0000-000000000001";
export const STAND_IN_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
/** The service principal the stand-in accepts, and its secret. */
export const STAND_IN_CLIENT = { id: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", secret: "s3cret-value", objectId: "0b1ec7a1-0000-4000-8000-00000000c11e" };

const ML = "/providers/Microsoft.MachineLearningServices";

/**
 * The stand-ins' certificate and key, for 127.0.0.1: one a run, shared by every test file (tests/support/sharedPerRun.ts),
 * since making one loads an X.509 library that took a fifth of a second in each file.
 */
async function standInCertificate(): Promise<{ private: string; cert: string }> {
  const text = await sharedPerRun("stand-in-certificate.json", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generate } = require("selfsigned") as typeof import("selfsigned");
    const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keyType: "ec",
      curve: "P-256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    return JSON.stringify({ private: pems.private, cert: pems.cert });
  });
  return JSON.parse(text);
}

/**
 * The environment of a process that talks to the stand-in as a user's would talk to Azure: it trusts the stand-in's
 * certificate and signs in as the stand-in's service principal through azure-native's ARM_* variables.
 */
export function standInEnvironment(standIn: { caFile: string }): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: standIn.caFile,
    ARM_CLIENT_ID: STAND_IN_CLIENT.id,
    ARM_CLIENT_SECRET: STAND_IN_CLIENT.secret,
    ARM_TENANT_ID: STAND_IN_TENANT,
    ARM_SUBSCRIPTION_ID: STAND_IN_SUBSCRIPTION,
  };
}

export class AzureStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly jobs = new Map<string, StoredJob>();
  readonly endpoints = new Map<string, Record<string, any>>();
  readonly faults: Fault[] = [];
  /** The steps of the next long-running operation the stand-in starts; it succeeds at once by default. */
  nextOperation: OperationStep[] = [{ status: "Succeeded" }];
  private readonly operations = new Map<string, OperationStep[]>();
  /** Regions (display names) where Microsoft.MachineLearningServices offers workspaces. */
  mlRegions = ["East US 2", "Sweden Central", "West Europe"];
  /** Azure ML VM sizes by region name. */
  vmSizes: Record<string, Array<Record<string, unknown>>> = {};
  /** Usage rows by region name, served two to a page. */
  usages: Record<string, Array<Record<string, unknown>>> = {};
  /** Regions whose usages list never ends: every page has a nextLink, to the same page again. */
  readonly endlessUsages = new Set<string>();
  private tokens = 0;
  /** Access tokens handed out, with their audience and the principal's object id. */
  private readonly issuedTokens = new Map<string, { audience: string; oid: string }>();
  /** Project workspaces whose flow route works, by workspace name (see {@link addFlowWorkspace}). */
  readonly flowWorkspaces = new Map<string, FlowWorkspace>();
  /** The file shares' directories and files, keyed `<account>/<share>/<path>`. */
  readonly shareDirectories = new Set<string>();
  readonly shareFiles = new Map<string, Buffer>();
  /** Prompt flows by id, as the flow service keeps them (FlowDto). */
  readonly flows = new Map<string, Record<string, any>>();
  /** Workspaces whose GET answers with an mlFlowTrackingUri naming this stand-in, by name. */
  readonly mlflowWorkspaces = new Set<string>();
  /** MLflow runs (MLflow REST API Run: info, data) by run id; a job's run id is its name. */
  readonly mlflowRuns = new Map<string, { info: Record<string, any>; data: Record<string, any> }>();
  /** Metric histories by run id and metric key, served two to a page. */
  readonly metricHistories = new Map<string, Record<string, { step: number; value: number }[]>>();
  /** Statuses the next CreateFlow requests answer with, one each, after creating the flow all the same (a lost answer). */
  readonly createFlowStatuses: Array<number | "reset"> = [];
  /** After answering the first request `after` matches, refuse connections for `ms` (see {@link refuseConnections}). */
  refusal?: { readonly after: (request: RecordedRequest) => boolean; readonly ms: number };
  private relisten?: NodeJS.Timeout;

  private readonly foreignServers: https.Server[] = [];

  private constructor(
    private readonly server: https.Server,
    readonly url: string,
    /** PEM file of the certificate, for NODE_EXTRA_CA_CERTS. */
    readonly caFile: string,
    private readonly dir: string,
    private readonly pems: { readonly private: string; readonly cert: string },
  ) {}

  static async start(): Promise<AzureStandIn> {
    const pems = await standInCertificate();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azure-stand-in-"));
    const caFile = path.join(dir, "ca.pem");
    fs.writeFileSync(caFile, pems.cert);
    let standIn: AzureStandIn | undefined;
    const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const raw = Buffer.concat(chunks);
        const answer = standIn!.handle(req.method ?? "GET", req.url ?? "/", req.headers, raw.toString("utf8"), raw);
        if (answer.hang) return;
        if (answer.reset) {
          req.socket.destroy();
          return;
        }
        const refusal = standIn!.refusal;
        const refusing = refusal?.after(standIn!.requests.at(-1)!) === true;
        if (refusing) {
          standIn!.refusal = undefined;
          // Stops listening before this answer leaves: the client's next connection cannot reach the accept queue
          // first, and no pooled connection is left for it to reuse.
          standIn!.refuseConnections(refusal!.ms);
          res.once("finish", () => server.closeAllConnections());
        }
        const text = answer.text ?? (answer.body === undefined ? "" : JSON.stringify(answer.body));
        const contentType = answer.text === undefined ? "application/json; charset=utf-8" : "application/xml";
        const closing = refusing ? { connection: "close" } : {};
        res.writeHead(answer.status, { "content-type": contentType, "x-ms-request-id": `req-${standIn!.requests.length}`, ...answer.headers, ...closing });
        res.end(text);
      });
    });
    server.keepAliveTimeout = 100;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new AzureStandIn(server, `https://127.0.0.1:${port}`, caFile, dir, pems);
    return standIn;
  }

  /**
   * A second host that clients trust as they trust the stand-in (same certificate), playing someone else's server that
   * a workspace property or a metadata answer might point at. Closed with the stand-in.
   */
  async foreignHost(): Promise<ForeignHost> {
    const requests: RecordedRequest[] = [];
    const server = https.createServer({ key: this.pems.private, cert: this.pems.cert }, (req, res) => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      requests.push({ method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: undefined });
      req.resume();
      req.on("end", () => {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "NotFound", message: "not Azure" } }));
      });
    });
    server.keepAliveTimeout = 100;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.foreignServers.push(server);
    const { port } = server.address() as AddressInfo;
    return { url: `https://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, requests };
  }

  /** `host:port` for `azure-native:metadataHost`. */
  get host(): string {
    return this.url.slice("https://".length);
  }

  /**
   * Stops listening for `ms`, then listens again on the same port: a client that connects meanwhile is refused
   * (ECONNREFUSED), before it has sent anything.
   */
  refuseConnections(ms: number): void {
    const { port } = this.server.address() as AddressInfo;
    this.server.close();
    this.server.closeIdleConnections();
    this.relisten = setTimeout(() => this.server.listen(port, "127.0.0.1"), ms);
  }

  async close(): Promise<void> {
    clearTimeout(this.relisten);
    for (const server of [this.server, ...this.foreignServers]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The ARM requests (token and metadata requests left out). */
  armRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith("/subscriptions/"));
  }

  private handle(method: string, rawUrl: string, headers: RecordedRequest["headers"], text: string, raw: Buffer): Answer {
    const url = new URL(rawUrl, this.url);
    const contentType = String(headers["content-type"] ?? "");
    const form = contentType.includes("x-www-form-urlencoded");
    const account = url.pathname.split("/")[1];
    const files = this.storageAccounts().has(account);
    // A file's bytes are recorded as text, whatever they look like.
    const body = text === "" ? undefined : form ? Object.fromEntries(new URLSearchParams(text)) : files || contentType.includes("octet-stream") ? text : safeJson(text);
    const request: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body };
    this.requests.push(request);

    const faultIndex = this.faults.findIndex((f) => (f.method ?? method) === method && f.path.test(url.pathname));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return { status: fault.status, headers: fault.headers, body: fault.body, hang: fault.hang };
    }
    if (url.pathname === "/metadata/endpoints") return { status: 200, body: this.metadata() };
    const tenantRoute = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/instance)$/.exec(url.pathname);
    if (tenantRoute) return this.identity(tenantRoute[1], tenantRoute[2], request);
    if (files) return this.fileService(method, url, request, raw);
    const flowRoute = /^\/flow\/api(\/subscriptions\/.*)$/.exec(url.pathname);
    const mlflowRoute = /^\/mlflow\/v2\.0\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/api\/2\.0\/mlflow\/(.+)$/.exec(url.pathname);
    if (mlflowRoute) {
      if (this.tokenAudience(headers.authorization) !== this.url) return { status: 401, body: { error_code: "UNAUTHENTICATED", message: "no valid token" } };
      return this.mlflow(method, mlflowRoute[1], mlflowRoute[2], url, request);
    }
    if (!url.pathname.startsWith("/subscriptions/") && !flowRoute) return armError(404, "NotFound", `no route ${url.pathname}`);
    if (this.tokenAudience(headers.authorization) !== this.url) {
      return armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or invalid.");
    }
    if (flowRoute) return this.flowService(method, flowRoute[1], url, request);
    if (!url.searchParams.get("api-version")) return armError(400, "MissingApiVersionParameter", "The api-version query parameter is required.");
    return this.arm(method, url, request);
  }

  /** Cloud metadata as Azure Stack and sovereign clouds publish it (`/metadata/endpoints`). */
  private metadata() {
    return {
      name: "AzureStandIn",
      resourceManager: `${this.url}/`,
      authentication: { loginEndpoint: `${this.url}/`, audiences: [`${this.url}/`], tenant: "common", identityProvider: "AAD" },
      // An IP host: the Storage SDKs address its accounts path-style, https://<host>/<account>/<share>.
      suffixes: { storage: this.host },
    };
  }

  /** Entra ID's OpenID configuration and client-credentials token endpoint (v2.0). */
  private identity(tenant: string, route: string, request: RecordedRequest): Answer {
    if (route.startsWith("v2.0")) {
      const base = `${this.url}/${tenant}`;
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          issuer: `${base}/v2.0`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          response_types_supported: ["code", "id_token", "token"],
        },
      };
    }
    if (route.startsWith("discovery")) return { status: 200, body: { tenant_discovery_endpoint: `${this.url}/${tenant}/v2.0/.well-known/openid-configuration`, metadata: [] } };
    const form = (request.body ?? {}) as Record<string, string>;
    const known = form.client_id === STAND_IN_CLIENT.id;
    const secretOk = form.client_secret === STAND_IN_CLIENT.secret;
    const assertionOk = form.client_assertion_type === "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" && !!form.client_assertion && !form.client_assertion.startsWith("bad");
    if (!known || !(secretOk || assertionOk) || tenant !== STAND_IN_TENANT) {
      return {
        status: 401,
        body: {
          error: "invalid_client",
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.client_id}'.`,
          error_codes: [7000215],
        },
      };
    }
    this.tokens += 1;
    // An access token shaped as Entra ID's: a JWT whose audience is the scope's resource and whose oid is the principal.
    const audience = String(form.scope ?? "").split(" ").find((s) => s.endsWith("/.default"))?.replace(/\/\.default$/, "") ?? "";
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const claims = { aud: audience, iss: `${this.url}/${tenant}/`, tid: tenant, oid: STAND_IN_CLIENT.objectId, appid: form.client_id, exp: 4102444800, n: this.tokens };
    const token = `${part({ typ: "JWT", alg: "RS256" })}.${part(claims)}.${Buffer.from(`stand-in-${this.tokens}`).toString("base64url")}`;
    this.issuedTokens.set(token, { audience, oid: STAND_IN_CLIENT.objectId });
    return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token } };
  }

  private arm(method: string, url: URL, request: RecordedRequest): Answer {
    const p = url.pathname;
    const sub = `/subscriptions/${STAND_IN_SUBSCRIPTION}`;
    if (!p.startsWith(sub)) return armError(404, "SubscriptionNotFound", `The subscription '${p.split("/")[2]}' could not be found.`);
    const rest = p.slice(sub.length);

    if (method === "GET" && rest === `/providers/Microsoft.MachineLearningServices`) {
      return { status: 200, body: { namespace: "Microsoft.MachineLearningServices", registrationState: "Registered", resourceTypes: [{ resourceType: "workspaces", locations: this.mlRegions }] } };
    }
    let m = new RegExp(`^${ML}/locations/([^/]+)/(vmSizes|usages)$`).exec(rest);
    if (m && method === "GET") {
      const [, location, kind] = m;
      if (kind === "vmSizes") return { status: 200, body: { value: this.vmSizes[location] ?? [] } };
      const rows = this.usages[location] ?? [];
      const skip = Number(url.searchParams.get("$skip") ?? 0);
      const nextSkip = this.endlessUsages.has(location) ? skip : skip + 2 < rows.length ? skip + 2 : undefined;
      const next = nextSkip === undefined ? undefined : `${this.url}${p}?api-version=${url.searchParams.get("api-version")}&$skip=${nextSkip}`;
      return { status: 200, body: { value: rows.slice(skip, skip + 2), ...(next ? { nextLink: next } : {}) } };
    }
    m = new RegExp(`^/resourceGroups/([^/]+)${ML}/workspaces/([^/]+)/(jobs|onlineEndpoints)/([^/]+)(/cancel)?$`).exec(rest);
    if (m) {
      const [, , , collection, name, action] = m;
      return collection === "jobs" ? this.job(method, name, action, request, url) : this.endpoint(method, name, request, url);
    }
    m = /^\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/(mfeOperationsStatus|mfeOperationResults)\/([^/]+)$/.exec(rest);
    if (m && method === "GET") {
      if (m[1] === "mfeOperationResults") return { status: 200 };
      const steps = this.operations.get(m[2]) ?? [{ status: "Succeeded" }];
      const step = steps.length > 1 ? steps.shift()! : steps[0];
      return { status: 200, headers: { "retry-after": step.status === "InProgress" ? "1" : "0" }, body: { name: m[2], ...step } };
    }
    m = new RegExp(`^/resourceGroups/([^/]+)${ML}/workspaces/([^/]+)(/datastores/([^/]+)(/listSecrets)?)?$`).exec(rest);
    // listSecrets is answered (as Azure would, with the key) so that a test can see whether it is asked for.
    if (m) return this.workspaceRoute(method, url, m[2], m[4], m[5]);
    m = /^\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/.exec(rest);
    if (m && method === "GET" && this.storageAccounts().has(m[1])) {
      // storage.json StorageAccount: the account's endpoints, path-style here as for an IP address (the account name first).
      return { status: 200, body: { id: url.pathname, name: m[1], kind: "StorageV2", properties: { primaryEndpoints: { file: `${this.url}/${m[1]}/`, blob: `${this.url}/${m[1]}-blob/` } } } };
    }
    return armError(404, "ResourceNotFound", `The Resource '${rest}' was not found.`);
  }

  /** A project workspace where flows can be created; its storage account and share are made up from its name. */
  addFlowWorkspace(workspaceName: string): FlowWorkspace {
    const id = createHash("sha256").update(workspaceName).digest("hex");
    const workspace: FlowWorkspace = {
      workspaceId: `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-8${id.slice(17, 20)}-${id.slice(20, 32)}`,
      accountName: `st${id.slice(0, 12)}`,
      shareName: `code-${id.slice(0, 16)}`,
      fileDataPrivileged: new Set([STAND_IN_CLIENT.objectId]),
    };
    this.flowWorkspaces.set(workspaceName, workspace);
    return workspace;
  }

  private storageAccounts(): Map<string, FlowWorkspace> {
    return new Map([...this.flowWorkspaces.values()].map((w) => [w.accountName, w]));
  }

  /** The audience of a bearer token this stand-in issued; undefined for any other Authorization header. */
  private tokenAudience(authorization: string | string[] | undefined): string | undefined {
    const token = /^Bearer (.+)$/.exec(String(authorization ?? ""))?.[1];
    return token === undefined ? undefined : this.issuedTokens.get(token)?.audience;
  }

  /** Workspaces - Get (discoveryUrl, workspaceId), Datastores - Get and Datastores - List Secrets of its workingdirectory store. */
  private workspaceRoute(method: string, url: URL, workspaceName: string, datastore: string | undefined, action: string | undefined): Answer {
    const ws = this.flowWorkspaces.get(workspaceName);
    if (!ws && this.mlflowWorkspaces.has(workspaceName) && !datastore && method === "GET") {
      // machineLearningServices.json WorkspaceProperties.mlFlowTrackingUri: azureml://<region>.api.azureml.ms/mlflow/v1.0/<workspace id>.
      const mlFlowTrackingUri = `azureml://${this.host}/mlflow/v1.0${url.pathname}`;
      return { status: 200, body: { id: url.pathname, name: workspaceName, type: "Microsoft.MachineLearningServices/workspaces", properties: { mlFlowTrackingUri } } };
    }
    if (!ws) return armError(404, "ResourceNotFound", `Workspace ${workspaceName} not found.`);
    if (!datastore && method === "GET") {
      return {
        status: 200,
        body: {
          id: url.pathname,
          name: workspaceName,
          type: "Microsoft.MachineLearningServices/workspaces",
          kind: "Project",
          location: "eastus2",
          properties: { workspaceId: ws.workspaceId, discoveryUrl: ws.discoveryUrl ?? `${this.url}/discovery` },
        },
      };
    }
    if (datastore !== "workspaceworkingdirectory") return armError(404, "UserError", `Datastore ${datastore} not found.`);
    if (action && method === "POST") return { status: 200, body: { secretsType: "AccountKey", key: Buffer.from(`key of ${ws.accountName}`).toString("base64") } };
    if (!action && method === "GET") {
      return {
        status: 200,
        body: {
          id: url.pathname,
          name: datastore,
          type: "Microsoft.MachineLearningServices/workspaces/datastores",
          properties: {
            credentials: { credentialsType: "AccountKey" },
            datastoreType: "AzureFile",
            accountName: ws.accountName,
            fileShareName: ws.shareName,
            endpoint: "core.windows.net",
            protocol: "https",
            subscriptionId: STAND_IN_SUBSCRIPTION,
            resourceGroup: url.pathname.split("/")[4],
            serviceDataAccessAuthIdentity: "None",
            isDefault: false,
          },
        },
      };
    }
    return armError(405, "MethodNotAllowed", method);
  }

  /**
   * Azure Files REST with OAuth only (authorize-oauth-rest): Create Directory, Get Directory Properties, Create File,
   * Put Range, Delete File and Get File Properties, with the service's XML errors and `x-ms-error-code`. A request
   * needs a storage token, `x-ms-version` 2022-11-02 or later and `x-ms-file-request-intent: backup` (else 400
   * MissingRequiredHeader, as Azure answers: Azure/azure-sdk-for-net#36365), and its principal a role with the
   * backup semantics data actions (else 403 AuthorizationPermissionMismatch). Shared Key is refused.
   */
  private fileService(method: string, url: URL, request: RecordedRequest, raw: Buffer): Answer {
    const [account, share, ...segments] = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const ws = this.storageAccounts().get(account)!;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    const token = this.issuedTokens.get(/^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1] ?? "");
    if (!token || token.audience !== STORAGE_AUDIENCE) {
      return filesError(401, "InvalidAuthenticationInfo", "Authentication information is not given in the correct format. Check the value of Authorization header.");
    }
    if (!headers["x-ms-version"] || headers["x-ms-version"] < FILES_OAUTH_MIN_VERSION) {
      return filesError(400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.");
    }
    if (headers["x-ms-file-request-intent"] !== "backup") return filesError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified.");
    if (!ws.fileDataPrivileged.has(token.oid)) {
      return filesError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
    }
    if (share !== ws.shareName) return filesError(404, "ShareNotFound", "The specified share does not exist.");
    const path = segments.filter((s) => s !== "").join("/");
    const key = `${account}/${share}/${path}`;
    const parent = `${account}/${share}/${segments.slice(0, -1).join("/")}`;
    const parentExists = segments.length <= 1 || this.shareDirectories.has(parent);
    const comp = url.searchParams.get("comp");
    if (url.searchParams.get("restype") === "directory") {
      if (method === "GET") return this.shareDirectories.has(key) ? { status: 200 } : filesError(404, "ResourceNotFound", "The specified resource does not exist.");
      if (method !== "PUT") return filesError(405, "UnsupportedHttpVerb", method);
      if (!parentExists) return filesError(404, "ParentNotFound", "The specified parent path does not exist.");
      if (this.shareDirectories.has(key)) return filesError(409, "ResourceAlreadyExists", "The specified resource already exists.");
      this.shareDirectories.add(key);
      return { status: 201 };
    }
    if (method === "PUT" && comp === "range") {
      const file = this.shareFiles.get(key);
      if (!file) return filesError(404, "ResourceNotFound", "The specified resource does not exist.");
      const range = /^bytes=(\d+)-(\d+)$/.exec(headers["x-ms-range"] ?? "");
      if (!range || headers["x-ms-write"] !== "update" || Number(range[2]) - Number(range[1]) + 1 !== raw.length || Number(range[2]) >= file.length) {
        return filesError(400, "InvalidRange", "The range specified is invalid for the current size of the resource.");
      }
      if (headers["content-md5"] && headers["content-md5"] !== createHash("md5").update(raw).digest("base64")) return filesError(400, "Md5Mismatch", "The MD5 value specified in the request did not match.");
      raw.copy(file, Number(range[1]));
      return { status: 201 };
    }
    if (method === "PUT" && !comp) {
      if (headers["x-ms-type"] !== "file" || !/^\d+$/.test(headers["x-ms-content-length"] ?? "")) return filesError(400, "MissingRequiredHeader", "x-ms-type and x-ms-content-length are required.");
      if (!parentExists) return filesError(404, "ParentNotFound", "The specified parent path does not exist.");
      this.shareFiles.set(key, Buffer.alloc(Number(headers["x-ms-content-length"])));
      return { status: 201 };
    }
    if (method === "DELETE" || method === "HEAD") {
      if (!this.shareFiles.has(key)) return filesError(404, "ResourceNotFound", "The specified resource does not exist.");
      if (method === "DELETE") this.shareFiles.delete(key);
      return { status: method === "DELETE" ? 202 : 200 };
    }
    return filesError(405, "UnsupportedHttpVerb", method);
  }

  /**
   * The MLflow REST API (mlflow.org/docs/latest/rest-api.html) as a workspace's tracking server serves it: runs/get,
   * runs/search with an `tags.mlflow.parentRunId = '<id>'` filter, metrics/get-history paged with page_token; errors as
   * MLflow's `{error_code, message}`.
   */
  private mlflow(method: string, workspace: string, route: string, url: URL, request: RecordedRequest): Answer {
    const missing = (message: string) => ({ status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST", message } });
    if (!this.mlflowWorkspaces.has(workspace)) return missing(`workspace ${workspace}`);
    if (route === "runs/get" && method === "GET") {
      const run = this.mlflowRuns.get(url.searchParams.get("run_id") ?? "");
      return run ? { status: 200, body: { run } } : missing(`Run '${url.searchParams.get("run_id")}' not found`);
    }
    if (route === "runs/search" && method === "POST") {
      const body = (request.body ?? {}) as { experiment_ids?: string[]; filter?: string };
      const parent = /^tags\.mlflow\.parentRunId\s*=\s*'([^']*)'$/.exec(body.filter ?? "")?.[1];
      if (parent === undefined || !body.experiment_ids?.length) return { status: 400, body: { error_code: "INVALID_PARAMETER_VALUE", message: `unsupported search ${JSON.stringify(body)}` } };
      const runs = [...this.mlflowRuns.values()].filter(
        (run) => body.experiment_ids!.includes(run.info.experiment_id) && (run.data.tags ?? []).some((t: any) => t.key === "mlflow.parentRunId" && t.value === parent),
      );
      return { status: 200, body: runs.length ? { runs } : {} };
    }
    if (route === "metrics/get-history" && method === "GET") {
      const runId = url.searchParams.get("run_id") ?? "";
      const history = this.metricHistories.get(runId)?.[url.searchParams.get("metric_key") ?? ""];
      if (!this.mlflowRuns.has(runId)) return missing(`Run '${runId}' not found`);
      const all = (history ?? []).map((m, i) => ({ key: url.searchParams.get("metric_key"), value: m.value, timestamp: 1700000000000 + i, step: String(m.step) }));
      const from = Number(url.searchParams.get("page_token") ?? 0);
      const next = from + 2 < all.length ? String(from + 2) : undefined;
      return { status: 200, body: { metrics: all.slice(from, from + 2), ...(next ? { next_page_token: next } : {}) } };
    }
    return missing(`no MLflow route ${method} ${route}`);
  }

  /** A flow's files as they are on the share: path in the folder -> text. */
  flowFolder(workspaceName: string, folder: string): Record<string, string> {
    const ws = this.flowWorkspaces.get(workspaceName)!;
    const prefix = `${ws.accountName}/${ws.shareName}/${folder}/`;
    return Object.fromEntries([...this.shareFiles].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v.toString("utf8")]));
  }

  /**
   * Prompt flow's flow service (promptflow-azure _restclient/swagger.json `Flows`): CreateFlow reads the definition file
   * from the workspace's share, GetFlow, UpdateFlow and PatchFlow (ArchiveFlow) take `experimentId`, the workspace's id.
   */
  private flowService(method: string, armPath: string, url: URL, request: RecordedRequest): Answer {
    const m = new RegExp(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)${ML}/workspaces/([^/]+)/Flows(?:/([^/]+))?$`).exec(armPath);
    const ws = m ? this.flowWorkspaces.get(m[3]) : undefined;
    if (!m || !ws) return armError(404, "NotFound", `no flow route ${armPath}`);
    const [, sub, rg, workspaceName, flowId] = m;
    const body = (request.body ?? {}) as Record<string, any>;
    if (!flowId && method === "POST") {
      const definition = `${ws.accountName}/${ws.shareName}/${body.flowDefinitionFilePath}`;
      if (!body.flowName || !["default", "evaluation", "chat"].includes(body.flowType)) return armError(400, "UserError", "flowName and flowType are required.");
      if (!this.shareFiles.has(definition)) return armError(400, "UserError", `Flow definition file ${body.flowDefinitionFilePath} not found in the file share.`);
      const id = `f10${String(this.flows.size + 1).padStart(5, "0")}-0000-4000-8000-000000000000`;
      const flow = {
        eTag: {},
        studioPortalEndpoint: `https://ml.azure.com/prompts/flow/${ws.workspaceId}/${id}/details?wsid=/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${workspaceName}`,
        flowId: id,
        flowName: body.flowName,
        description: body.description,
        tags: body.tags,
        flowType: body.flowType.charAt(0).toUpperCase() + body.flowType.slice(1),
        experimentId: ws.workspaceId,
        flowResourceId: `azureml://locations/eastus2/workspaces/${ws.workspaceId}/flows/${id}`,
        isArchived: false,
        flowDefinitionFilePath: body.flowDefinitionFilePath,
      };
      this.flows.set(id, flow);
      const status = this.createFlowStatuses.shift();
      if (status === "reset") return { status: 0, reset: true };
      if (status) return armError(status, "InternalServerError", "The service failed after creating the flow.");
      return { status: 200, body: flow };
    }
    if (!flowId && method === "GET") {
      // Flows_ListFlows: FlowBaseDto[] of the workspace (experimentId); ActiveOnly leaves archived flows out.
      if (url.searchParams.get("experimentId") !== ws.workspaceId) return armError(400, "UserError", "experimentId must be the workspace id.");
      const view = url.searchParams.get("listViewType") ?? "ActiveOnly";
      const listed = [...this.flows.values()].filter((f) => f.experimentId === ws.workspaceId && (view === "All" || f.isArchived === (view === "ArchivedOnly")));
      return { status: 200, body: listed.map(({ studioPortalEndpoint: _portal, eTag: _eTag, ...base }) => base) };
    }
    if (!flowId) return armError(405, "MethodNotAllowed", method);
    if (url.searchParams.get("experimentId") !== ws.workspaceId) return armError(400, "UserError", "experimentId must be the workspace id.");
    const flow = this.flows.get(flowId);
    if (!flow) return armError(404, "NotFound", `Flow ${flowId} not found.`);
    if (method === "GET") return { status: 200, body: flow };
    if (method === "PUT") {
      for (const key of ["flowName", "description", "tags"]) if (body[key] !== undefined) flow[key] = body[key];
      return { status: 200, body: flow };
    }
    if (method === "PATCH" && String(request.headers["content-type"]).startsWith("application/json-patch+json")) {
      if (body.flowPatchOperationType === "ArchiveFlow") flow.isArchived = true;
      else if (body.flowPatchOperationType === "RestoreFlow") flow.isArchived = false;
      return { status: 200, body: flow };
    }
    return armError(405, "MethodNotAllowed", method);
  }

  private job(method: string, name: string, action: string | undefined, request: RecordedRequest, url: URL): Answer {
    const job = this.jobs.get(name);
    if (action === "/cancel" && method === "POST") {
      if (!job) return armError(404, "UserError", `Could not find job ${name}.`);
      job.status = "Canceled";
      const location = `${this.url}/subscriptions/${STAND_IN_SUBSCRIPTION}${ML}/locations/eastus2/mfeOperationResults/cancel-${name}?api-version=${url.searchParams.get("api-version")}`;
      return { status: 202, headers: { location, "retry-after": "0" } };
    }
    if (method === "GET") {
      if (!job) return armError(404, "UserError", `Could not find job ${name}.`);
      if (job.upcoming?.length) job.status = job.upcoming.shift()!;
      return { status: 200, body: this.jobResource(name, job) };
    }
    if (method === "PUT") {
      const stored: StoredJob = { body: request.body as StoredJob["body"], status: "NotStarted" };
      this.jobs.set(name, stored);
      return { status: job ? 200 : 201, body: this.jobResource(name, stored) };
    }
    return armError(405, "MethodNotAllowed", method);
  }

  private jobResource(name: string, job: StoredJob) {
    return {
      id: `/subscriptions/${STAND_IN_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/jobs/${name}`,
      name,
      type: "Microsoft.MachineLearningServices/workspaces/jobs",
      properties: { ...job.body.properties, status: job.status, services: { Studio: { jobServiceType: "Studio", endpoint: `https://ml.azure.com/runs/${name}` } } },
      systemData: { createdAt: "2026-11-25T00:00:00Z", createdBy: "stand-in", createdByType: "User" },
    };
  }

  private endpoint(method: string, name: string, request: RecordedRequest, url: URL): Answer {
    const existing = this.endpoints.get(name);
    if (method === "GET") return existing ? { status: 200, body: existing } : armError(404, "ResourceNotFound", `Online endpoint ${name} not found.`);
    if (method === "PUT") {
      const body = request.body as Record<string, any>;
      const stored = {
        ...body,
        id: url.pathname,
        name,
        type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        systemData: { createdAt: "2026-11-25T00:00:00Z" },
        properties: { ...body.properties, provisioningState: "Succeeded", scoringUri: `https://${name}.eastus2.inference.ml.azure.com/score` },
      };
      const steps = [...this.nextOperation];
      this.nextOperation = [{ status: "Succeeded" }];
      if (steps.at(-1)?.status === "Succeeded") this.endpoints.set(name, stored);
      const operationId = `op-${this.requests.length}`;
      this.operations.set(operationId, steps);
      const asyncOp = `${this.url}/subscriptions/${STAND_IN_SUBSCRIPTION}${ML}/locations/eastus2/mfeOperationsStatus/${operationId}?api-version=${url.searchParams.get("api-version")}`;
      return { status: existing ? 200 : 201, headers: { "azure-asyncoperation": asyncOp, "retry-after": "0" }, body: { ...stored, properties: { ...stored.properties, provisioningState: "Updating" } } };
    }
    return armError(405, "MethodNotAllowed", method);
  }

  /** A job's status changes in Azure (it runs, fails, is cancelled in the studio); `then` are the statuses of later reads. */
  setJobStatus(name: string, status: string, ...then: string[]): void {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`the stand-in has no job ${name}`);
    job.status = status;
    job.upcoming = then;
  }
}

/** An Azure Files error: the status, `x-ms-error-code`, and the XML body the service sends. */
function filesError(status: number, code: string, message: string): Answer {
  const text = `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:stand-in</Message></Error>`;
  return { status, headers: { "x-ms-error-code": code }, text };
}

function armError(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
