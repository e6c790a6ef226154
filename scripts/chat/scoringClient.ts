/**
 * Talks to the fine-tuned model's scoring URI the way the mission's prompt flow does: the chat as `input_string`
 * messages, generation `parameters`, key in `Authorization: Bearer`, the answer in one of the shapes the serving
 * images produce (shared/DESIGN.md, "Scoring contract"; tests/support/scoringResponses.json is the table every client
 * is tested on).
 */

import { fetchWithRetry, RetryEvent, RetryPolicy } from "../shared/retryingFetch";
import { printable } from "../shared/terminalText";

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

export interface GenerationParameters {
  readonly temperature: number;
  readonly maxNewTokens: number;
}

export const DEFAULT_PARAMETERS: GenerationParameters = { temperature: 0.7, maxNewTokens: 128 };

export interface EndpointTarget {
  readonly url: string;
  readonly key: string;
}

/** Per-request timeout, attempts for 429, 5xx and network errors, the first backoff, and the limits on waiting. */
export type ClientOptions = RetryPolicy;

/**
 * A person waits at most two minutes in all, and at most 30 s for a busy endpoint; a request that timed out is not
 * sent again, as the model may still be generating its answer (and the deployment bills for it).
 */
export const DEFAULT_CLIENT: ClientOptions = {
  timeoutMs: 120_000,
  attempts: 4,
  baseDelayMs: 1000,
  maxRetryAfterMs: 30_000,
  deadlineMs: 120_000,
  resendAfterSend: false,
};

/** The body the deployment takes. */
export function scoringBody(messages: readonly ChatMessage[], parameters: GenerationParameters = DEFAULT_PARAMETERS): unknown {
  return {
    input_data: {
      input_string: messages,
      parameters: { temperature: parameters.temperature, max_new_tokens: parameters.maxNewTokens },
    },
  };
}

/** The first bytes of what arrived, on one line, for an error message. */
export function snippet(text: string): string {
  return text.length > 300 ? `${printable(text.slice(0, 300))}...` : printable(text);
}

/** A single string inside: `{"output": "..."}` or MLflow's records form `[{"<column>": "..."}]`. */
function answerIn(value: unknown): string | undefined {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const output = (value as { output?: unknown }).output;
    return typeof output === "string" ? output : undefined;
  }
  if (Array.isArray(value) && value.length === 1 && value[0] && typeof value[0] === "object" && !Array.isArray(value[0])) {
    const fields = Object.values(value[0] as object);
    return fields.length === 1 && typeof fields[0] === "string" ? fields[0] : undefined;
  }
  return undefined;
}

/**
 * The model's answer in a response: `{"output": "..."}` (Azure's foundation-model inference image) or the MLflow
 * scoring script's records form, a list of one record whose single value is the answer; either may arrive JSON-encoded
 * once more as a string. Anything else is an error that quotes what arrived.
 */
export function outputOf(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  let value: unknown;
  try {
    value = typeof body === "string" ? JSON.parse(body) : body;
  } catch {
    throw new ScoringError(`the endpoint's answer is not JSON: ${snippet(text)}`);
  }
  let answer = answerIn(value);
  if (answer === undefined && typeof value === "string") {
    try {
      answer = answerIn(JSON.parse(value));
    } catch {
      // a JSON string that holds no JSON: the error below quotes it
    }
  }
  if (answer === undefined) {
    throw new ScoringError(`the endpoint's answer is neither {"output": "..."} nor MLflow's records form [{"0": "..."}]: ${snippet(text)}`);
  }
  return answer;
}

/** How a call ended, when that was not an answer. */
export type FailureKind = "status" | "unreachable" | "timeout" | "invalid-url" | "cancelled" | "answer";

/** A failed call, with what a person can do about it. */
export class ScoringError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly kind: FailureKind = "answer",
  ) {
    super(message);
    this.name = "ScoringError";
  }
}

/**
 * What a managed online endpoint answers when no deployment takes its traffic, as a parked stack's endpoint has none:
 * 404, "The endpoint doesn't have any valid deployment with positive weight" (Azure ML docs,
 * how-to-troubleshoot-online-endpoints.md, HTTP status codes), with the message "No valid deployments to route to.
 * Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific
 * header to route." (the same docs for batch endpoints). Matched in any case, in any body; the flow's tool does the same.
 */
export const NO_DEPLOYMENT = { status: 404, words: "no valid deployments to route to" } as const;

/** The command that serves again after `servingEnabled=false`. */
export const UNPARK_COMMAND = "pulumi config set servingEnabled true && pulumi up";

/** Whether a response says the endpoint has no deployment to route to (serving parked). */
export function isNoDeployment(status: number, body: string): boolean {
  return status === NO_DEPLOYMENT.status && body.toLowerCase().includes(NO_DEPLOYMENT.words);
}

/** What the clients say when serving is parked, in the words the flow's tool answers with. */
export const PARKED_MESSAGE =
  `Serving is parked: the endpoint has no deployment to answer (404: No valid deployments to route to). ` +
  `Unpark it with \`${UNPARK_COMMAND}\`, then ask again.`;

/** What a status means for someone chatting with the model, per Azure ML's model consumption errors. */
export function explainStatus(status: number, detail: string): string {
  switch (status) {
    case 401:
      return "401 Unauthorized: the endpoint refused the key. Check PHI3_ENDPOINT_KEY, or take the key from `pulumi stack output endpointKey --show-secrets`.";
    case 404:
      return "404 Not Found: no endpoint or deployment answers at this URL. Check PHI3_ENDPOINT_URL, and that servingEnabled is true (a parked stack has no deployment).";
    case 408:
      return "408 Request Timeout: the model did not finish within the deployment's request timeout (90 s). Ask for fewer tokens (--max-new-tokens).";
    case 424:
      return `424 Failed Dependency: the model's container failed on this request (${detail}). Read the deployment's logs in Azure ML studio (Endpoints > the endpoint > Logs).`;
    case 429:
      return "429 Too Many Requests: the deployment is busy; try again later or add instances (servingInstanceCount).";
    default:
      return `HTTP ${status}: ${detail}`;
  }
}

/** An answer and what it took. */
export interface Answer {
  readonly text: string;
  /** The answering request alone, from sending to its last byte: no backoff, no earlier attempts. */
  readonly latencyMs: number;
  readonly attempts: number;
  /** Every attempt and wait. */
  readonly elapsedMs: number;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Sends the conversation and returns the model's answer. Retries 429, 5xx and connection errors within the options'
 * limits; never a URL that cannot work, another 4xx, or (unless `resendAfterSend`) a request that may have reached the
 * model.
 */
export async function ask(
  target: EndpointTarget,
  messages: readonly ChatMessage[],
  parameters: GenerationParameters = DEFAULT_PARAMETERS,
  options: ClientOptions = DEFAULT_CLIENT,
): Promise<Answer> {
  const result = await fetchWithRetry(
    target.url,
    {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${target.key}` },
      body: JSON.stringify(scoringBody(messages, parameters)),
    },
    options,
  );
  const status = result.response?.status;
  if (result.response?.ok && !result.stop) {
    return { text: outputOf(result.body), latencyMs: result.latencyMs ?? 0, attempts: result.attempts ?? 1, elapsedMs: result.elapsedMs ?? 0 };
  }
  const stop = result.stop;
  if (stop?.kind === "cancelled") throw new ScoringError("cancelled", status, "cancelled");
  if (stop?.kind === "invalid-url") throw new ScoringError(`${stop.message}: nothing was sent`, undefined, "invalid-url");

  const kind: FailureKind = status !== undefined ? "status" : result.failure.startsWith("no answer") ? "timeout" : "unreachable";
  const reason =
    status !== undefined
      ? isNoDeployment(status, result.body)
        ? PARKED_MESSAGE
        : explainStatus(status, snippet(result.body))
      : kind === "timeout"
        ? result.failure
        : `cannot reach ${target.url} (${result.failure})`;
  const tried = `after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}`;
  switch (stop?.kind) {
    case "retry-after":
      throw new ScoringError(
        `${reason.replace(/\.?$/, ".")} The endpoint asks to wait ${seconds(stop.askedMs)}, more than the ${seconds(stop.limitMs)} allowed ` +
          `(--max-retry-after)${/try again later/.test(reason) ? "." : "; try again later."}`,
        status,
        kind,
      );
    case "deadline":
      throw new ScoringError(`gave up ${tried}: ${stop.message} (--deadline). Last: ${reason}`, status, kind);
    case "not-resent":
      throw new ScoringError(
        `${reason}; not sent again, as the model may still be answering it (--retry-timeouts sends it again, ` +
          "--timeout waits longer)",
        status,
        kind,
      );
  }
  if (!result.exhausted) throw new ScoringError(reason, status, kind);
  throw new ScoringError(`gave up ${tried}: ${reason}`, status, kind);
}

/** Sends the conversation and returns the model's answer (see `ask`). */
export async function chat(
  target: EndpointTarget,
  messages: readonly ChatMessage[],
  parameters: GenerationParameters = DEFAULT_PARAMETERS,
  options: ClientOptions = DEFAULT_CLIENT,
): Promise<string> {
  return (await ask(target, messages, parameters, options)).text;
}

export type { RetryEvent };
