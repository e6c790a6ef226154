/**
 * What `npm run chat` and `npm run smoke` share on the command line: the options that bound a request, their help,
 * the exit codes, and the process around them (streams, environment, Ctrl-C), which tests replace to run a command
 * in-process.
 */
import { exitCodesHelp, UsageError } from "../shared/exitCodes";
import type { Clock } from "../shared/retryingFetch";
import type { ClientOptions } from "./scoringClient";
import type { StackOutputReader } from "./endpointTarget";

export { EXIT, UsageError, usageFrom } from "../shared/exitCodes";

export const EXIT_CODES_HELP = exitCodesHelp({
  failed: "the endpoint failed, gave no usable answer or ran out of time",
  usage: "a bad option, or no endpoint to talk to; nothing sent",
});

export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** The process a command runs in. */
export interface Io {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Calls the handler on each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
  /** Reads the stack's outputs when the environment names no endpoint. */
  readonly readOutputs?: StackOutputReader;
  /** Time for the retries' waits; the real one unless a test gives another. */
  readonly clock?: Clock;
}

export function processIo(): Io {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onInterrupt(handler) {
      process.on("SIGINT", handler);
      return () => process.off("SIGINT", handler);
    },
  };
}

/** parseArgs options that bound one request. */
export const REQUEST_OPTIONS = {
  timeout: { type: "string" },
  deadline: { type: "string" },
  "max-retry-after": { type: "string" },
  attempts: { type: "string" },
  "retry-timeouts": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export interface RequestValues {
  readonly timeout?: string;
  readonly deadline?: string;
  readonly "max-retry-after"?: string;
  readonly attempts?: string;
  readonly "retry-timeouts"?: boolean;
}

function secondsOption(name: string, value: string | undefined, fallbackMs: number, allowZero: boolean): number {
  if (value === undefined) return fallbackMs;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(`--${name} ${JSON.stringify(value)}: a number of seconds${allowZero ? "" : " above 0"}, e.g. --${name} 30`);
  }
  return n * 1000;
}

/** The client's limits from the command line, over the command's defaults. */
export function requestOptions(values: RequestValues, defaults: ClientOptions): ClientOptions {
  const attempts = values.attempts === undefined ? defaults.attempts : Number(values.attempts);
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new UsageError(`--attempts ${JSON.stringify(values.attempts)}: a whole number of at least 1 (1: never retry)`);
  }
  return {
    ...defaults,
    attempts,
    timeoutMs: secondsOption("timeout", values.timeout, defaults.timeoutMs, false),
    deadlineMs: secondsOption("deadline", values.deadline, defaults.deadlineMs ?? Infinity, false),
    maxRetryAfterMs: secondsOption("max-retry-after", values["max-retry-after"], defaults.maxRetryAfterMs ?? Infinity, true),
    resendAfterSend: values["retry-timeouts"] || defaults.resendAfterSend,
  };
}

const s = (ms: number | undefined) => (ms === undefined || ms === Infinity ? "none" : `${ms / 1000}`);

/** Help lines for the request options, with the command's defaults. */
export function requestHelp(defaults: ClientOptions): string {
  return [
    `  --timeout SECONDS          one request's wait for its answer (default ${s(defaults.timeoutMs)})`,
    `  --deadline SECONDS         all attempts and waits together (default ${s(defaults.deadlineMs)})`,
    `  --max-retry-after SECONDS  longest wait a busy endpoint may ask for; a longer one ends the retries (default ${s(defaults.maxRetryAfterMs)})`,
    `  --attempts N               tries when the endpoint is busy (429), failing (5xx) or unreachable (default ${defaults.attempts})`,
    "  --retry-timeouts           send a request again after it timed out or lost its connection; the model may then",
    "                             answer it twice (default: not sent again)",
    "  -h, --help                 this text",
    "",
  ].join("\n");
}
