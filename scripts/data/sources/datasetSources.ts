/**
 * Which reader `prepare-data` reads records with: {@link sourceFor} picks one for a `--source` value: a local JSONL or
 * Parquet file, or a Hugging Face dataset read from its Parquet export ({@link HubParquetSource}) or, with
 * `--reader rows`, through the dataset viewer's /rows API ({@link HubRowsSource}). What a reader is: recordSource.ts.
 */
import * as fs from "node:fs";
import { HubParquetSource } from "./hubParquetSource";
import { HubRowsSource } from "./hubRowsSource";
import { JsonlFileSource, ParquetFileSource } from "./localFileSources";
import type { HubOptions, HubReader, RecordSource } from "./recordSource";

/** The split `--split` names when it is not given: ultrachat_200k's supervised fine-tuning split. */
export const DEFAULT_SPLIT = "train_sft";

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
