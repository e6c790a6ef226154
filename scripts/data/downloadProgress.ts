/** Bytes as megabytes for a person, e.g. "12.3 MB". */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

/**
 * The bytes of a download as they arrive, told from the first byte on and then at most every `everyMs`, so that a slow
 * link is never silent for long: before the total is known (while the files' footers are read), what has arrived;
 * after, what has arrived of the total. The total is what will really be received: a counter at the total is done.
 */
export class ByteProgress {
  private received = 0;
  private total: number | undefined;
  private shownAt: number | undefined;
  private finished = false;

  constructor(
    private readonly log: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly everyMs = 2000,
  ) {}

  /** Bytes received so far. */
  get bytes(): number {
    return this.received;
  }

  /** The bytes the whole download takes, counting those already received. */
  expect(total: number): void {
    this.total = total;
  }

  /** Counts bytes that arrived, and says so if it is the first, the last, or the first for a while. */
  add(bytes: number): void {
    this.received += bytes;
    const now = this.now();
    const done = !this.finished && this.total !== undefined && this.received >= this.total;
    if (done) this.finished = true;
    if (this.shownAt === undefined || done || now - this.shownAt >= this.everyMs) {
      this.shownAt = now;
      this.log(this.total === undefined ? `  downloaded ${megabytes(this.received)}` : `  downloaded ${megabytes(this.received)} of ${megabytes(this.total)}`);
    }
  }
}
