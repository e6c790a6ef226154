/**
 * Where `prepare-data` reads records from. Every reader implements {@link RecordSource}; {@link sourceFor} picks one
 * for a `--source` value. A new reader (such as the Hub's Parquet files) is one more class behind the same seam.
 */
import * as fs from "node:fs";
import { DataProblem, EMPTY_LINE_REASON, splitJsonl } from "../../infra/chatData";
import { percentSliceLength } from "./datasetSlice";
import type { DownloadPolicy } from "./datasetDownload";
import { HubRowsSource } from "./hubRowsSource";

/** One record as read, and where it is in its source, for messages. */
export interface SourceRecord {
  /** The record as one line of JSON: a JSONL line as written, or a row serialised. */
  readonly text: string;
  /** Line of a JSONL file, counting from 1. */
  readonly line?: number;
  /** Row of a Parquet file or dataset, counting from 0. */
  readonly row?: number;
}

/** The leading `percent`% of a source, and how many records the source has in all. */
export interface Slice {
  readonly total: number;
  readonly records: SourceRecord[];
  /** What is wrong in the slice other than its records, such as an empty line between them. */
  readonly problems?: DataProblem[];
}

/** Where records come from: a local JSONL or Parquet file, or a Hugging Face dataset. */
export interface RecordSource {
  /** For progress lines, e.g. "local file my-chats.jsonl". */
  readonly description: string;
  /** How problems name the source: a path, or the dataset and split. */
  readonly name: string;
  take(percent: number, onProgress?: (done: number, wanted: number) => void): Promise<Slice>;
}

/** A local JSONL file: its lines as written (a byte order mark and empty lines at the end left out). */
export class JsonlFileSource implements RecordSource {
  readonly description: string;
  constructor(readonly name: string) {
    this.description = `local file ${name}`;
  }

  async take(percent: number): Promise<Slice> {
    const { lines, blankLines } = splitJsonl(fs.readFileSync(this.name, "utf8"));
    const records = lines.slice(0, percentSliceLength(lines.length, percent)).map(({ line, text }) => ({ text, line }));
    const lastLine = records.at(-1)?.line ?? 0;
    const problems = blankLines
      .filter((line) => line < lastLine)
      .map((line) => ({ file: this.name, line, reason: EMPTY_LINE_REASON }));
    return { total: lines.length, records, problems };
  }
}

/** hyparquet ships only as an ES module; a native import() keeps it one from this CommonJS code. */
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** A local Parquet file, read with hyparquet; each row becomes one JSON record. */
export class ParquetFileSource implements RecordSource {
  readonly description: string;
  constructor(readonly name: string) {
    this.description = `local file ${name}`;
  }

  async take(percent: number): Promise<Slice> {
    const { parquetMetadataAsync, parquetReadObjects, asyncBufferFromFile } = await importEsm("hyparquet");
    try {
      const file = await asyncBufferFromFile(this.name);
      const metadata = await parquetMetadataAsync(file);
      const total = Number(metadata.num_rows);
      const rowEnd = percentSliceLength(total, percent);
      const rows: unknown[] = rowEnd === 0 ? [] : await parquetReadObjects({ file, metadata, rowStart: 0, rowEnd });
      const records = rows.map((row, index) => ({
        text: JSON.stringify(row, (_, v) => (typeof v === "bigint" ? Number(v) : v)),
        row: index,
      }));
      return { total, records };
    } catch (err) {
      throw new Error(`--source ${this.name}: not a Parquet file that can be read (${(err as Error).message})`);
    }
  }
}

/** The split `--split` names when it is not given: ultrachat_200k's supervised fine-tuning split. */
export const DEFAULT_SPLIT = "train_sft";

/** Where a Hugging Face source reads from, and how patiently. */
export interface HubOptions {
  readonly serverUrl?: string;
  readonly retry?: DownloadPolicy;
  readonly deadlineSeconds?: number;
  /** Told of retries and waits. */
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

/**
 * The source a `--source` value names: a local .jsonl or .parquet file, or a Hugging Face dataset id, whose split is
 * `split` (train_sft when not given). A local file has no splits: a `split` with one is refused rather than ignored.
 */
export function sourceFor(source: string, split: string | undefined, options: HubOptions = {}): RecordSource {
  const local = /\.jsonl$/i.test(source) ? JsonlFileSource : /\.parquet$/i.test(source) ? ParquetFileSource : undefined;
  if (local) {
    if (split !== undefined) throw new Error(`--split ${split}: a local file has no splits; --split names a split of a Hugging Face dataset`);
    const problem = localFileProblem(source);
    if (problem) throw new Error(`--source ${source}: ${problem}`);
    return new local(source);
  }
  if (/^[\w.-]+\/[\w.-]+$/.test(source) && !fs.existsSync(source)) return new HubRowsSource(source, split ?? DEFAULT_SPLIT, options);
  throw new Error(`--source ${source}: expected a .jsonl or .parquet file or a Hugging Face dataset id (owner/name)`);
}
