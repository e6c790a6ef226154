import * as fs from "node:fs";
import { percentSliceLength } from "./datasetSlice";
import { fetchWithRetry, RetryPolicy } from "./retryingFetch";

export type { RetryPolicy };

/** The leading `percent`% of a split, one JSON record per string, and how many rows the split has in all. */
export interface Slice {
  readonly total: number;
  readonly records: string[];
}

/** Where records come from: a local JSONL or Parquet file, or a Hugging Face dataset. */
export interface RecordSource {
  readonly description: string;
  take(percent: number, onProgress?: (done: number, wanted: number) => void): Promise<Slice>;
}

/** A local JSONL file: its lines, verbatim. */
export class JsonlFileSource implements RecordSource {
  readonly description: string;
  constructor(private readonly path: string) {
    this.description = `local file ${path}`;
  }

  async take(percent: number): Promise<Slice> {
    const lines = fs.readFileSync(this.path, "utf8").split("\n").filter((line) => line.trim() !== "");
    return { total: lines.length, records: lines.slice(0, percentSliceLength(lines.length, percent)) };
  }
}

/** A local Parquet file, read with hyparquet; each row becomes one JSON record. */
export class ParquetFileSource implements RecordSource {
  readonly description: string;
  constructor(private readonly path: string) {
    this.description = `local file ${path}`;
  }

  async take(percent: number): Promise<Slice> {
    // hyparquet ships only as an ES module; a native import() keeps it one from this CommonJS code.
    const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;
    const { parquetMetadataAsync, parquetReadObjects, asyncBufferFromFile } = await importEsm("hyparquet");
    const file = await asyncBufferFromFile(this.path);
    const metadata = await parquetMetadataAsync(file);
    const total = Number(metadata.num_rows);
    const rowEnd = percentSliceLength(total, percent);
    const rows: unknown[] = rowEnd === 0 ? [] : await parquetReadObjects({ file, metadata, rowStart: 0, rowEnd });
    return { total, records: rows.map((row) => JSON.stringify(row, (_, v) => (typeof v === "bigint" ? Number(v) : v))) };
  }
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, timeoutMs: 30_000 };

/** Thrown when the dataset server cannot be reached or keeps failing. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

/** GETs JSON, retrying network errors, timeouts, 429 and 5xx with exponential backoff. */
export async function getJson(url: string, policy: RetryPolicy = DEFAULT_RETRY): Promise<unknown> {
  const result = await fetchWithRetry(url, {}, policy);
  if (result.response?.ok) return JSON.parse(result.body);
  if (!result.exhausted) throw new DownloadError(`${url}: ${result.failure}: ${result.body.slice(0, 300)}`);
  throw new DownloadError(
    `cannot get ${url} after ${policy.attempts} attempts (last: ${result.failure}). Offline? ` +
      "Use --source <file.jsonl|file.parquet> to prepare data from a local copy.",
  );
}

/** The Hugging Face dataset viewer's documented `/rows` API: at most 100 rows a request. */
export const DATASETS_SERVER = "https://datasets-server.huggingface.co";
const PAGE = 100;

interface RowsPage {
  rows: { row_idx: number; row: unknown }[];
  num_rows_total: number;
  partial?: boolean;
}

/** A split of a Hugging Face dataset, read page by page from the dataset viewer, only as far as the slice needs. */
export class HubRowsSource implements RecordSource {
  readonly description: string;
  constructor(
    private readonly dataset: string,
    private readonly split: string,
    private readonly options: { config?: string; serverUrl?: string; retry?: RetryPolicy } = {},
  ) {
    this.description = `Hugging Face dataset ${dataset} (${split})`;
  }

  private async page(offset: number, length: number): Promise<RowsPage> {
    const url = new URL("/rows", this.options.serverUrl ?? DATASETS_SERVER);
    url.search = new URLSearchParams({
      dataset: this.dataset,
      config: this.options.config ?? "default",
      split: this.split,
      offset: String(offset),
      length: String(length),
    }).toString();
    const body = (await getJson(url.toString(), this.options.retry)) as RowsPage;
    if (!Array.isArray(body?.rows) || typeof body.num_rows_total !== "number") {
      throw new DownloadError(`${url}: unexpected answer (no rows / num_rows_total)`);
    }
    if (body.partial) {
      throw new DownloadError(`${this.dataset} is only partly exported by the dataset viewer; its row count is not the split's`);
    }
    return body;
  }

  async take(percent: number, onProgress?: (done: number, wanted: number) => void): Promise<Slice> {
    const first = await this.page(0, PAGE);
    const total = first.num_rows_total;
    const wanted = percentSliceLength(total, percent);
    const rows = first.rows.slice(0, wanted).map((r) => r.row);
    onProgress?.(rows.length, wanted);
    while (rows.length < wanted) {
      const page = await this.page(rows.length, Math.min(PAGE, wanted - rows.length));
      if (page.rows.length === 0) throw new DownloadError(`${this.dataset}: no rows at offset ${rows.length} of ${total}`);
      rows.push(...page.rows.map((r) => r.row));
      onProgress?.(rows.length, wanted);
    }
    return { total, records: rows.map((row) => JSON.stringify(row)) };
  }
}

/** The source a `--source` value names: a local .jsonl or .parquet file, or a Hugging Face dataset id. */
export function sourceFor(source: string, split: string, options: { serverUrl?: string; retry?: RetryPolicy } = {}): RecordSource {
  if (/\.jsonl$/i.test(source)) return new JsonlFileSource(source);
  if (/\.parquet$/i.test(source)) return new ParquetFileSource(source);
  if (/^[\w.-]+\/[\w.-]+$/.test(source)) return new HubRowsSource(source, split, options);
  throw new Error(`--source ${source}: expected a .jsonl or .parquet file or a Hugging Face dataset id (owner/name)`);
}
