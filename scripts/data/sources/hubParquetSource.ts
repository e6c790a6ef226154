/**
 * A split of a Hugging Face dataset, read from the Parquet files the dataset viewer exports for every public dataset,
 * as `datasets` reads a split: whole rows, in the split's order. Three documented Hub API calls and HTTP range requests:
 *
 * 1. `GET {HF_ENDPOINT}/api/datasets/{id}/revision/refs%2Fconvert%2Fparquet`: the commit (`sha`) of the Parquet export
 *    (huggingface_hub's `HfApi.dataset_info(repo_id, revision=...)`; the branch: dataset-viewer docs/source/parquet.md).
 * 2. `GET {HF_ENDPOINT}/api/datasets/{id}/parquet/{config}/{split}`: the URLs of the split's files, `.../{n}.parquet`
 *    (huggingface/hub-docs docs/hub/api.md; dataset-viewer docs/source/parquet.md, "Using the Hugging Face Hub API").
 *    Each redirects to `/datasets/{id}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{nnnn}.parquet`; the branch in
 *    that path is replaced by the commit of step 1, so that every byte comes from the same export even if it changes
 *    meanwhile.
 * 3. Range requests on each file: its last 512 KiB (the footer, and the file's length), then, file after file, only the
 *    row groups that hold the first N% of the split's rows.
 *
 * The token goes to the Hub's address only; the Hub redirects file reads to its storage, and fetch drops the
 * Authorization header on a redirect to another origin.
 */
import { percentSliceLength } from "./datasetSlice";
import { Deadline, DEFAULT_DEADLINE_SECONDS, DEFAULT_DOWNLOAD, DownloadError, getJson, getRedirect, RequestOptions } from "./datasetDownload";
import type { HubOptions, Progress, RecordSource, Slice, SourceOrigin, SourceRecord } from "./recordSource";
import { ByteProgress, megabytes } from "../downloadProgress";
import { authHeaders, carriesToken, DEFAULT_HF_ENDPOINT, HubAccess, refusal } from "./hubAccess";
import { FOOTER_FETCH, groupsFor, groupSpan, loadHyparquet, ParquetPart, parquetRows, remoteBuffer, RemoteBuffer, rowGroupProblem } from "./parquetRows";
import { remoteLine } from "../../shared/terminalText";

/** The branch the dataset viewer publishes its Parquet export on. */
export const PARQUET_REVISION = "refs/convert/parquet";

/** The subset (config) of a dataset without named ones. */
export const DEFAULT_CONFIG = "default";

/** The shard number of a listed URL, `.../{n}.parquet`. */
function shardOf(url: string): number {
  const match = /\/(\d+)\.parquet$/.exec(new URL(url).pathname);
  return match ? Number(match[1]) : NaN;
}

export class HubParquetSource implements RecordSource {
  readonly description: string;
  readonly name: string;
  private readonly access: HubAccess;
  private readonly config: string;

  constructor(
    private readonly dataset: string,
    private readonly split: string,
    private readonly options: HubOptions & { config?: string } = {},
  ) {
    this.access = options.hub ?? { endpoint: DEFAULT_HF_ENDPOINT };
    this.config = options.config ?? DEFAULT_CONFIG;
    this.description = `Hugging Face dataset ${dataset} (${split}), its Parquet export`;
    this.name = `${dataset} (${split})`;
  }

  /** Options of one request: the policy, the deadline, the token for the Hub's own address, refusals explained. */
  private request(url: string, deadline: Deadline, what: string, label: string, progress?: ByteProgress): RequestOptions {
    const log = this.options.log;
    return {
      policy: this.options.retry,
      deadline,
      headers: authHeaders(this.access, url),
      // Only the Hub's own answers speak of access; its storage's (an expired signed URL, say) get the plain message.
      explain: (answer) => (new URL(answer.url).origin === new URL(this.access.endpoint).origin ? refusal(this.access, this.dataset, answer, what) : undefined),
      onRetry: log && ((note) => log(`  ${label}: ${note}`)),
      onBytes: progress && ((bytes) => progress.add(bytes)),
    };
  }

  private api(path: string): string {
    return `${this.access.endpoint}/api/datasets/${this.dataset}${path}`;
  }

  /** The commit of the Parquet export. */
  private async revision(deadline: Deadline): Promise<string> {
    const url = this.api(`/revision/${encodeURIComponent(PARQUET_REVISION)}`);
    const info = (await getJson(url, this.request(url, deadline, `Parquet export (${PARQUET_REVISION})`, "revision"))) as { sha?: unknown };
    if (typeof info?.sha !== "string" || !/^[0-9a-f]{40}$/.test(info.sha)) throw new DownloadError(`${url}: unexpected answer (no commit sha)`);
    return info.sha;
  }

  /** The URLs of the split's files, in shard order. */
  private async listing(deadline: Deadline): Promise<string[]> {
    const url = this.api(`/parquet/${encodeURIComponent(this.config)}/${encodeURIComponent(this.split)}`);
    const what = `split ${this.split} (subset ${this.config}) in its Parquet export`;
    const body = await getJson(url, this.request(url, deadline, what, "listing"));
    if (!Array.isArray(body) || body.some((u) => typeof u !== "string" || !URL.canParse(u) || Number.isNaN(shardOf(u)))) {
      throw new DownloadError(`${url}: unexpected answer (not a list of .../{n}.parquet URLs): ${remoteLine(JSON.stringify(body) ?? "", 200)}`);
    }
    if (body.length === 0) throw new DownloadError(`${this.dataset}: its Parquet export lists no files for split ${this.split} (subset ${this.config})`);
    return [...(body as string[])].sort((a, b) => shardOf(a) - shardOf(b));
  }

  /** The file a listed URL redirects to, pinned to the export's commit. */
  private async pinned(listed: string, sha: string, deadline: Deadline): Promise<string> {
    const location = await getRedirect(listed, this.request(listed, deadline, "Parquet file", `file ${shardOf(listed)}`));
    const branch = `/resolve/${encodeURIComponent(PARQUET_REVISION)}/`;
    const url = new URL(location);
    if (!url.pathname.includes(branch)) {
      throw new DownloadError(`${listed} redirects to ${remoteLine(location)}, not to a file of the Parquet export (${PARQUET_REVISION}); cannot pin it to commit ${sha}`);
    }
    if (url.pathname.includes(`/${encodeURIComponent(this.config)}/partial-`)) {
      throw new DownloadError(
        `${this.dataset} is only partly exported to Parquet (${url.pathname.split(branch)[1]}): its rows are not the whole split, ` +
          `so N% of them is not N% of ${this.split}; use a local copy (--source FILE)`,
      );
    }
    url.pathname = url.pathname.replace(branch, `/resolve/${sha}/`);
    return url.toString();
  }

  async take(percent: number, onProgress?: Progress): Promise<Slice> {
    const log = this.options.log;
    const deadline = new Deadline(this.options.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS);
    const policy = this.options.retry ?? DEFAULT_DOWNLOAD;
    const progress = new ByteProgress(log ?? (() => undefined));
    log?.(
      `  asking ${new URL(this.access.endpoint).host} (HF_ENDPOINT) ${this.access.token && carriesToken(this.access.endpoint) ? `with the token from ${this.access.tokenFrom}` : "without a token"}: ` +
        `each request waits up to ${policy.timeoutMs / 1000} s (--request-timeout), all of them up to ${deadline.seconds} s (--deadline)`,
    );
    const sha = await this.revision(deadline);
    const listed = await this.listing(deadline);
    const { parquetMetadataAsync } = await loadHyparquet();
    const parts: (ParquetPart & { file: RemoteBuffer })[] = [];
    for (const [i, url] of listed.entries()) {
      const pinned = await this.pinned(url, sha, deadline);
      const name = decodeURIComponent(new URL(pinned).pathname.split(`/resolve/${sha}/`)[1] ?? pinned);
      log?.(`  file ${i + 1} of ${listed.length}, ${name}: reading its footer (its last ${FOOTER_FETCH / 1024} KiB), which says where its rows are`);
      const file = await remoteBuffer(pinned, this.request(pinned, deadline, "Parquet file", name, progress));
      let metadata;
      try {
        metadata = await parquetMetadataAsync(file, { initialFetchSize: FOOTER_FETCH });
      } catch (err) {
        if (err instanceof DownloadError) throw err;
        throw new DownloadError(`${name} of ${this.dataset}'s Parquet export cannot be read as Parquet (${(err as Error).message})`);
      }
      parts.push({ name, file, metadata });
    }
    const total = parts.reduce((sum, p) => sum + Number(p.metadata.num_rows), 0);
    const wanted = percentSliceLength(total, percent);
    const groups = groupsFor(parts, wanted);
    for (const { part, group } of groups) {
      const problem = rowGroupProblem(group, part.file.byteLength);
      if (problem) throw new DownloadError(`${part.name} of ${this.dataset}'s Parquet export: row group ${part.metadata.row_groups.indexOf(group)} ${problem}; not downloaded`);
    }
    // What the download takes in all: what has come so far and the row groups' bytes that did not come with a footer.
    const expected = progress.bytes + groups.reduce((sum, { part, group }) => sum + part.file.requestedFor(groupSpan(group).start, groupSpan(group).end), 0);
    progress.expect(expected);
    log?.(
      `  ${parts.length} Parquet file${parts.length === 1 ? "" : "s"} at commit ${sha}, ${total} rows; ` +
        `the first ${wanted} are in ${groups.length} row group${groups.length === 1 ? "" : "s"}: ${megabytes(expected - progress.bytes)} more to download, ${megabytes(expected)} in all`,
    );
    const origin: SourceOrigin = { dataset: this.dataset, config: this.config, split: this.split, revision: sha, reader: "hub-parquet", files: parts.map((p) => p.name) };
    const name = this.name;
    async function* records(): AsyncGenerator<SourceRecord> {
      let done = 0;
      try {
        for await (const record of parquetRows(parts, wanted)) {
          yield record;
          onProgress?.(++done, wanted, { read: progress.bytes, expected });
        }
      } catch (err) {
        if (err instanceof DownloadError) throw new DownloadError(`${err.message} (${done} of ${wanted} rows were read)`);
        throw new DownloadError(`${name}: a row group cannot be read (${(err as Error).message}; ${done} of ${wanted} rows were read)`);
      }
    }
    return { total, records: records(), origin };
  }
}
