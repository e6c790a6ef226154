/**
 * Talks to the fine-tuned model's scoring URI the way the mission's prompt flow does: the chat as `input_string`
 * messages, generation `parameters`, key in `Authorization: Bearer`, the answer in the response's `output`.
 */

import { fetchWithRetry, RetryPolicy } from "./retryingFetch";

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

/** Per-request timeout, attempts for 429, 5xx and network errors, and the first backoff. */
export type ClientOptions = RetryPolicy;

export const DEFAULT_CLIENT: ClientOptions = { timeoutMs: 120_000, attempts: 4, baseDelayMs: 1000 };

/** The body the deployment takes. */
export function scoringBody(messages: readonly ChatMessage[], parameters: GenerationParameters = DEFAULT_PARAMETERS): unknown {
  return {
    input_data: {
      input_string: messages,
      parameters: { temperature: parameters.temperature, max_new_tokens: parameters.maxNewTokens },
    },
  };
}

/** The `output` of a response; MLflow servers sometimes answer with that JSON encoded once more as a string. */
export function outputOf(body: unknown): string {
  const value = typeof body === "string" ? safeJson(body) : body;
  if (value && typeof value === "object" && typeof (value as { output?: unknown }).output === "string") {
    return (value as { output: string }).output;
  }
  throw new ScoringError(`the endpoint answered without an "output" field: ${JSON.stringify(body).slice(0, 300)}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A failed call, with what a person can do about it. */
export class ScoringError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ScoringError";
  }
}

/** What a status means for someone chatting with the model, per Azure ML's model consumption errors. */
export function explainStatus(status: number, detail: string): string {
  switch (status) {
    case 401:
      return "401 Unauthorized: the endpoint refused the key. Check PHI3_ENDPOINT_KEY, or take the key from `pulumi stack output endpointKey --show-secrets`.";
    case 404:
      return "404 Not Found: no endpoint or deployment answers at this URL. Check PHI3_ENDPOINT_URL, and that servingEnabled is true (a parked stack has no deployment).";
    case 424:
      return `424 Failed Dependency: the model's container failed on this request (${detail}). Read the deployment's logs in Azure ML studio (Endpoints > the endpoint > Logs).`;
    case 429:
      return "429 Too Many Requests: the deployment is busy; try again later or add instances (servingInstanceCount).";
    default:
      return `HTTP ${status}: ${detail}`;
  }
}

/** Sends the conversation and returns the model's answer; retries 429, 5xx and network errors with backoff. */
export async function chat(
  target: EndpointTarget,
  messages: readonly ChatMessage[],
  parameters: GenerationParameters = DEFAULT_PARAMETERS,
  options: ClientOptions = DEFAULT_CLIENT,
): Promise<string> {
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
  if (result.response?.ok) return outputOf(safeJson(result.body));
  const reason =
    status !== undefined
      ? explainStatus(status, result.body.slice(0, 300))
      : result.failure.startsWith("no answer")
        ? result.failure
        : `cannot reach ${target.url} (${result.failure})`;
  if (!result.exhausted) throw new ScoringError(reason, status);
  throw new ScoringError(`gave up after ${options.attempts} attempts: ${reason}`, status);
}
