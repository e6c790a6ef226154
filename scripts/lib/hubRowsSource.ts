import type { HubOptions, RecordSource, Slice, SourceRecord } from "./datasetSources";
import { percentSliceLength } from "./datasetSlice";
import { Deadline, DEFAULT_DEADLINE_SECONDS, DEFAULT_DOWNLOAD, DownloadError, getJson } from "./datasetDownload";

/** The Hugging Face dataset viewer's documented `/rows` API: at most 100 rows a request. */
export const DATASETS_SERVER = "https://datasets-server.huggingface.co";
const PAGE = 100;

interface RowsPage {
  rows: { row_idx: number; row: unknown }[];
  num_rows_total: number;
  partial?: boolean;
}

/**
 * A split of a Hugging Face dataset, read page by page from the dataset viewer, only as far as the slice needs. Each
 * request waits at most the policy's timeout, and the whole download gives up at its deadline; retries are told.
 */
export class HubRowsSource implements RecordSource {
  readonly description: string;
  readonly name: string;
  constructor(
    private readonly dataset: string,
    private readonly split: string,
    private readonly options: HubOptions & { config?: string } = {},
  ) {
    this.description = `Hugging Face dataset ${dataset} (${split})`;
    this.name = `${dataset} (${split})`;
  }

  private async page(offset: number, length: number, deadline: Deadline): Promise<RowsPage> {
    const url = new URL("/rows", this.options.serverUrl ?? DATASETS_SERVER);
    url.search = new URLSearchParams({
      dataset: this.dataset,
      config: this.options.config ?? "default",
      split: this.split,
      offset: String(offset),
      length: String(length),
    }).toString();
    const log = this.options.log;
    const body = (await getJson(url.toString(), {
      policy: this.options.retry,
      deadline,
      onRetry: log && ((note) => log(`  rows ${offset}-${offset + length - 1}: ${note}`)),
    })) as RowsPage;
    if (!Array.isArray(body?.rows) || typeof body.num_rows_total !== "number") {
      throw new DownloadError(`${url}: unexpected answer (no rows / num_rows_total)`);
    }
    if (body.partial) {
      throw new DownloadError(`${this.dataset} is only partly exported by the dataset viewer; its row count is not the split's`);
    }
    return body;
  }

  async take(percent: number, onProgress?: (done: number, wanted: number) => void): Promise<Slice & { records: SourceRecord[] }> {
    const deadline = new Deadline(this.options.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS);
    const policy = this.options.retry ?? DEFAULT_DOWNLOAD;
    this.options.log?.(
      `  asking ${new URL(this.options.serverUrl ?? DATASETS_SERVER).host}: each request waits up to ${policy.timeoutMs / 1000} s ` +
        `(--request-timeout), all of them up to ${deadline.seconds} s (--deadline)`,
    );
    const first = await this.page(0, PAGE, deadline);
    const total = first.num_rows_total;
    const wanted = percentSliceLength(total, percent);
    const rows = first.rows.slice(0, wanted);
    onProgress?.(rows.length, wanted);
    while (rows.length < wanted) {
      let page: RowsPage;
      try {
        page = await this.page(rows.length, Math.min(PAGE, wanted - rows.length), deadline);
      } catch (err) {
        if (err instanceof DownloadError) throw new DownloadError(`${err.message} (${rows.length} of ${wanted} rows were fetched)`);
        throw err;
      }
      if (page.rows.length === 0) throw new DownloadError(`${this.dataset}: no rows at offset ${rows.length} of ${total}`);
      rows.push(...page.rows);
      onProgress?.(rows.length, wanted);
    }
    return { total, records: rows.map(({ row, row_idx }) => ({ text: JSON.stringify(row), row: row_idx })) };
  }
}
