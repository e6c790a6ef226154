/**
 * The Azure Files REST calls that put a flow's folder on a workspace's file share, signed with the storage account key
 * (Shared Key), as promptflow-azure does through azure-storage-file-share (operations/_fileshare_storeage_helper.py
 * FlowFileStorageClient, given the account key of the workspace's `workspaceworkingdirectory` datastore).
 */
import { createHash, createHmac } from "node:crypto";
import type * as CorePipeline from "@azure/core-rest-pipeline";
import type { HttpClient, Pipeline, PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";

/** The x-ms-version promptflow-azure's uploads send (azure-storage-file-share 12.15, promptflow-recording test_flow_operations_TestFlow_test_create_flow.yaml). */
export const FILES_API_VERSION = "2023-11-03";

/** The most bytes one Put Range writes (Azure Files REST "Put Range": 4 MiB). */
export const MAX_RANGE_BYTES = 4 * 1024 * 1024;

/** A file share and the key that signs requests to it. */
export interface FileShareAccess {
  readonly accountName: string;
  /** Base64, as the storage account and listSecrets return it. */
  readonly accountKey: string;
  /** The account's file endpoint, e.g. `https://<account>.file.core.windows.net/` (its primaryEndpoints.file). */
  readonly fileEndpoint: string;
  readonly shareName: string;
}

/** An Azure Files error as the service reports it: status, `x-ms-error-code`, and the XML body's message. */
export interface FilesError extends Error {
  readonly name: "FilesError";
  readonly statusCode: number;
  readonly code: string;
}

function filesError(method: string, url: string, statusCode: number, code: string, detail: string): FilesError {
  const error = new Error(`${method} ${url} failed: HTTP ${statusCode} ${code}${detail ? `: ${detail}` : ""}`);
  return Object.assign(error, { name: "FilesError" as const, statusCode, code });
}

// The standard headers of the Shared Key string-to-sign, in order (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key).
const SIGNED_STANDARD_HEADERS = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
];

/**
 * The string Shared Key signs for the Blob, Queue and File services (version 2015-02-21 and later: a zero
 * Content-Length is signed as empty), from the request's method, URL and headers (names in any case). The canonicalized
 * resource is `/<account><path as sent>`, then each query parameter as `\n<lowercase name>:<decoded values>`, sorted.
 */
export function sharedKeyStringToSign(method: string, url: URL, headers: Readonly<Record<string, string>>, accountName: string): string {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const standard = SIGNED_STANDARD_HEADERS.map((name) => {
    const value = lower[name] ?? "";
    return name === "content-length" && value === "0" ? "" : value;
  });
  const canonicalHeaders = Object.keys(lower)
    .filter((name) => name.startsWith("x-ms-"))
    .sort()
    .map((name) => `${name}:${lower[name].replace(/\s+/g, " ").trim()}\n`)
    .join("");
  const params = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) params.set(name.toLowerCase(), [...(params.get(name.toLowerCase()) ?? []), value]);
  const canonicalQuery = [...params.keys()]
    .sort()
    .map((name) => `\n${name}:${params.get(name)!.sort().join(",")}`)
    .join("");
  return [method.toUpperCase(), ...standard].join("\n") + "\n" + canonicalHeaders + `/${accountName}${url.pathname}` + canonicalQuery;
}

/** `SharedKey <account>:<signature>`: HMAC-SHA256 of the string-to-sign with the base64-decoded account key. */
export function sharedKeyAuthorization(stringToSign: string, accountName: string, accountKey: string): string {
  const signature = createHmac("sha256", Buffer.from(accountKey, "base64")).update(stringToSign, "utf8").digest("base64");
  return `SharedKey ${accountName}:${signature}`;
}

/** Signs each request last, after retries have set their headers: x-ms-date, x-ms-version, Authorization. */
function sharedKeyPolicy(access: FileShareAccess): PipelinePolicy {
  return {
    name: "phi3FoundrySharedKey",
    async sendRequest(request: PipelineRequest, next) {
      request.headers.set("x-ms-date", new Date().toUTCString());
      request.headers.set("x-ms-version", FILES_API_VERSION);
      const length = request.body instanceof Uint8Array ? request.body.byteLength : 0;
      if (request.method === "PUT" || length > 0) request.headers.set("Content-Length", String(length));
      const stringToSign = sharedKeyStringToSign(request.method, new URL(request.url), request.headers.toJSON(), access.accountName);
      request.headers.set("Authorization", sharedKeyAuthorization(stringToSign, access.accountName, access.accountKey));
      return next(request);
    },
  };
}

/** The headers Create Directory and Create File send, as in promptflow-azure's recorded uploads. */
const NEW_ITEM_HEADERS = {
  "x-ms-file-permission": "inherit",
  "x-ms-file-attributes": "none",
  "x-ms-file-creation-time": "now",
  "x-ms-file-last-write-time": "now",
};

/** A file share, reached with the account key: directories and files by their path in the share (`a/b/c`). */
export class AzureFilesClient {
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;
  private readonly core: typeof CorePipeline;

  constructor(private readonly access: FileShareAccess) {
    // Loaded when a provider first uploads, not when the program loads this module.
    this.core = require("@azure/core-rest-pipeline") as typeof CorePipeline;
    this.pipeline = this.core.createPipelineFromOptions({
      userAgentOptions: { userAgentPrefix: "phi3-foundry" },
      retryOptions: { maxRetries: 4, maxRetryDelayInMs: 60_000 },
    });
    this.pipeline.addPolicy(sharedKeyPolicy(access), { phase: "Sign" });
    this.httpClient = this.core.createDefaultHttpClient();
  }

  /** The URL of a path in the share, each segment encoded. */
  urlOf(path: string, query = ""): string {
    const base = this.access.fileEndpoint.endsWith("/") ? this.access.fileEndpoint : `${this.access.fileEndpoint}/`;
    const segments = [this.access.shareName, ...path.split("/").filter((s) => s !== "")].map(encodeURIComponent);
    return `${base}${segments.join("/")}${query}`;
  }

  private async send(method: "GET" | "PUT" | "DELETE", url: string, headers: Record<string, string> = {}, body?: Buffer): Promise<PipelineResponse> {
    const request = this.core.createPipelineRequest({ url, method, headers: this.core.createHttpHeaders(headers), body, timeout: 120_000 });
    return this.pipeline.sendRequest(this.httpClient, request);
  }

  private check(method: string, url: string, response: PipelineResponse, allowed: number[] = []): PipelineResponse {
    if (response.status < 300 || allowed.includes(response.status)) return response;
    const code = response.headers.get("x-ms-error-code") ?? "Unknown";
    const message = /<Message>([\s\S]*?)<\/Message>/.exec(response.bodyAsText ?? "")?.[1]?.split("\n")[0] ?? "";
    throw filesError(method, url.split("?")[0], response.status, code, message);
  }

  /** Create Directory; an existing one is fine (409 ResourceAlreadyExists), as promptflow-azure treats it. */
  async createDirectory(path: string): Promise<"created" | "exists"> {
    const url = this.urlOf(path, "?restype=directory");
    const response = this.check("PUT", url, await this.send("PUT", url, NEW_ITEM_HEADERS), [409]);
    if (response.status === 409 && response.headers.get("x-ms-error-code") !== "ResourceAlreadyExists") this.check("PUT", url, response);
    return response.status === 409 ? "exists" : "created";
  }

  /** Get Directory Properties: whether the directory exists. */
  async directoryExists(path: string): Promise<boolean> {
    const url = this.urlOf(path, "?restype=directory");
    return this.check("GET", url, await this.send("GET", url), [404]).status !== 404;
  }

  /**
   * Create File at the content's size (it replaces a file of that name), then Put Range for each 4 MiB of content,
   * each with its Content-MD5 so that the service checks what it stores.
   */
  async uploadFile(path: string, content: Buffer): Promise<void> {
    const url = this.urlOf(path);
    this.check("PUT", url, await this.send("PUT", url, { ...NEW_ITEM_HEADERS, "x-ms-type": "file", "x-ms-content-length": String(content.length) }));
    for (let start = 0; start < content.length; start += MAX_RANGE_BYTES) {
      const chunk = content.subarray(start, Math.min(start + MAX_RANGE_BYTES, content.length));
      const rangeUrl = this.urlOf(path, "?comp=range");
      const headers = {
        "x-ms-range": `bytes=${start}-${start + chunk.length - 1}`,
        "x-ms-write": "update",
        "Content-MD5": createHash("md5").update(chunk).digest("base64"),
        "Content-Type": "application/octet-stream",
      };
      this.check("PUT", rangeUrl, await this.send("PUT", rangeUrl, headers, chunk));
    }
  }

  /** Delete File; one already gone is fine. */
  async deleteFile(path: string): Promise<void> {
    const url = this.urlOf(path);
    this.check("DELETE", url, await this.send("DELETE", url), [404]);
  }
}
