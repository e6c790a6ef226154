import type { TokenCredential } from "@azure/core-auth";
import type * as CoreClient from "@azure-rest/core-client";
import type { Client, PathUncheckedResponse } from "@azure-rest/core-client";
import type * as CoreLro from "@azure/core-lro";
import type { OperationResponse, OperationState, RunningOperation } from "@azure/core-lro";
import { azureLimits, AzureLimits, MAX_PAGES_KEY, MAX_POLLS_KEY, REQUEST_TIMEOUT_KEY } from "./azureLimits";
import type { AzureCloud } from "./cloud";

/** An ARM error as the service reported it (common-types ErrorResponse: `{"error": {"code", "message"}}`). */
export interface ArmError extends Error {
  readonly name: "ArmError";
  readonly method: string;
  readonly url: string;
  readonly statusCode: number;
  readonly code: string;
}

/**
 * An {@link ArmError}: a plain Error with fields.
 */
export function armError(method: string, url: string, statusCode: number, code: string, detail: string): ArmError {
  const error = new Error(`${method} ${url} failed: HTTP ${statusCode} ${code}: ${detail}`);
  return Object.assign(error, { name: "ArmError" as const, method, url, statusCode, code });
}

/** Whether `err` is an {@link ArmError} with this HTTP status. */
export function isArmError(err: unknown, statusCode: number): err is ArmError {
  return err instanceof Error && err.name === "ArmError" && (err as ArmError).statusCode === statusCode;
}

/**
 * What a request that got no answer within `timeout` throws. The SDK ends it with an AbortError, which its retry policy
 * does not retry, so a request that may have reached Azure is not sent twice.
 */
export function timedOut(err: unknown, method: string, url: string, timeoutMs: number): unknown {
  if (!(err instanceof Error) || err.name !== "AbortError") return err;
  return new Error(`${method} ${url}: no answer within ${timeoutMs / 1000} s; if Azure is this slow, raise phi3-foundry:${REQUEST_TIMEOUT_KEY}`);
}

/** How long to wait between polls of a long-running operation when Azure sends no Retry-After. */
const POLL_INTERVAL_MS = 5_000;

type Method = "GET" | "PUT" | "POST";

/**
 * Plain ARM requests through the Azure SDK's REST layer (`@azure-rest/core-client`: bearer token for the cloud's
 * resource manager, retries with Retry-After, request ids), bodies as the REST spec's JSON, and long-running operations
 * polled by `@azure/core-lro` (Azure-AsyncOperation, Location or the resource itself, as the response says).
 */
export class ArmClient {
  private readonly client: Client;

  constructor(
    readonly cloud: AzureCloud,
    credential: TokenCredential,
    private readonly limits: AzureLimits = azureLimits(() => undefined),
  ) {
    // The Azure SDKs load when a provider first calls Azure, not when the program loads this module.
    const { getClient } = require("@azure-rest/core-client") as typeof CoreClient;
    this.client = getClient(cloud.resourceManager, credential, {
      credentials: { scopes: [`${cloud.resourceManagerAudience.replace(/\/$/, "")}/.default`] },
      userAgentOptions: { userAgentPrefix: "phi3-foundry" },
      retryOptions: { maxRetries: 4, maxRetryDelayInMs: 60_000 },
    });
  }

  /** GETs an ARM resource; undefined when Azure answers 404. */
  async get<T>(path: string, apiVersion: string): Promise<T | undefined> {
    const response = await this.send("GET", path, apiVersion);
    if (response.status === "404") return undefined;
    return this.bodyOf<T>("GET", path, response);
  }

  /** Every item of an ARM list, following `nextLink` pages, at most `maxPages` of them. */
  async list<T>(path: string, apiVersion: string): Promise<T[]> {
    const items: T[] = [];
    let page = await this.bodyOf<{ value?: T[]; nextLink?: string }>("GET", path, await this.send("GET", path, apiVersion));
    items.push(...(page.value ?? []));
    for (let pages = 1; page.nextLink; pages++) {
      if (pages >= this.limits.maxPages) {
        throw new Error(`GET ${path}: still a nextLink after ${pages} pages; the list is not read further (raise phi3-foundry:${MAX_PAGES_KEY} if it is really this long)`);
      }
      const next = page.nextLink;
      page = await this.bodyOf("GET", next, await this.sendUrl(next));
      items.push(...(page.value ?? []));
    }
    return items;
  }

  /** PUTs a resource whose create is not long-running (200 or 201 with the resource). */
  async put<T>(path: string, apiVersion: string, body: unknown): Promise<T> {
    return this.bodyOf<T>("PUT", path, await this.send("PUT", path, apiVersion, body));
  }

  /** POSTs an action that answers at once with a body, such as a datastore's `listSecrets`. */
  async action<T>(path: string, apiVersion: string, body?: unknown): Promise<T> {
    return this.bodyOf<T>("POST", path, await this.send("POST", path, apiVersion, body));
  }

  /**
   * PUTs a resource whose create is long-running (201 with Azure-AsyncOperation, final state via the original URI) and
   * waits for it; returns the resource as Azure finally reports it.
   */
  async putAndWait<T>(path: string, apiVersion: string, body: unknown): Promise<T> {
    return this.longRunning<T>("PUT", path, apiVersion, body, "original-uri");
  }

  /** POSTs an action (such as a job's `cancel`) and waits for its long-running operation, if Azure starts one. */
  async post(path: string, apiVersion: string, body?: unknown): Promise<void> {
    await this.longRunning("POST", path, apiVersion, body, "location");
  }

  private async longRunning<T>(method: Method, path: string, apiVersion: string, body: unknown, finalState: "original-uri" | "location"): Promise<T> {
    let last: { statusCode: number; body: unknown } | undefined;
    const answer = (requestMethod: string, url: string, response: PathUncheckedResponse) => {
      const result = this.operationResponse(requestMethod, url, response);
      last = { statusCode: result.rawResponse.statusCode, body: response.body };
      return result;
    };
    let polls = 0;
    const operation: RunningOperation<unknown> = {
      sendInitialRequest: async () => answer(method, path, await this.send(method, path, apiVersion, body)),
      sendPollRequest: async (pollUrl: string) => {
        if (++polls > this.limits.maxPolls) {
          throw new Error(
            `${method} ${path}: the operation is still running after ${this.limits.maxPolls} status reads; it may yet finish in Azure. ` +
              `Run \`pulumi up\` again to wait for it, or raise phi3-foundry:${MAX_POLLS_KEY}`,
          );
        }
        return answer("GET", pollUrl, await this.sendUrl(pollUrl));
      },
    };
    const { createHttpPoller } = require("@azure/core-lro") as typeof CoreLro;
    const poller = createHttpPoller<T, OperationState<T>>(operation, {
      intervalInMs: POLL_INTERVAL_MS,
      resourceLocationConfig: finalState,
      baseUrl: this.cloud.resourceManager,
      resolveOnUnsuccessful: true,
    });
    const result = await poller.pollUntilDone();
    const state = poller.operationState;
    if (state && state.status !== "succeeded") {
      // The operation's status body (ARM async-operations: {status, error: {code, message}}) says why.
      const error = (last?.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw armError(method, path, last?.statusCode ?? 0, error?.code ?? `Operation${state.status}`, error?.message ?? state.error?.message ?? `the operation ended ${state.status}`);
    }
    return result;
  }

  /** An HTTP answer in core-lro's terms; an error status throws an {@link ArmError}. */
  private operationResponse(method: string, url: string, response: PathUncheckedResponse): OperationResponse<unknown> {
    const statusCode = Number(response.status);
    if (statusCode >= 400) throw this.errorOf(method, url, response);
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return {
      flatResponse: response.body,
      rawResponse: { statusCode, headers, body: response.body, request: { method, url: response.request.url } },
    };
  }

  private async send(method: Method, path: string, apiVersion: string, body?: unknown): Promise<PathUncheckedResponse> {
    const resource = this.client.pathUnchecked(path as "/");
    const timeout = this.limits.requestTimeoutMs;
    const options = { queryParameters: { "api-version": apiVersion }, timeout, ...(body === undefined ? {} : { body, contentType: "application/json" }) };
    const verbs = { GET: resource.get, PUT: resource.put, POST: resource.post };
    try {
      return await verbs[method](options);
    } catch (err) {
      throw timedOut(err, method, path, timeout);
    }
  }

  /**
   * GETs an absolute URL that Azure handed out (a nextLink or a polling URL), which carries its own api-version. Only
   * at the resource manager's own host: the token goes with it.
   */
  private async sendUrl(url: string): Promise<PathUncheckedResponse> {
    const host = new URL(url, this.cloud.resourceManager).host;
    const ownHost = new URL(this.cloud.resourceManager).host;
    if (host !== ownHost) throw new Error(`Azure handed out ${url}, at ${host}, not the resource manager's ${ownHost}; it is not called`);
    const timeout = this.limits.requestTimeoutMs;
    try {
      return await this.client.pathUnchecked(url as "/").get({ skipUrlEncoding: true, timeout });
    } catch (err) {
      throw timedOut(err, "GET", url, timeout);
    }
  }

  private bodyOf<T>(method: string, path: string, response: PathUncheckedResponse): T {
    if (!/^2/.test(response.status)) throw this.errorOf(method, path, response);
    return response.body as T;
  }

  private errorOf(method: string, path: string, response: PathUncheckedResponse): ArmError {
    const error = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const detail = error?.message ?? (typeof response.body === "string" ? response.body.slice(0, 300) : "no error message");
    return armError(method, path, Number(response.status), error?.code ?? "Unknown", detail);
  }
}
