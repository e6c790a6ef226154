/**
 * A workspace's file share, written with Azure's own SDK (@azure/storage-file-share) as the deployer, by Entra ID: no
 * account key. Azure Files takes an OAuth token on its REST API only from a request that declares the backup intent
 * (`x-ms-file-request-intent: backup`, REST 2022-11-02 or later), which the SDK sends with
 * `ShareClientConfig.fileRequestIntent` (learn.microsoft.com/azure/storage/files/authorize-oauth-rest;
 * learn.microsoft.com/javascript/api/@azure/storage-file-share/shareclientconfig). The identity needs the
 * `fileServices/readFileBackupSemantics` and `writeFileBackupSemantics` data actions: Storage File Data Privileged
 * Contributor on the storage account.
 */
import { createHash } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import type * as FileShare from "@azure/storage-file-share";
import type { ShareClient } from "@azure/storage-file-share";

/** The only intent Azure Files accepts with a token (ShareTokenIntent: `backup`). */
export const FILE_REQUEST_INTENT = "backup";

/** The most bytes one Put Range writes (Azure Files REST "Put Range": 4 MiB). */
export const MAX_RANGE_BYTES = 4 * 1024 * 1024;

/** A file share by its account and the cloud's storage suffix: where it is, not how to sign. */
export interface FileShareAddress {
  readonly accountName: string;
  readonly shareName: string;
  /** The cloud's storage suffix (`core.windows.net`), or `host:port` of an emulator. */
  readonly storageSuffix: string;
}

/** An Azure Files error as the service reports it: status, `x-ms-error-code`, and its message. */
export interface FilesError extends Error {
  readonly name: "FilesError";
  readonly statusCode: number;
  readonly code: string;
}

/**
 * The share's URL. Accounts are `https://<account>.file.<suffix>/<share>`; a suffix that is an IP address or
 * localhost (an emulator, or a stand-in) takes the path style the Storage SDKs use for such hosts,
 * `https://<host>/<account>/<share>` (the SDK's isIpEndpointStyle).
 */
export function shareUrl(address: FileShareAddress): string {
  const host = address.storageSuffix.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  const share = encodeURIComponent(address.shareName);
  const ipStyle = /^(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9a-f:]+\])(:\d+)?$/i.test(host);
  return ipStyle ? `https://${host}/${address.accountName}/${share}` : `https://${address.accountName}.file.${host}/${share}`;
}

/** What to do when Azure Files refuses the deployer's token. */
function permissionHint(address: FileShareAddress, status: number): string {
  if (status !== 403) return "";
  return (
    ` (the deployer needs Storage File Data Privileged Contributor on storage account ${address.accountName}; ` +
    "the stack assigns it, and a new assignment can take a few minutes to apply: run `pulumi up` again)"
  );
}

/** A file share reached with a token: directories and files by their path in the share (`a/b/c`). */
export class AzureFilesClient {
  private readonly share: ShareClient;

  constructor(
    private readonly address: FileShareAddress,
    credential: TokenCredential,
  ) {
    // Loaded when a provider first uploads, not when the program loads this module.
    const sdk = require("@azure/storage-file-share") as typeof FileShare;
    this.share = new sdk.ShareClient(shareUrl(address), credential, {
      fileRequestIntent: FILE_REQUEST_INTENT,
      userAgentOptions: { userAgentPrefix: "phi3-foundry" },
      retryOptions: { maxTries: 5, maxRetryDelayInMs: 60_000, tryTimeoutInMs: 120_000 },
    });
  }

  /** Runs one SDK call; an error says which request failed, with the service's code and message. */
  private async call<T>(method: string, path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const e = err as { statusCode?: number; code?: string; message?: string; details?: { errorCode?: string; message?: string } };
      if (typeof e.statusCode !== "number") throw err;
      const code = e.details?.errorCode ?? e.code ?? "Unknown";
      const detail = (e.details?.message ?? e.message ?? "").split("\n")[0];
      const url = `${shareUrl(this.address)}/${path}`;
      const error = new Error(`${method} ${url} failed: HTTP ${e.statusCode} ${code}${detail ? `: ${detail}` : ""}${permissionHint(this.address, e.statusCode)}`);
      throw Object.assign(error, { name: "FilesError" as const, statusCode: e.statusCode, code });
    }
  }

  /** Create Directory; an existing one is fine (409 ResourceAlreadyExists), as promptflow-azure treats it. */
  async createDirectory(path: string): Promise<"created" | "exists"> {
    const result = await this.call("PUT", path, () => this.share.getDirectoryClient(path).createIfNotExists());
    return result.succeeded ? "created" : "exists";
  }

  /** Get Directory Properties: whether the directory exists. */
  async directoryExists(path: string): Promise<boolean> {
    return this.call("GET", path, () => this.share.getDirectoryClient(path).exists());
  }

  /**
   * Create File at the content's size (it replaces a file of that name), then Put Range for each 4 MiB of content,
   * each with its Content-MD5 so that the service checks what it stores.
   */
  async uploadFile(path: string, content: Buffer): Promise<void> {
    const file = this.fileClient(path);
    await this.call("PUT", path, () => file.create(content.length));
    for (let start = 0; start < content.length; start += MAX_RANGE_BYTES) {
      const chunk = content.subarray(start, Math.min(start + MAX_RANGE_BYTES, content.length));
      const contentMD5 = createHash("md5").update(chunk).digest();
      await this.call("PUT", path, () => file.uploadRange(chunk, start, chunk.length, { contentMD5 }));
    }
  }

  /** Delete File; one already gone is fine. */
  async deleteFile(path: string): Promise<void> {
    await this.call("DELETE", path, () => this.fileClient(path).deleteIfExists());
  }

  private fileClient(path: string) {
    const parts = path.split("/").filter((s) => s !== "");
    const name = parts.pop()!;
    const directory = parts.length > 0 ? this.share.getDirectoryClient(parts.join("/")) : this.share.rootDirectoryClient;
    return directory.getFileClient(name);
  }
}
