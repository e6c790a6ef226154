/** How hard to try an HTTP request before giving up. */
export interface RetryPolicy {
  readonly attempts: number;
  /** First backoff; doubles each attempt (or follows Retry-After). */
  readonly baseDelayMs: number;
  /** Per request. */
  readonly timeoutMs: number;
}

/** What came of a request after its retries. */
export interface RetriedResponse {
  /** The last response, if any came. */
  readonly response?: Response;
  readonly body: string;
  /** The last failure, e.g. "HTTP 503 Service Unavailable", "ECONNREFUSED" or "no answer within 30 s". */
  readonly failure: string;
  /** True when every attempt failed in a way worth retrying. */
  readonly exhausted: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A status worth another attempt: rate limiting and server errors. */
export function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Sends a request, retrying network errors, timeouts, 429 and 5xx with exponential backoff (or Retry-After). Returns
 * at the first answer that is a success or a failure not worth retrying, or once the attempts are spent.
 */
export async function fetchWithRetry(url: string, init: RequestInit, policy: RetryPolicy): Promise<RetriedResponse> {
  let last: RetriedResponse = { body: "", failure: "no attempt", exhausted: true };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
      const body = await response.text();
      const failure = `HTTP ${response.status} ${response.statusText}`.trim();
      if (response.ok || !retryable(response.status)) return { response, body, failure, exhausted: false };
      last = { response, body, failure, exhausted: true };
      const retryAfter = Number(response.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const failure =
        (err as Error).name === "TimeoutError"
          ? `no answer within ${policy.timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (err as Error).message ?? String(err));
      last = { body: "", failure, exhausted: true };
    }
    if (attempt < policy.attempts) await sleep(retryAfterMs ?? policy.baseDelayMs * 2 ** (attempt - 1));
  }
  return last;
}
