import type { OutStream } from "../chat/cli";
import { describeEvent } from "../chat/waiting";
import type { RetryEvent } from "../shared/retryingFetch";
import { stripControls } from "../shared/terminalText";

/**
 * How far a run is, on one line of stderr redrawn in place, on a terminal only; retry waits are said on lines of their
 * own everywhere, in the words of `npm run chat`.
 */
export class Progress {
  private done = 0;
  private failed = 0;
  private drawn = false;

  constructor(
    private readonly stream: OutStream,
    private readonly total: number,
  ) {}

  private get live(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** One request ended. */
  step(failed: boolean): void {
    this.done++;
    if (failed) this.failed++;
    this.draw();
  }

  readonly event = (label: string, event: RetryEvent): void => {
    const line = describeEvent(event);
    if (line) this.note(`${label}: ${line}`);
  };

  note(line: string): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.stream.write(`${stripControls(line)}\n`);
    this.draw();
  }

  draw(): void {
    if (!this.live) return;
    this.stream.write(`\r${this.done}/${this.total} requests answered or failed${this.failed ? ` (${this.failed} failed)` : ""}\x1b[K`);
    this.drawn = true;
  }

  stop(): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }
}
