/**
 * One conversation of `npm run chat`: the history, the slash commands, and Ctrl-C. It reads lines and writes text;
 * the terminal around it is index.ts.
 */
import type { ChatMessage } from "./scoringClient";
import { ScoringError } from "./scoringClient";
import { stripControls } from "../shared/terminalText";
import { EXIT, OutStream } from "./cli";
import { ContextBudget, droppedMessage, fitToContext, tooLongMessage } from "./context";

export const COMMANDS: Readonly<Record<string, string>> = {
  "/help": "list these commands",
  "/reset": "start a new conversation (asks first)",
  "/exit": "end the chat (also /quit or Ctrl-D)",
  "/quit": "end the chat",
};

export const CHAT_KEYS_HELP =
  "Start a message with // to send a line that begins with /. Ctrl-C cancels the answer being waited for;\n" +
  "Ctrl-C twice in a row ends the chat.\n";

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The command a mistyped one most likely meant, if any is close. */
export function closestCommand(name: string): string | undefined {
  const [best] = Object.keys(COMMANDS)
    .map((command) => ({ command, d: distance(name.toLowerCase(), command) }))
    .sort((x, y) => x.d - y.d);
  return best && best.d <= 2 ? best.command : undefined;
}

/** Sends the conversation and resolves with the answer; rejects with a ScoringError, "cancelled" when aborted. */
export type Send = (messages: readonly ChatMessage[], signal: AbortSignal) => Promise<string>;

export class ChatSession {
  readonly history: ChatMessage[] = [];
  /** Set once the chat should end, with the process's exit code. */
  exitCode?: number;
  private inFlight?: AbortController;
  private confirmingReset = false;
  /** Ctrl-C presses since the last line, to end the chat on the second. */
  private interrupts = 0;

  constructor(
    private readonly send: Send,
    private readonly stdout: OutStream,
    private readonly stderr: OutStream,
    /** The model's context and the answer's room: what does not fit is left out, oldest first. */
    private readonly budget?: ContextBudget,
  ) {}

  /** An answer is being waited for. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  get prompt(): string {
    return this.confirmingReset ? `Forget the ${this.exchanges()}? [y/N] ` : "you> ";
  }

  async handle(raw: string): Promise<void> {
    this.interrupts = 0;
    const line = raw.trim();
    if (this.confirmingReset) {
      this.confirmingReset = false;
      if (/^y(es)?$/i.test(line)) {
        this.history.length = 0;
        this.stdout.write("Started over.\n");
      } else {
        this.stdout.write("Kept the conversation.\n");
      }
      return;
    }
    if (!line) return;
    if (line.startsWith("/") && !line.startsWith("//")) return this.command(line);
    await this.ask(line.startsWith("//") ? line.slice(1) : line);
  }

  /** Ctrl-C: cancels the answer being waited for; a second one in a row ends the chat. */
  interrupt(): void {
    this.interrupts++;
    if (this.interrupts >= 2) {
      this.exitCode = EXIT.interrupted;
      this.inFlight?.abort();
      return;
    }
    if (this.inFlight) {
      this.inFlight.abort();
      return;
    }
    this.confirmingReset = false;
    this.stderr.write("\n(Ctrl-C again, /exit or Ctrl-D to leave)\n");
  }

  private command(line: string): void {
    const name = line.split(/\s+/)[0].toLowerCase();
    switch (name) {
      case "/help":
        this.stdout.write(helpText());
        return;
      case "/reset":
        if (this.history.length === 0) this.stdout.write("Nothing to forget: the conversation is empty.\n");
        else this.confirmingReset = true;
        return;
      case "/exit":
      case "/quit":
        this.exitCode = EXIT.ok;
        return;
    }
    const guess = closestCommand(name);
    this.stderr.write(
      `Unknown command ${name}${guess ? `; did you mean ${guess}?` : "."} Nothing was sent. /help lists the commands; ` +
        "start with // to send a line that begins with /.\n",
    );
  }

  private async ask(content: string): Promise<void> {
    this.history.push({ role: "user", content });
    if (this.budget) {
      const fitted = fitToContext(this.history, this.budget);
      if ("tooLong" in fitted) {
        this.history.pop();
        this.stderr.write(`${tooLongMessage(fitted.tooLong, this.budget)}\n`);
        return;
      }
      if (fitted.droppedExchanges > 0) {
        this.history.splice(0, this.history.length - fitted.messages.length);
        this.stderr.write(`${droppedMessage(fitted.droppedExchanges, this.budget)}\n`);
      }
    }
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      const answer = stripControls(await this.send(this.history, controller.signal));
      this.history.push({ role: "assistant", content: answer });
      this.stdout.write(`phi3> ${answer}\n`);
    } catch (err) {
      this.history.pop();
      if (err instanceof ScoringError && err.kind === "cancelled") {
        this.stderr.write("Cancelled; nothing was added to the conversation. (Ctrl-C again to leave)\n");
      } else {
        this.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      }
    } finally {
      this.inFlight = undefined;
    }
  }

  private exchanges(): string {
    const n = this.history.filter((m) => m.role === "user").length;
    return n === 1 ? "1 exchange so far" : `${n} exchanges so far`;
  }
}

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return Object.entries(COMMANDS)
    .map(([command, what]) => `  ${command.padEnd(width)}  ${what}\n`)
    .join("")
    .concat(CHAT_KEYS_HELP);
}
