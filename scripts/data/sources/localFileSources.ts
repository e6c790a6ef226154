/** The readers of a local file: JSONL as written, or Parquet row by row. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { EMPTY_LINE_REASON, splitJsonl } from "../../../domain/data/chatDataFile";
import { percentSliceLength } from "./datasetSlice";
import { fileBuffer, loadHyparquet, parquetRows } from "./parquetRows";
import type { Progress, RecordSource, Slice, SourceOrigin, SourceRecord } from "./recordSource";

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
