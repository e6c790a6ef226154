/**
 * Where `prepare-data` reads records from. Every reader implements {@link RecordSource}; {@link sourceFor} picks one
 * for a `--source` value: a local JSONL or Parquet file, or a Hugging Face dataset read from its Parquet export
 * ({@link HubParquetSource}) or, with `--reader rows`, through the dataset viewer's /rows API ({@link HubRowsSource}).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { DataProblem, EMPTY_LINE_REASON, splitJsonl } from "../../domain/data/chatData";
import { percentSliceLength } from "./datasetSlice";
import type { DownloadPolicy } from "./datasetDownload";
import type { HubAccess } from "./hubAccess";
import { HubParquetSource } from "./hubParquetSource";
import { HubRowsSource } from "./hubRowsSource";
import { fileBuffer, loadHyparquet, parquetRows } from "./parquetRows";

/** One record as read, and where it is in its source, for messages. */
export interface SourceRecord {
  /** The record as one line of JSON: a JSONL line as written, or a row serialised. */
  readonly text: string;
  /** Line of a JSONL file, counting from 1. */
  readonly line?: number;
  /** Row of a Parquet file or dataset, counting from 0. */
  readonly row?: number;
}

/** What a slice was read from, precisely enough to read the same rows again; the manifest records it. */
export interface SourceOrigin {
  /** The Hugging Face dataset id, or the local file as given. */
  readonly dataset: string;
  readonly config?: string;
  readonly split?: string;
  /** The commit of the dataset's Parquet export (refs/convert/parquet) the rows were read at. */
  readonly revision?: string;
  /** SHA-256 of a local source file. */
  readonly sha256?: string;
  /** How the rows were read; "other" for a reader handed to prepareData by code. */
  readonly reader: "hub-parquet" | "dataset-viewer-rows" | "jsonl-file" | "parquet-file" | "other";
  /** The Parquet files of the export that were opened, in the split's order. */
  readonly files?: readonly string[];
}

/** The leading `percent`% of a source, and how many records the source has in all. */
export interface Slice {
  readonly total: number;
  /** In the source's order; a reader that streams hands them over as it reads them. */
  readonly records: Iterable<SourceRecord> | AsyncIterable<SourceRecord>;
  /** What is wrong in the slice other than its records, such as an empty line between them. */
  readonly problems?: DataProblem[];
  readonly origin?: SourceOrigin;
}

/** Progress of a read: records so far of those wanted, and for a download the bytes so far and expected in all. */
export type Progress = (done: number, wanted: number, bytes?: { readonly read: number; readonly expected: number }) => void;

/** Where records come from: a local JSONL or Parquet file, or a Hugging Face dataset. */
export interface RecordSource {
  /** For progress lines, e.g. "local file my-chats.jsonl". */
  readonly description: string;
  /** How problems name the source: a path, or the dataset and split. */
  readonly name: string;
  take(percent: number, onProgress?: Progress): Promise<Slice>;
}

/** A local JSONL file: its lines as written (a byte order mark and empty lines at the end left out). */
export class JsonlFileSource implements RecordSource {
  readonly description: string;
  constructor(readonly name: string) {
    this.description = `local file ${name}`;
  }

  async take(percent: number): Promise<Slice> {
    const bytes = fs.readFileSync(this.name);
    const { lines, blankLines } = splitJsonl(bytes.toString("utf8"));
    const records = lines.slice(0, percentSliceLength(lines.length, percent)).map(({ line, text }) => ({ text, line }));
    const lastLine = records.at(-1)?.line ?? 0;
    const problems = blankLines
      .filter((line) => line < lastLine)
      .map((line) => ({ file: this.name, line, reason: EMPTY_LINE_REASON }));
    const origin: SourceOrigin = { dataset: this.name, reader: "jsonl-file", sha256: createHash("sha256").update(bytes).digest("hex") };
    return { total: lines.length, records, problems, origin };
  }
}

/** SHA-256 of a file, read in pieces. */
async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** A local Parquet file, read row group by row group with hyparquet; each row becomes one JSON record. */
export class ParquetFileSource implements RecordSource {
  readonly description: string;
  constructor(readonly name: string) {
    this.description = `local file ${name}`;
  }

  private unreadable(err: unknown): Error {
    return new Error(`--source ${this.name}: not a Parquet file that can be read (${(err as Error).message})`);
  }

  async take(percent: number, onProgress?: Progress): Promise<Slice> {
    const { parquetMetadataAsync } = await loadHyparquet();
    const file = await fileBuffer(this.name);
    let metadata;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (err) {
      await file.close();
      throw this.unreadable(err);
    }
    const total = Number(metadata.num_rows);
    const wanted = percentSliceLength(total, percent);
    const origin: SourceOrigin = { dataset: this.name, reader: "parquet-file", sha256: await fileSha256(this.name) };
    const unreadable = (err: unknown) => this.unreadable(err);
    async function* records(): AsyncGenerator<SourceRecord> {
      let done = 0;
      try {
        for await (const record of parquetRows([{ name: origin.dataset, file, metadata: metadata! }], wanted)) {
          yield record;
          onProgress?.(++done, wanted);
        }
      } catch (err) {
        throw unreadable(err);
      } finally {
        await file.close();
      }
    }
    return { total, records: records(), origin };
  }
}

/** The split `--split` names when it is not given: ultrachat_200k's supervised fine-tuning split. */
export const DEFAULT_SPLIT = "train_sft";

/** The ways of reading a Hugging Face dataset: its Parquet export (the default) or the dataset viewer's /rows API. */
export const HUB_READERS = ["parquet", "rows"] as const;
export type HubReader = (typeof HUB_READERS)[number];

/** Where a Hugging Face source reads from, and how patiently. */
export interface HubOptions {
  /** The Hub's address and token (HF_ENDPOINT, HF_TOKEN); https://huggingface.co and no token when not given. */
  readonly hub?: HubAccess;
  /** parquet (the default) or rows; refused for a local file. */
  readonly reader?: HubReader;
  /** The dataset viewer's address, for the rows reader. */
  readonly serverUrl?: string;
  /** Attempts and per-request timeout of each download request. */
  readonly retry?: DownloadPolicy;
  /** Seconds the whole download may take. */
  readonly deadlineSeconds?: number;
  /** Told of progress, retries and waits, one line at a time (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/** Why a local source cannot be read, or undefined. */
function localFileProblem(source: string): string | undefined {
  try {
    if (fs.statSync(source).isDirectory()) return "is a folder; name a .jsonl or .parquet file";
    fs.accessSync(source, fs.constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "no such file" : code === "EACCES" || code === "EPERM" ? "cannot be read: permission denied" : `cannot be read (${code})`;
  }
}

/** A Hugging Face dataset id, `owner/name`, that is not a local path. */
function isDatasetId(source: string): boolean {
  return /^[\w.-]+\/[\w.-]+$/.test(source) && !fs.existsSync(source);
}

/**
 * Why `--source` with `--split` and `--reader` cannot be read, or undefined: a local file must be a readable .jsonl or
 * .parquet file and has no splits (a `split` with one is refused rather than ignored); anything else must be a dataset
 * id. The command line checks this before anything is read.
 */
export function sourceProblem(source: string, split: string | undefined, reader: HubReader | undefined): string | undefined {
  if (/\.(jsonl|parquet)$/i.test(source)) {
    if (split !== undefined) return `--split ${split}: a local file has no splits; --split names a split of a Hugging Face dataset`;
    if (reader !== undefined) return `--reader ${reader}: a local file is read as it is; --reader says how to read a Hugging Face dataset`;
    const problem = localFileProblem(source);
    return problem ? `--source ${source}: ${problem}` : undefined;
  }
  return isDatasetId(source) ? undefined : `--source ${source}: expected a .jsonl or .parquet file or a Hugging Face dataset id (owner/name)`;
}

/**
 * The source a `--source` value names: a local .jsonl or .parquet file, or a Hugging Face dataset id, whose split is
 * `split` (train_sft when not given); throws what {@link sourceProblem} finds.
 */
export function sourceFor(source: string, split: string | undefined, options: HubOptions = {}): RecordSource {
  const problem = sourceProblem(source, split, options.reader);
  if (problem) throw new Error(problem);
  if (/\.jsonl$/i.test(source)) return new JsonlFileSource(source);
  if (/\.parquet$/i.test(source)) return new ParquetFileSource(source);
  const reader = options.reader === "rows" ? HubRowsSource : HubParquetSource;
  return new reader(source, split ?? DEFAULT_SPLIT, options);
}
