import type { HubOptions, Progress, RecordSource, Slice, SourceRecord } from "./recordSource";
import { percentSliceLength } from "./datasetSlice";
import { Deadline, DEFAULT_DEADLINE_SECONDS, DEFAULT_DOWNLOAD, DownloadError, getJson } from "./datasetDownload";
import { authHeaders, DEFAULT_HF_ENDPOINT, HubAccess, refusal } from "./hubAccess";
import { remoteLine } from "../../shared/terminalText";

/** The Hugging Face dataset viewer's documented `/rows` API: at most 100 rows a request. */
export const DATASETS_SERVER = "https://datasets-server.huggingface.co";
const PAGE = 100;
/** The most of one page read. */
const MAX_PAGE_BYTES = 16 << 20;

interface Row {
  row_idx: number;
  row: unknown;
  /** Cells the viewer shortened to keep the answer small (dataset-viewer docs/source/rows.md says /rows leaves it empty today). */
  truncated_cells?: string[];
}

interface RowsPage {
  rows: Row[];
  num_rows_total: number;
  partial?: boolean;
}

/**
 * A split of a Hugging Face dataset, read page by page from the dataset viewer, only as far as the slice needs. Each
 * request waits at most the policy's timeout, and the whole download gives up at its deadline; retries are told. A row
 * the viewer marks as truncated is fetched again on its own; if it is still truncated the read stops: a shortened
 * conversation is never handed on as if it were whole.
 */
export class HubRowsSource implements RecordSource {
  readonly description: string;
  readonly name: string;
  private readonly access: HubAccess;
  private readonly server: string;
  constructor(
    private readonly dataset: string,
    private readonly split: string,
    private readonly options: HubOptions & { config?: string } = {},
  ) {
    this.access = options.hub ?? { endpoint: DEFAULT_HF_ENDPOINT };
    this.server = options.serverUrl ?? DATASETS_SERVER;
    this.description = `Hugging Face dataset ${dataset} (${split}), through the dataset viewer's /rows API`;
    this.name = `${dataset} (${split})`;
  }

  private async page(offset: number, length: number, deadline: Deadline): Promise<RowsPage> {
    const url = new URL("/rows", this.server);
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
      // The viewer's docs send the Hub token as a bearer token (dataset-viewer docs/source/rows.md); over https only.
      headers: authHeaders(this.access, url.toString(), [this.server]),
      // A page is 100 rows; the viewer truncates cells to keep it small, but long conversations make it a few MiB.
      maxBytes: MAX_PAGE_BYTES,
      explain: (answer) => refusal(this.access, this.dataset, answer),
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

  /**
   * The page's rows, each truncated one replaced by the same row fetched alone; throws when a row stays truncated.
   * `asked` is how many rows the page's request asked for.
   */
  private async whole(page: RowsPage, asked: number, deadline: Deadline): Promise<Row[]> {
    const rows: Row[] = [];
    for (const row of page.rows) {
      if (!row.truncated_cells?.length) {
        rows.push(row);
        continue;
      }
      const again = asked > 1 ? (await this.page(row.row_idx, 1, deadline)).rows[0] : row;
      if (!again || again.row_idx !== row.row_idx || again.truncated_cells?.length) {
        throw new DownloadError(
          `${this.dataset}, row ${row.row_idx}: the dataset viewer truncates its ${remoteLine((again ?? row).truncated_cells?.join(", ") ?? "", 100) || "cells"} even when it is fetched alone, ` +
            `and a truncated conversation is never written; read the split's Parquet files instead (--reader parquet, the default) or a local copy (--source FILE)`,
        );
      }
      rows.push(again);
    }
    return rows;
  }

  async take(percent: number, onProgress?: Progress): Promise<Slice & { records: SourceRecord[] }> {
    const deadline = new Deadline(this.options.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS);
    const policy = this.options.retry ?? DEFAULT_DOWNLOAD;
    const sendsToken = authHeaders(this.access, this.server, [this.server]).authorization !== undefined;
    this.options.log?.(
      `  asking ${new URL(this.server).host} ${sendsToken ? `with the token from ${this.access.tokenFrom}` : "without a token"}: each request waits up to ${policy.timeoutMs / 1000} s ` +
        `(--request-timeout), all of them up to ${deadline.seconds} s (--deadline)`,
    );
    const first = await this.page(0, PAGE, deadline);
    const total = first.num_rows_total;
    const wanted = percentSliceLength(total, percent);
    const rows = await this.whole({ ...first, rows: first.rows.slice(0, wanted) }, PAGE, deadline);
    onProgress?.(rows.length, wanted);
    while (rows.length < wanted) {
      try {
        const asked = Math.min(PAGE, wanted - rows.length);
        const page = await this.page(rows.length, asked, deadline);
        if (page.rows.length === 0) throw new DownloadError(`${this.dataset}: no rows at offset ${rows.length} of ${total}`);
        rows.push(...(await this.whole(page, asked, deadline)));
      } catch (err) {
        if (err instanceof DownloadError) throw new DownloadError(`${err.message} (${rows.length} of ${wanted} rows were fetched)`);
        throw err;
      }
      onProgress?.(rows.length, wanted);
    }
    return {
      total,
      records: rows.map(({ row, row_idx }) => ({ text: JSON.stringify(row), row: row_idx })),
      origin: { dataset: this.dataset, config: this.options.config ?? "default", split: this.split, reader: "dataset-viewer-rows" },
    };
  }
}
