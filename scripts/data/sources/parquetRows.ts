/**
 * Rows of Parquet files, read row group by row group with hyparquet, from a local file or over HTTP range requests.
 * Only the row groups a slice needs are read, and one row group's rows are in memory at a time.
 */
import * as fs from "node:fs";
import type { AsyncBuffer, FileMetaData, RowGroup } from "hyparquet";
import { binaryBytes, ByteRange, DownloadError, getRange, RequestOptions } from "./datasetDownload";
import type { SourceRecord } from "./recordSource";

/**
 * hyparquet, an ES module: Node's own import() from this CommonJS code; under Jest, a require() of the copy Jest's
 * transformer turned into CommonJS (jest.config.js).
 */
export function loadHyparquet(): Promise<typeof import("hyparquet")> {
  return import("hyparquet");
}

/** A local file as hyparquet's AsyncBuffer, read with positioned reads; `close` when done. */
export async function fileBuffer(file: string): Promise<AsyncBuffer & { close(): Promise<void> }> {
  const handle = await fs.promises.open(file, "r");
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(Math.max(0, end - start));
      for (let at = 0; at < bytes.length; ) {
        const { bytesRead } = await handle.read(bytes, at, bytes.length - at, start + at);
        if (bytesRead === 0) throw new Error(`${file} ended at byte ${start + at}, before ${end}`);
        at += bytesRead;
      }
      return bytes.buffer;
    },
    close: () => handle.close(),
  };
}

/**
 * How many bytes hyparquet reads first from the end of a file for its footer (its `defaultInitialFetchSize`, 512 KiB):
 * the first request asks for exactly these, so that the footer costs one request and tells the file's length.
 */
export const FOOTER_FETCH = 1 << 19;

/**
 * The most one read of a remote file may take, and so the biggest row group (or footer) read: a row group of the Hub's
 * export is a few MB, and every byte of one is held in memory while its rows are decoded.
 */
export const MAX_READ_BYTES = 256 << 20;

/** A file on an HTTP server as hyparquet's AsyncBuffer: every slice is one range request; `bytesRead` counts them. */
export interface RemoteBuffer extends AsyncBuffer {
  readonly url: string;
  bytesRead(): number;
  /** The bytes a slice would request: none when its bytes came with the footer. */
  requestedFor(start: number, end: number): number;
}

/**
 * Opens a remote file with one request for its last {@link FOOTER_FETCH} bytes (which also tells its length); slices
 * within those are served from them, any other slice is a range request with the given options (retries, headers).
 * A slice outside the file, or longer than {@link MAX_READ_BYTES}, is refused before it is asked for.
 */
export async function remoteBuffer(url: string, options: RequestOptions): Promise<RemoteBuffer> {
  let read = 0;
  const get = async (range: ByteRange) => {
    const got = await getRange(url, range, options);
    read += got.bytes.byteLength;
    return got;
  };
  const tail = await get({ suffix: FOOTER_FETCH });
  const tailEnd = tail.start + tail.bytes.byteLength;
  const inTail = (start: number, end: number) => start >= tail.start && end <= tailEnd;
  return {
    url,
    byteLength: tail.fileLength,
    bytesRead: () => read,
    requestedFor: (start, end) => (end <= start || inTail(start, end) ? 0 : end - start),
    async slice(start: number, end = tail.fileLength): Promise<ArrayBuffer> {
      if (end <= start) return new ArrayBuffer(0);
      if (inTail(start, end)) return tail.bytes.slice(start - tail.start, end - tail.start).buffer;
      if (end - start > MAX_READ_BYTES) {
        throw new DownloadError(`${url}: a read of ${binaryBytes(end - start)} (bytes ${start}-${end - 1}), more than the ${binaryBytes(MAX_READ_BYTES)} one read may take; not asked for`);
      }
      if (start < 0 || end > tail.fileLength) throw new DownloadError(`${url}: asked to read bytes ${start}-${end - 1} of a file of ${tail.fileLength}; its Parquet footer is wrong`);
      return (await get({ start, end })).bytes.buffer as ArrayBuffer;
    },
  };
}

/** One Parquet file of a split, opened. */
export interface ParquetPart {
  /** For messages: a path or the file's name in the export. */
  readonly name: string;
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
}

/** Where a row group's column chunks lie in its file: the bytes reading all of its columns takes. */
export function groupSpan(group: RowGroup): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const { meta_data: meta } of group.columns) {
    if (!meta) continue;
    const from = Number(meta.dictionary_page_offset || meta.data_page_offset);
    start = Math.min(start, from);
    end = Math.max(end, from + Number(meta.total_compressed_size));
  }
  return { start, end };
}

/**
 * Why a row group of a remote file, as its footer declares it, is not read, or undefined: bytes outside the file, or
 * more than {@link MAX_READ_BYTES}.
 */
export function rowGroupProblem(group: RowGroup, fileLength: number): string | undefined {
  const { start, end } = groupSpan(group);
  if (end - start > MAX_READ_BYTES) return `declares ${binaryBytes(end - start)}, more than the ${binaryBytes(MAX_READ_BYTES)} a row group may take`;
  if (!(start >= 0 && end <= fileLength)) return `declares bytes ${start}-${end - 1}, outside the file's ${fileLength}`;
  return undefined;
}

/** The row groups that rows [0, wanted) of the parts, taken in order, touch: each with its part and first row. */
export function groupsFor<P extends ParquetPart>(parts: readonly P[], wanted: number): { part: P; group: RowGroup; first: number; start: number }[] {
  const chosen: { part: P; group: RowGroup; first: number; start: number }[] = [];
  let first = 0;
  for (const part of parts) {
    let start = 0;
    for (const group of part.metadata.row_groups) {
      if (first >= wanted) return chosen;
      chosen.push({ part, group, first, start });
      first += Number(group.num_rows);
      start += Number(group.num_rows);
    }
  }
  return chosen;
}

/**
 * A row as one line of JSON; Parquet's 64-bit integers (BigInt in hyparquet) as numbers, as `datasets` writes them.
 * The replacer that converts them is slow, so it runs only for a row that holds one (JSON.stringify throws on BigInt).
 */
export function rowJson(row: unknown): string {
  try {
    return JSON.stringify(row);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(row, (_, value) => (typeof value === "bigint" ? Number(value) : value));
  }
}

/**
 * Rows [0, wanted) of the parts, in order (the split's order: the files in order, each file's row groups in order), each
 * as one JSON record numbered from 0 across the parts. Reads one row group at a time and only the groups the rows are in;
 * `onGroup` is told after each group is read.
 */
export async function* parquetRows(parts: readonly ParquetPart[], wanted: number, onGroup?: () => void): AsyncGenerator<SourceRecord> {
  const { parquetReadObjects } = await loadHyparquet();
  for (const { part, group, first, start } of groupsFor(parts, wanted)) {
    const count = Math.min(Number(group.num_rows), wanted - first);
    const rows = await parquetReadObjects({ file: part.file, metadata: part.metadata, rowStart: start, rowEnd: start + count });
    if (rows.length !== count) throw new Error(`${part.name}: read ${rows.length} rows from rows ${start}-${start + count - 1}, expected ${count}`);
    onGroup?.();
    for (let i = 0; i < count; i++) yield { text: rowJson(rows[i]), row: first + i };
  }
}
