/**
 * `npm run chat -- [--message TEXT | --web [--port N]] [--temperature 0.7] [--max-new-tokens 128] [--stack NAME]
 * [limits]`: talk to the fine-tuned model. With --message it answers once; with --web it serves a page on 127.0.0.1
 * until Ctrl-C; without either, it keeps a conversation until /exit. `--help` says all.
 */
import * as readline from "node:readline";
import { parseArgs } from "node:util";
import { findBaseline, findEndpoint } from "./endpointTarget";
import { ask, ClientOptions, DEFAULT_CLIENT, DEFAULT_PARAMETERS, EndpointTarget, GenerationParameters, ScoringError } from "./scoringClient";
import { stripControls } from "../shared/terminalText";
import { EXIT, EXIT_CODES_HELP, Io, processIo, REQUEST_OPTIONS, requestHelp, requestOptions, UsageError, usageFrom } from "./cli";
import { exitAfter, exitWhenFlushed } from "../shared/exitCodes";
import { ChatSession, helpText, Send } from "./session";
import { WaitIndicator } from "./waiting";
import { startWebChat } from "./web";
import { ContextBudget, DEFAULT_CONTEXT_TOKENS, fitToContext, tooLongMessage } from "./context";

/** `--context-tokens`: a whole number of tokens, the default model's context when unset. */
function contextTokens(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CONTEXT_TOKENS;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 256 || value > 1_048_576) throw new UsageError(`--context-tokens ${text}: a whole number of tokens from 256 to 1048576`);
  return value;
}

export function parameters(values: { temperature?: string; "max-new-tokens"?: string }): GenerationParameters {
  const temperature = Number(values.temperature ?? DEFAULT_PARAMETERS.temperature);
  const maxNewTokens = Number(values["max-new-tokens"] ?? DEFAULT_PARAMETERS.maxNewTokens);
  if (!(temperature >= 0 && temperature <= 2)) throw new UsageError(`--temperature ${values.temperature}: a number from 0 to 2`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new UsageError(`--max-new-tokens ${values["max-new-tokens"]}: a whole number of at least 1`);
  return { temperature, maxNewTokens };
}

/** The port of --web: a whole number from 0 (any free port) to 65535. */
export function portOption(value: string | undefined): number {
  const port = Number(value ?? 0);
  if (value?.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port ${JSON.stringify(value)}: a whole number from 0 to 65535 (0 picks a free port)`);
  }
  return port;
}

export const CHAT_HELP =
  "usage: npm run chat -- [--message TEXT | --web [--port N]] [options]\n\n" +
  "Chat with the fine-tuned model on the stack's endpoint: PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY when set, else the\n" +
  "stack's scoringUri and endpointKey outputs (`pulumi stack output`). With --message it answers once; with --web it\n" +
  "serves the conversation as a page for a browser; without either, it keeps a conversation here. Waits are said on\n" +
  "stderr; a busy (429), failing (5xx) or unreachable endpoint is tried again within the limits below, a refused\n" +
  "request (4xx) is explained and not sent again.\n\n" +
  "  --message TEXT             ask once, print the answer and exit\n" +
  "  --web                      chat in a browser: serve a page on 127.0.0.1 and print its address (with a token\n" +
  "                             that only this run knows); the key stays in this process. Ctrl-C stops it\n" +
  "  --port N                   the page's port with --web (default 0: any free port)\n" +
  "  --baseline-url URL         with --web, a second endpoint answering the same messages in a column beside the\n" +
  "  --baseline-key KEY         model's (default: PHI3_BASELINE_URL and PHI3_BASELINE_KEY when set)\n" +
  `  --temperature N            0 to 2 (default ${DEFAULT_PARAMETERS.temperature})\n` +
  `  --max-new-tokens N         at least 1 (default ${DEFAULT_PARAMETERS.maxNewTokens})\n` +
  `  --context-tokens N         the model's context length (default ${DEFAULT_CONTEXT_TOKENS}, Phi-3-mini-4k-instruct's): a message\n` +
  "                             longer than it allows is not sent, and the oldest exchanges are left out to fit\n" +
  "  --stack NAME               the stack whose outputs name the endpoint (default: the selected stack)\n" +
  requestHelp(DEFAULT_CLIENT) +
  "\nIn a conversation:\n" +
  helpText() +
  "\n" +
  EXIT_CODES_HELP;

/** `npm run chat` with these arguments; resolves with the exit code. */
export async function runChat(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let target: EndpointTarget;
  let generation: GenerationParameters;
  let options: ClientOptions;
  let message: string | undefined;
  let web: { port: number; baseline?: EndpointTarget } | undefined;
  let budget: ContextBudget;
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          message: { type: "string" },
          web: { type: "boolean", default: false },
          port: { type: "string" },
          "baseline-url": { type: "string" },
          "baseline-key": { type: "string" },
          temperature: { type: "string" },
          "max-new-tokens": { type: "string" },
          "context-tokens": { type: "string" },
          stack: { type: "string" },
          ...REQUEST_OPTIONS,
        },
        strict: true,
      }));
    } catch (err) {
      throw usageFrom(err, "chat");
    }
    if (values.help) {
      io.stdout.write(CHAT_HELP);
      return EXIT.ok;
    }
    generation = parameters(values);
    budget = { contextTokens: contextTokens(values["context-tokens"]), answerTokens: generation.maxNewTokens };
    if (budget.answerTokens >= budget.contextTokens) {
      throw new UsageError(`--max-new-tokens ${budget.answerTokens}: must be less than the context's ${budget.contextTokens} tokens (--context-tokens), which also hold the message`);
    }
    options = { ...requestOptions(values, DEFAULT_CLIENT), clock: io.clock };
    message = values.message;
    if (message !== undefined && !message.trim()) throw new UsageError("--message is empty: say what to ask");
    const fitted = message !== undefined ? fitToContext([{ role: "user", content: message }], budget) : undefined;
    if (fitted && "tooLong" in fitted) throw new UsageError(`--message: ${tooLongMessage(fitted.tooLong, budget)}`);
    if (values.web && message !== undefined) throw new UsageError("--web and --message: choose one (the page asks, --message asks once here)");
    for (const name of ["port", "baseline-url", "baseline-key"] as const) {
      if (!values.web && values[name] !== undefined) throw new UsageError(`--${name} goes with --web`);
    }
    if (values.web) {
      web = { port: portOption(values.port), baseline: findBaseline(values, io.env) };
    }
    target = await findEndpoint(io.env, io.readOutputs, values.stack);
  } catch (err) {
    io.stderr.write(`chat: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.usage;
  }

  if (web) return serveWeb(target, web, generation, options, io);

  const waiting = new WaitIndicator(io.stderr, io.stderr.isTTY ? "spinner" : "off");
  const send: Send = async (messages, signal) => {
    waiting.start("waiting for phi3");
    try {
      return (await ask(target, messages, generation, { ...options, signal, onEvent: waiting.event })).text;
    } finally {
      waiting.stop();
    }
  };

  if (message !== undefined) {
    const controller = new AbortController();
    const stopListening = io.onInterrupt(() => controller.abort());
    try {
      io.stdout.write(`${stripControls(await send([{ role: "user", content: message }], controller.signal))}\n`);
      return EXIT.ok;
    } catch (err) {
      const cancelled = err instanceof ScoringError && err.kind === "cancelled";
      io.stderr.write(`chat ${cancelled ? "cancelled" : `failed: ${(err as Error).message}`}\n`);
      return cancelled ? EXIT.interrupted : EXIT.failed;
    } finally {
      stopListening();
    }
  }
  return converse(target, send, io, budget);
}

/** Serves the chat page until Ctrl-C (exit code 130). */
async function serveWeb(
  target: EndpointTarget,
  web: { port: number; baseline?: EndpointTarget },
  generation: GenerationParameters,
  client: ClientOptions,
  io: Io,
): Promise<number> {
  let server;
  try {
    server = await startWebChat({ target, baseline: web.baseline, generation, client, port: web.port, log: (line) => io.stderr.write(`${line}\n`) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EADDRINUSE" ? `port ${web.port} is in use: choose another --port, or 0 for any free one` : (err as Error).message;
    io.stderr.write(`chat: cannot serve the page: ${why}\n`);
    return EXIT.usage;
  }
  const running = server;
  io.stdout.write(`Chat in your browser: ${running.url}\n`);
  io.stderr.write(
    `Asking ${target.url}${web.baseline ? ` and, beside it, ${web.baseline.url}` : ""}. Only this address works (it holds a token); ` +
      "Ctrl-C stops the server.\n",
  );
  await new Promise<void>((resolve) => {
    const stop = io.onInterrupt(() => {
      stop();
      resolve();
    });
  });
  await running.close();
  io.stderr.write("Stopped the chat page.\n");
  return EXIT.interrupted;
}

async function converse(target: EndpointTarget, send: Send, io: Io, budget: ContextBudget): Promise<number> {
  const session = new ChatSession(send, io.stdout, io.stderr, budget);
  // Lines are read as a stream, so lines piped in ahead of the answers are kept, not dropped.
  const terminal = readline.createInterface({
    input: io.stdin,
    output: io.stdout as NodeJS.WritableStream,
    terminal: Boolean(io.stdin.isTTY && io.stdout.isTTY),
  });
  // On a terminal readline turns Ctrl-C into its own SIGINT event; from a pipe it is the process's signal.
  const onInterrupt = () => {
    const waiting = session.busy;
    session.interrupt();
    if (session.exitCode !== undefined) {
      terminal.close();
    } else if (!waiting) {
      terminal.setPrompt(session.prompt);
      terminal.prompt();
    }
  };
  terminal.on("SIGINT", onInterrupt);
  const stopListening = io.onInterrupt(onInterrupt);
  io.stdout.write(`Chatting with ${target.url} (/help lists the commands; /exit or Ctrl-D ends)\n`);
  try {
    terminal.setPrompt(session.prompt);
    terminal.prompt();
    for await (const line of terminal) {
      if (session.exitCode !== undefined) break;
      await session.handle(line);
      if (session.exitCode !== undefined) break;
      terminal.setPrompt(session.prompt);
      terminal.prompt();
    }
  } finally {
    stopListening();
    terminal.close();
  }
  return session.exitCode ?? EXIT.ok;
}

if (require.main === module) {
  runChat(process.argv.slice(2)).then(exitWhenFlushed, (err: unknown) =>
    exitAfter(`chat failed: ${err instanceof Error ? err.message : String(err)}\n`, EXIT.failed),
  );
}
