/**
 * `npm run smoke -- [--message TEXT] [--stack NAME] [limits]`: after `pulumi up`, one chat request to the deployment;
 * prints the latency of the answering request and the answer, and exits non-zero when the model does not answer.
 */
import { parseArgs } from "node:util";
import { findEndpoint } from "./chat/endpointTarget";
import { ask, ClientOptions, DEFAULT_CLIENT, EndpointTarget, ScoringError } from "./chat/scoringClient";
import { stripControls } from "./shared/terminalText";
import { EXIT, EXIT_CODES_HELP, Io, processIo, REQUEST_OPTIONS, requestHelp, requestOptions, UsageError, usageFrom } from "./chat/cli";
import { exitAfter, exitWhenFlushed } from "./shared/exitCodes";
import { WaitIndicator } from "./chat/waiting";

/** A first request may meet a deployment that is still warming up: a few minutes in all, as after `pulumi up`. */
export const SMOKE_CLIENT: ClientOptions = { ...DEFAULT_CLIENT, deadlineMs: 300_000, attempts: 6 };

const DEFAULT_MESSAGE = "Who founded Microsoft?";

export const SMOKE_HELP =
  "usage: npm run smoke -- [--message TEXT] [--stack NAME] [options]\n\n" +
  "One chat request to the stack's endpoint (PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY when set, else the stack's\n" +
  "scoringUri and endpointKey outputs): prints the latency of the request that answered (without waits between\n" +
  "attempts) and the answer. Progress goes to stderr while it waits.\n\n" +
  `  --message TEXT             what to ask (default "${DEFAULT_MESSAGE}")\n` +
  "  --stack NAME               the stack whose outputs name the endpoint (default: the selected stack)\n" +
  requestHelp(SMOKE_CLIENT) +
  "\n" +
  EXIT_CODES_HELP;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** `npm run smoke` with these arguments; resolves with the exit code. */
export async function runSmoke(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let target: EndpointTarget;
  let options: ClientOptions;
  let message: string;
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: { message: { type: "string", default: DEFAULT_MESSAGE }, stack: { type: "string" }, ...REQUEST_OPTIONS },
        strict: true,
      }));
    } catch (err) {
      throw usageFrom(err, "smoke");
    }
    if (values.help) {
      io.stdout.write(SMOKE_HELP);
      return EXIT.ok;
    }
    options = requestOptions(values, SMOKE_CLIENT);
    message = values.message;
    if (!message.trim()) throw new UsageError("--message is empty: say what to ask");
    target = await findEndpoint(io.env, io.readOutputs, values.stack);
  } catch (err) {
    io.stderr.write(`smoke check failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.usage;
  }

  io.stderr.write(`asking ${target.url}: up to ${seconds(options.timeoutMs)} a request, ${seconds(options.deadlineMs!)} in all\n`);
  const waiting = new WaitIndicator(io.stderr, io.stderr.isTTY ? "spinner" : "heartbeat");
  const controller = new AbortController();
  const stopListening = io.onInterrupt(() => controller.abort());
  waiting.start("waiting for the model");
  try {
    const answer = await ask(target, [{ role: "user", content: message }], undefined, {
      ...options,
      clock: io.clock,
      signal: controller.signal,
      onEvent: waiting.event,
    });
    waiting.stop();
    const latency = `${Math.round(answer.latencyMs)} ms`;
    if (!answer.text.trim()) {
      io.stderr.write(`smoke check failed: the model answered with nothing after ${latency}\n`);
      return EXIT.failed;
    }
    const retried = answer.attempts > 1 ? ` (attempt ${answer.attempts}; ${seconds(answer.elapsedMs)} in all with the waits)` : "";
    io.stdout.write(`ok: ${latency}${retried}\nQ: ${message}\nA: ${stripControls(answer.text)}\n`);
    return EXIT.ok;
  } catch (err) {
    waiting.stop();
    if (err instanceof ScoringError && err.kind === "cancelled") {
      io.stderr.write("smoke check cancelled\n");
      return EXIT.interrupted;
    }
    io.stderr.write(`smoke check failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  } finally {
    stopListening();
  }
}

if (require.main === module) {
  runSmoke(process.argv.slice(2)).then(exitWhenFlushed, (err: unknown) =>
    exitAfter(`smoke check failed: ${err instanceof Error ? err.message : String(err)}\n`, EXIT.failed),
  );
}
