/**
 * What a reader of records is: every reader `prepare-data` uses implements {@link RecordSource}. This module imports
 * none of them; datasetSources.ts picks one.
 */
import type { DataProblem } from "../../../domain/data/chatData";
import type { DownloadPolicy } from "./datasetDownload";
import type { HubAccess } from "./hubAccess";

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
