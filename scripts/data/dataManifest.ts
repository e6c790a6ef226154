import type { SourceOrigin } from "./sources/recordSource";
import type { WrittenFile } from "./recordSpool";

/** The manifest's name, beside train_data.jsonl and test_data.jsonl. */
export const MANIFEST_FILE = "manifest.json";

/**
 * What `prepare-data` wrote and from what, so that a later run (or `pulumi up`) can tell which data a model trained on.
 * Nothing in it changes from one run to another with the same source, options and result: no time, no host.
 */
export interface DataManifest {
  /** The Hugging Face dataset id, or the local file as given. */
  readonly dataset: string;
  /** The commit of the dataset's Parquet export the rows were read at; null when the reader cannot tell it. */
  readonly revision: string | null;
  /** The dataset's subset (Hugging Face's name for a config, `default` for most); null for a local file. */
  readonly subset: string | null;
  readonly split: string | null;
  /** The address the rows came from: the Hub (HF_ENDPOINT) or the dataset viewer (--reader rows); null for a local file. */
  readonly hub: string | null;
  /** SHA-256 of a local source file; null for a dataset. */
  readonly sourceSha256: string | null;
  readonly reader: SourceOrigin["reader"];
  /** The export's files that were opened, in the split's order. */
  readonly parquetFiles?: readonly string[];
  readonly percent: number;
  readonly seed: number;
  /** Rows in the split (or the file). */
  readonly sourceRows: number;
  /** Rows the percentage took: the first `rows` of the split. */
  readonly rows: number;
  /** Records written, and how many were left out and why. */
  readonly records: number;
  readonly leftOut: { readonly tooLong: number; readonly repeated: number };
  readonly baseModel: string;
  /** Each written file by name: its records, its size in bytes and the SHA-256 of its bytes. */
  readonly files: Readonly<Record<string, WrittenFile>>;
}

/** The manifest as written: JSON, two spaces, a final line break. */
export function manifestText(manifest: DataManifest): string {
  return JSON.stringify(manifest, null, 2) + "\n";
}
