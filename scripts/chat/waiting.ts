import type { RetryEvent } from "../shared/retryingFetch";
import type { OutStream } from "./cli";

/**
 * How a wait shows on stderr: a spinner with the seconds so far on a terminal; a line every `heartbeatMs` elsewhere
 * (a CI log, where a silent command looks hung); or nothing. Retries are always said, in every mode.
 */
export type WaitMode = "spinner" | "heartbeat" | "off";

const FRAMES = ["|", "/", "-", "\\"];

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** What a retry event means, as a line, or undefined when there is nothing to say. */
export function describeEvent(event: RetryEvent): string | undefined {
  if (event.kind !== "wait") return undefined;
  const wait = event.delayMs < 1000 ? `${Math.round(event.delayMs)} ms` : `${Math.round(event.delayMs / 100) / 10} s`;
  const failure = /^HTTP |^no answer/.test(event.failure) ? event.failure : `cannot reach the endpoint (${event.failure})`;
  return `${failure}; trying again in ${wait}${event.retryAfter ? ", as the endpoint asks" : ""} (attempt ${event.attempt} of ${event.attempts})`;
}

export class WaitIndicator {
  private timer?: NodeJS.Timeout;
  private started = 0;
  private frame = 0;
  private attempt = "";
  private label = "";
  /** What is awaited between retries: the label given to `start`, or, during a wait before the next attempt, that wait. */
  private waitingFor = "";

  constructor(
    private readonly stream: OutStream,
    private readonly mode: WaitMode,
    private readonly timing: { readonly frameMs?: number; readonly heartbeatMs?: number; readonly now?: () => number } = {},
  ) {}

  /** Shows the wait at once and keeps it current until `stop`. */
  start(label: string): void {
    this.stop();
    this.label = label;
    this.waitingFor = label;
    this.attempt = "";
    this.started = this.now();
    if (this.mode === "off") return;
    if (this.mode === "spinner") this.draw();
    const every = this.mode === "spinner" ? (this.timing.frameMs ?? 100) : (this.timing.heartbeatMs ?? 15_000);
    this.timer = setInterval(() => (this.mode === "spinner" ? this.draw() : this.heartbeat()), every);
    this.timer.unref();
  }

  /** Follows the retries: the attempt under way, and each wait said on its own line. */
  readonly event = (event: RetryEvent): void => {
    if (event.kind === "attempt") {
      this.attempt = event.attempt > 1 ? `, attempt ${event.attempt} of ${event.attempts}` : "";
      this.waitingFor = this.label;
    }
    // Nothing is in flight during the wait before a retry: the heartbeat says that, not that the model is answering.
    if (event.kind === "wait") this.waitingFor = `waiting to try again (attempt ${event.attempt} of ${event.attempts})`;
    const line = describeEvent(event);
    if (line) this.note(line);
  };

  /** A line on stderr that the spinner does not overwrite. */
  note(line: string): void {
    if (this.timer && this.mode === "spinner") this.stream.write("\r\x1b[K");
    this.stream.write(`${line}\n`);
    if (this.timer && this.mode === "spinner") this.draw();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.mode === "spinner") this.stream.write("\r\x1b[K");
  }

  private now(): number {
    return (this.timing.now ?? (() => performance.now()))();
  }

  private draw(): void {
    this.stream.write(`\r${FRAMES[this.frame++ % FRAMES.length]} ${this.waitingFor} (${seconds(this.now() - this.started)}${this.attempt})\x1b[K`);
  }

  private heartbeat(): void {
    const doing = this.waitingFor === this.label ? `still ${this.label}` : `still ${this.waitingFor}; nothing sent meanwhile`;
    this.stream.write(`${doing}: ${seconds(this.now() - this.started)} so far${this.waitingFor === this.label ? this.attempt : ""}\n`);
  }
}
