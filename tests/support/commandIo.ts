import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import type { Io } from "../../scripts/chat/cli";

/**
 * A process for the chat-family commands run in-process (chat, smoke, evaluate): captured stdout and stderr, piped
 * stdin, and Ctrl-C on demand.
 */
export function commandIo(env: Record<string, string>, options: { tty?: boolean; clock?: Io["clock"]; readOutputs?: Io["readOutputs"] } = {}) {
  const out = { text: "", isTTY: options.tty ?? false, write: (t: string) => (out.text += t) };
  const err = { text: "", isTTY: options.tty ?? false, write: (t: string) => (err.text += t) };
  const stdin = new PassThrough();
  const ctrlC = new EventEmitter();
  const io: Io = {
    stdin,
    stdout: out,
    stderr: err,
    env,
    clock: options.clock,
    readOutputs: options.readOutputs,
    onInterrupt(handler) {
      ctrlC.on("SIGINT", handler);
      return () => ctrlC.off("SIGINT", handler);
    },
  };
  return { io, stdin, out, err, interrupt: () => ctrlC.emit("SIGINT") };
}
