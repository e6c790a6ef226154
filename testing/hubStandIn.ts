import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";

/**
 * A local stand-in of the Hugging Face Hub for a dataset's Parquet export, answering as the Hub's documented API does
 * (huggingface/hub-docs docs/hub/api.md; dataset-viewer docs/source/parquet.md), on two origins as the Hub and its
 * storage are:
 *
 * - hub: `GET /api/datasets/{id}/revision/refs%2Fconvert%2Fparquet` -> `{id, sha}`;
 *   `GET /api/datasets/{id}/parquet/{config}/{split}` -> the files' URLs `.../{n}.parquet`;
 *   `GET /api/datasets/{id}/parquet/{config}/{split}/{n}.parquet` -> 302 to `/datasets/{id}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{nnnn}.parquet`;
 *   `GET /datasets/{id}/resolve/{revision}/{config}/{split}/{nnnn}.parquet` -> 302 to the storage, with X-Repo-Commit.
 * - storage: the file's bytes, honouring `Range: bytes=a-b`, `bytes=a-` and `bytes=-n` with 206 and Content-Range.
 *
 * Every request to either is recorded. Rules answer matching requests first, to play refusals, rate limits and the like.
 */
export interface StandInSplit {
  readonly config?: string;
  readonly split: string;
  /** Each file's bytes, or the path of a file on disk (served from disk, for big generated splits). */
  readonly files: readonly (Uint8Array | string)[];
  /** Redirect into `partial-{split}`, as an export cut at 5 GB does. */
  readonly partial?: boolean;
}

export interface StandInDataset {
  readonly id: string;
  /** The commit of refs/convert/parquet. */
  readonly sha: string;
  readonly splits: readonly StandInSplit[];
  /** List the files in this order of their shard numbers instead of in order. */
  readonly listOrder?: readonly number[];
}

/** Answers the requests whose path and query match, after letting `skip` of them through, `times` times (or always). */
export interface StandInRule {
  readonly server?: "hub" | "storage";
  readonly match: RegExp;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Accept the request and never answer it (`status` is then unused). */
  readonly hang?: boolean;
  skip?: number;
  times?: number;
}

export interface RecordedRequest {
  readonly server: "hub" | "storage";
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly range?: string;
  readonly authorization?: string;
}

export interface HubStandInOptions {
  readonly rules?: StandInRule[];
  /** The storage answers every GET with the whole file, as a server without range support does. */
  readonly ignoreRange?: boolean;
}

const BRANCH = "refs%2Fconvert%2Fparquet";

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Bytes of a file held in memory or on disk. */
function sizeOf(file: Uint8Array | string): number {
  return typeof file === "string" ? fs.statSync(file).size : file.byteLength;
}

function send(res: http.ServerResponse, file: Uint8Array | string, start: number, end: number): void {
  if (typeof file !== "string") {
    res.end(Buffer.from(file.buffer, file.byteOffset + start, end - start));
    return;
  }
  if (end === start) {
    res.end();
    return;
  }
  fs.createReadStream(file, { start, end: end - 1 }).pipe(res);
}

/** [start, end) of a Range header over `size` bytes, or undefined when it cannot be served. */
function byteRange(header: string, size: number): [number, number] | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") return [Math.max(0, size - Number(match[2])), size];
  const start = Number(match[1]);
  const end = match[2] === "" ? size : Math.min(size, Number(match[2]) + 1);
  return start < size && start < end ? [start, end] : undefined;
}

export async function hubStandIn(datasets: readonly StandInDataset[], options: HubStandInOptions = {}) {
  const requests: RecordedRequest[] = [];
  const rules = options.rules ?? [];
  const blobs = new Map<string, Uint8Array | string>();

  const record = (server: "hub" | "storage", req: http.IncomingMessage) => {
    requests.push({ server, method: req.method ?? "GET", url: req.url ?? "/", range: req.headers.range, authorization: req.headers.authorization });
  };
  const answerRule = (server: "hub" | "storage", req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const rule = rules.find((r) => (r.server ?? "hub") === server && r.match.test(req.url ?? "/") && (r.times === undefined || r.times > 0));
    if (!rule) return false;
    if (rule.skip) {
      rule.skip--;
      return false;
    }
    if (rule.times !== undefined) rule.times--;
    if (rule.hang) return true;
    res.writeHead(rule.status, { "content-type": "application/json", ...rule.headers }).end(rule.body ?? JSON.stringify({ error: `HTTP ${rule.status}` }));
    return true;
  };

  const storage = await listen((req, res) => {
    record("storage", req);
    if (answerRule("storage", req, res)) return;
    const file = blobs.get(new URL(req.url ?? "/", "http://x").pathname);
    if (!file) return void res.writeHead(404).end("no such blob");
    const size = sizeOf(file);
    if (!req.headers.range || options.ignoreRange) {
      res.writeHead(200, { "content-length": String(size), "accept-ranges": "bytes" });
      return send(res, file, 0, size);
    }
    const range = byteRange(req.headers.range, size);
    if (!range) return void res.writeHead(416, { "content-range": `bytes */${size}` }).end();
    res.writeHead(206, { "content-length": String(range[1] - range[0]), "content-range": `bytes ${range[0]}-${range[1] - 1}/${size}` });
    send(res, file, range[0], range[1]);
  });

  const notFound = (res: http.ServerResponse, code: string, message: string) =>
    res.writeHead(404, { "content-type": "application/json", "x-error-code": code, "x-error-message": message }).end(JSON.stringify({ error: message }));

  const hub = await listen((req, res) => {
    record("hub", req);
    if (answerRule("hub", req, res)) return;
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const dataset = datasets.find((d) => path.startsWith(`/api/datasets/${d.id}/`) || path.startsWith(`/datasets/${d.id}/`));
    if (!dataset) return notFound(res, "RepoNotFound", "Repository not found");
    const rest = path.slice(path.indexOf(dataset.id) + dataset.id.length);
    const splitOf = (config: string, split: string) => dataset.splits.find((s) => (s.config ?? "default") === config && s.split === split);
    let m: RegExpExecArray | null;
    if ((m = /^\/revision\/([^/]+)$/.exec(rest))) {
      if (m[1] !== BRANCH) return notFound(res, "RevisionNotFound", "Invalid rev id");
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: dataset.id, sha: dataset.sha }));
    }
    if ((m = /^\/parquet\/([^/]+)\/([^/]+)$/.exec(rest))) {
      const split = splitOf(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
      if (!split) return notFound(res, "EntryNotFound", "no such split");
      const order = dataset.listOrder ?? split.files.map((_, n) => n);
      const urls = order.map((n) => `${hubUrl}/api/datasets/${dataset.id}/parquet/${m![1]}/${m![2]}/${n}.parquet`);
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(urls));
    }
    if ((m = /^\/parquet\/([^/]+)\/([^/]+)\/(\d+)\.parquet$/.exec(rest))) {
      const split = splitOf(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
      if (!split || !split.files[Number(m[3])]) return notFound(res, "EntryNotFound", "no such file");
      const dir = split.partial ? `partial-${m[2]}` : m[2];
      const location = `/datasets/${dataset.id}/resolve/${BRANCH}/${m[1]}/${dir}/${m[3].padStart(4, "0")}.parquet`;
      return void res.writeHead(302, { location }).end();
    }
    if ((m = /^\/resolve\/([^/]+)\/([^/]+)\/(partial-)?([^/]+)\/(\d{4})\.parquet$/.exec(rest))) {
      if (m[1] !== BRANCH && m[1] !== dataset.sha) return notFound(res, "RevisionNotFound", "Invalid rev id");
      const split = splitOf(decodeURIComponent(m[2]), decodeURIComponent(m[4]));
      const file = split?.files[Number(m[5])];
      if (!file) return notFound(res, "EntryNotFound", "no such file");
      const blob = `/blobs/${dataset.id}/${dataset.sha}/${m[2]}/${m[4]}/${m[5]}.parquet`;
      blobs.set(blob, file);
      return void res.writeHead(302, { location: `${storage.url}${blob}`, "x-repo-commit": dataset.sha, "x-linked-size": String(sizeOf(file)) }).end();
    }
    return notFound(res, "EntryNotFound", "no such route");
  });
  const hubUrl = hub.url;

  const close = async () => {
    for (const { server } of [hub, storage]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  return { url: hub.url, storageUrl: storage.url, requests, close };
}
