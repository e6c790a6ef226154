import { createHash } from "node:crypto";
import * as fs from "node:fs";

/** Bytes gathered before each write. */
const CHUNK = 4 << 20;

/** A file written: how many records, how many bytes, and the SHA-256 of those bytes. */
export interface WrittenFile {
  readonly records: number;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Records kept on disk instead of in memory: appended in the order they are read, then written out to other files in
 * any order. Only each record's offset is held (8 bytes a record), so a split of any size costs memory for one chunk.
 */
export class RecordSpool {
  private readonly fd: number;
  private readonly offsets: number[] = [0];
  private pending: string[] = [];
  private pendingBytes = 0;
  private closed = false;

  /** Creates `file`, which must not exist. */
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, "wx");
  }

  get count(): number {
    return this.offsets.length - 1;
  }

  append(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.pending.push(text);
    this.pendingBytes += bytes;
    this.offsets.push(this.offsets[this.offsets.length - 1] + bytes);
    if (this.pendingBytes >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.pendingBytes > 0) fs.writeSync(this.fd, Buffer.from(this.pending.join("")));
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Writes what is pending and closes the file; then it can only be read. */
  close(): void {
    if (this.closed) return;
    this.flush();
    fs.closeSync(this.fd);
    this.closed = true;
  }

  /** Writes the records numbered in `order` (counting from 0, as appended) to a new file `target`, one a line. */
  writeInOrder(target: string, order: readonly number[]): WrittenFile {
    this.close();
    const input = fs.openSync(this.file, "r");
    const output = fs.openSync(target, "wx");
    const hash = createHash("sha256");
    let buffer = Buffer.allocUnsafe(CHUNK);
    let used = 0;
    let bytes = 0;
    const flush = () => {
      hash.update(buffer.subarray(0, used));
      fs.writeSync(output, buffer, 0, used);
      bytes += used;
      used = 0;
    };
    try {
      for (const index of order) {
        const start = this.offsets[index];
        const length = this.offsets[index + 1] - start;
        if (used + length + 1 > buffer.length) {
          flush();
          if (length + 1 > buffer.length) buffer = Buffer.allocUnsafe(length + 1);
        }
        for (let at = 0; at < length; ) {
          const read = fs.readSync(input, buffer, used + at, length - at, start + at);
          if (read === 0) throw new Error(`${this.file} ended before record ${index}`);
          at += read;
        }
        buffer[used + length] = 0x0a;
        used += length + 1;
      }
      flush();
    } finally {
      fs.closeSync(input);
      fs.closeSync(output);
    }
    return { records: order.length, bytes, sha256: hash.digest("hex") };
  }
}
