/**
 * A local stand-in of Azure at the HTTP boundary: HTTPS on 127.0.0.1 with a self-signed certificate made here, playing
 * the cloud metadata endpoint, Entra ID's token endpoint and the ARM routes the program calls itself. It records
 * every request and answers as Azure does (ARM error bodies, Azure-AsyncOperation and Location headers, 429 with
 * Retry-After). Clients reach it the way a user points them at another cloud: `azure-native:metadataHost` (or
 * `ARM_METADATA_HOSTNAME`), and trust it the way Node trusts any private CA: `NODE_EXTRA_CA_CERTS`.
 */
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { generate } from "selfsigned";

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
}

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
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

export const STAND_IN_TENANT = "72f988bf-0000-0000-0000-000000000001";
export const STAND_IN_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
/** The service principal the stand-in accepts, and its secret. */
export const STAND_IN_CLIENT = { id: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", secret: "s3cret-value" };

const ML = "/providers/Microsoft.MachineLearningServices";

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
  private tokens = 0;

  private constructor(
    private readonly server: https.Server,
    readonly url: string,
    /** PEM file of the certificate, for NODE_EXTRA_CA_CERTS. */
    readonly caFile: string,
    private readonly dir: string,
  ) {}

  static async start(): Promise<AzureStandIn> {
    const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keyType: "ec",
      curve: "P-256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azure-stand-in-"));
    const caFile = path.join(dir, "ca.pem");
    fs.writeFileSync(caFile, pems.cert);
    let standIn: AzureStandIn | undefined;
    const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const answer = standIn!.handle(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks).toString("utf8"));
        const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
        res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "x-ms-request-id": `req-${standIn!.requests.length}`, ...answer.headers });
        res.end(text);
      });
    });
    server.keepAliveTimeout = 100;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new AzureStandIn(server, `https://127.0.0.1:${port}`, caFile, dir);
    return standIn;
  }

  /** `host:port` for `azure-native:metadataHost`. */
  get host(): string {
    return this.url.slice("https://".length);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The ARM requests (token and metadata requests left out). */
  armRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith("/subscriptions/"));
  }

  private handle(method: string, rawUrl: string, headers: RecordedRequest["headers"], text: string): Answer {
    const url = new URL(rawUrl, this.url);
    const contentType = String(headers["content-type"] ?? "");
    const body = text === "" ? undefined : contentType.includes("x-www-form-urlencoded") ? Object.fromEntries(new URLSearchParams(text)) : safeJson(text);
    const request: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body };
    this.requests.push(request);

    const faultIndex = this.faults.findIndex((f) => (f.method ?? method) === method && f.path.test(url.pathname));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return { status: fault.status, headers: fault.headers, body: fault.body };
    }
    if (url.pathname === "/metadata/endpoints") return { status: 200, body: this.metadata() };
    const tenantRoute = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/instance)$/.exec(url.pathname);
    if (tenantRoute) return this.identity(tenantRoute[1], tenantRoute[2], request);
    if (!url.pathname.startsWith("/subscriptions/")) return armError(404, "NotFound", `no route ${url.pathname}`);
    if (!/^Bearer token-\d+$/.test(String(headers.authorization ?? ""))) {
      return armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or invalid.");
    }
    if (!url.searchParams.get("api-version")) return armError(400, "MissingApiVersionParameter", "The api-version query parameter is required.");
    return this.arm(method, url, request);
  }

  /** Cloud metadata as Azure Stack and sovereign clouds publish it (`/metadata/endpoints`). */
  private metadata() {
    return {
      name: "AzureStandIn",
      resourceManager: `${this.url}/`,
      authentication: { loginEndpoint: `${this.url}/`, audiences: [`${this.url}/`], tenant: "common", identityProvider: "AAD" },
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
    return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: `token-${this.tokens}` } };
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
      const next = skip + 2 < rows.length ? `${this.url}${p}?api-version=${url.searchParams.get("api-version")}&$skip=${skip + 2}` : undefined;
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
    return armError(404, "ResourceNotFound", `The Resource '${rest}' was not found.`);
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
