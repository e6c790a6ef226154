/** How hard to try an HTTP request before giving up. */
export interface RetryPolicy {
  readonly attempts: number;
  /** First backoff; doubles each attempt (or follows Retry-After). */
  readonly baseDelayMs: number;
  /** Per request. */
  readonly timeoutMs: number;
  /** Longest Retry-After to obey; a server asking for more ends the retries at once. Default: no limit. */
  readonly maxRetryAfterMs?: number;
  /** All attempts and waits together; no wait or attempt starts that would pass it. Default: no limit. */
  readonly deadlineMs?: number;
  /**
   * Send again after a timeout or a connection lost once the request may have reached the server. Safe for GET; for a
   * POST the server may already be acting on the first one. Default: true for GET and HEAD only.
   */
  readonly resendAfterSend?: boolean;
  /** Cancels the request in flight and any wait. */
  readonly signal?: AbortSignal;
  /** Each attempt and each wait, as it starts, so that a person can be told what is happening. */
  readonly onEvent?: (event: RetryEvent) => void;
  /** Time source; tests give a fake one so that waits take no time. */
  readonly clock?: Clock;
}

export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Resolves after `ms`, or rejects when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fire` once `ms` have passed, unless the function it returns is called first. Default: setTimeout. */
  readonly timer?: (ms: number, fire: () => void) => () => void;
}

export type RetryEvent =
  | { readonly kind: "attempt"; readonly attempt: number; readonly attempts: number; readonly timeoutMs: number }
  | {
      readonly kind: "wait";
      /** The attempt the wait leads to. */
      readonly attempt: number;
      readonly attempts: number;
      readonly delayMs: number;
      /** The failure that is retried, e.g. "HTTP 503 Service Unavailable". */
      readonly failure: string;
      /** The server asked for this wait (Retry-After). */
      readonly retryAfter: boolean;
    };

/** Why the retries ended before the attempts were spent. */
export type Stop =
  | { readonly kind: "invalid-url"; readonly message: string }
  | { readonly kind: "retry-after"; readonly askedMs: number; readonly limitMs: number; readonly message: string }
  | { readonly kind: "deadline"; readonly deadlineMs: number; readonly message: string }
  | { readonly kind: "not-resent"; readonly message: string }
  | { readonly kind: "cancelled"; readonly message: string };

/** What came of a request after its retries. */
export interface RetriedResponse {
  /** The last response, if any came. */
  readonly response?: Response;
  readonly body: string;
  /** The last failure, e.g. "HTTP 503 Service Unavailable", "ECONNREFUSED" or "no answer within 30 s". */
  readonly failure: string;
  /** True when the last failure was worth retrying and the attempts or a limit (deadline, Retry-After) ended them. */
  readonly exhausted: boolean;
  /** Requests sent. */
  readonly attempts?: number;
  /** Duration of the last attempt, from sending to the end of its body: latency without any backoff. */
  readonly latencyMs?: number;
  /** From the first attempt to the end, waits included. */
  readonly elapsedMs?: number;
  /** Set when something other than the attempt count ended the retries. */
  readonly stop?: Stop;
}

/** A request's timeout on the event loop's timers. */
function startTimer(ms: number, fire: () => void): () => void {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
}

export const realClock: Clock = {
  now: () => performance.now(),
  timer: startTimer,
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** A status worth another attempt: rate limiting and server errors. */
export function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Network errors raised before the request left this machine (nothing to connect to, no route, no name yet): sending
 * again cannot make the server act twice.
 */
const BEFORE_SEND = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * Whether a failed fetch never left this machine: its cause (or, for a name with several addresses, every one of
 * Node's connection attempts, an AggregateError's `errors`) failed before sending, or fetch refused the port itself.
 */
export function failedBeforeSend(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } } | undefined)?.cause;
  if (!cause) return false;
  if (cause.message === "bad port") return true; // the fetch standard's blocked ports: no connection is opened
  if (Array.isArray(cause.errors) && cause.errors.length > 0) return cause.errors.every((e) => e?.code !== undefined && BEFORE_SEND.has(e.code));
  return cause.code !== undefined && BEFORE_SEND.has(cause.code);
}

/** Why a URL cannot be sent to, or undefined when it can. */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL`;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return `${JSON.stringify(url)} is not an http or https URL`;
  return undefined;
}

/** Seconds (whole or not) or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowEpochMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (header.trim() !== "" && Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowEpochMs);
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1))} s`;

/**
 * Sends a request, retrying 429 and 5xx answers and network errors with exponential backoff (or Retry-After). Returns
 * at the first answer that is a success or a failure not worth retrying, once the attempts are spent, or when a
 * limit of the policy ends the retries. A URL that cannot be sent to is never tried.
 */
export async function fetchWithRetry(url: string, init: RequestInit, policy: RetryPolicy): Promise<RetriedResponse> {
  const invalid = urlProblem(url);
  if (invalid) return { body: "", failure: invalid, exhausted: false, attempts: 0, stop: { kind: "invalid-url", message: invalid } };

  const clock = policy.clock ?? realClock;
  const method = (init.method ?? "GET").toUpperCase();
  const resendAfterSend = policy.resendAfterSend ?? (method === "GET" || method === "HEAD");
  const started = clock.now();
  const deadline = policy.deadlineMs === undefined ? Infinity : started + policy.deadlineMs;
  const cancelled = (last: RetriedResponse, attempts: number): RetriedResponse => ({
    ...last,
    failure: "cancelled",
    exhausted: false,
    attempts,
    elapsedMs: clock.now() - started,
    stop: { kind: "cancelled", message: "cancelled" },
  });
  const deadlineStop = (): Stop => ({
    kind: "deadline",
    deadlineMs: policy.deadlineMs!,
    message: `the ${seconds(policy.deadlineMs!)} allowed in all are up`,
  });

  let last: RetriedResponse = { body: "", failure: "no attempt", exhausted: true };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const timeoutMs = Math.min(policy.timeoutMs, deadline - clock.now());
    if (timeoutMs <= 0) return { ...last, exhausted: true, attempts: attempt - 1, elapsedMs: clock.now() - started, stop: deadlineStop() };
    policy.onEvent?.({ kind: "attempt", attempt, attempts: policy.attempts, timeoutMs });

    const controller = new AbortController();
    let timedOut = false;
    const stopTimer = (clock.timer ?? startTimer)(timeoutMs, () => {
      timedOut = true;
      controller.abort();
    });
    const onCancel = () => controller.abort();
    policy.signal?.addEventListener("abort", onCancel, { once: true });
    const sent = clock.now();
    let waitMs: number;
    let askedByServer = false;
    try {
      if (policy.signal?.aborted) return cancelled(last, attempt - 1);
      const response = await fetch(url, { ...init, signal: controller.signal });
      const body = await response.text();
      const failure = `HTTP ${response.status} ${response.statusText}`.trim();
      last = { response, body, failure, exhausted: true, attempts: attempt, latencyMs: clock.now() - sent };
      if (response.ok || !retryable(response.status)) return { ...last, exhausted: false, elapsedMs: clock.now() - started };
      const asked = retryAfterMs(response.headers.get("retry-after"));
      if (asked !== undefined && policy.maxRetryAfterMs !== undefined && asked > policy.maxRetryAfterMs) {
        return {
          ...last,
          elapsedMs: clock.now() - started,
          stop: {
            kind: "retry-after",
            askedMs: asked,
            limitMs: policy.maxRetryAfterMs,
            message: `the server asks to wait ${seconds(asked)} before trying again, more than the ${seconds(policy.maxRetryAfterMs)} allowed`,
          },
        };
      }
      askedByServer = asked !== undefined;
      waitMs = asked ?? policy.baseDelayMs * 2 ** (attempt - 1);
    } catch (err) {
      if (policy.signal?.aborted) return cancelled(last, attempt);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code;
      const failure = timedOut
        ? `no answer within ${seconds(timeoutMs)}`
        : (code ?? cause?.message ?? (err as Error).message ?? String(err));
      last = { body: "", failure, exhausted: true, attempts: attempt };
      // The deadline, not the request's own timeout, cut this attempt short.
      if (timedOut && timeoutMs < policy.timeoutMs) return { ...last, elapsedMs: clock.now() - started, stop: deadlineStop() };
      const beforeSend = !timedOut && failedBeforeSend(err);
      if (!beforeSend && !resendAfterSend) {
        const message = "not sent again: the server may already be acting on it";
        return { ...last, exhausted: false, elapsedMs: clock.now() - started, stop: { kind: "not-resent", message } };
      }
      waitMs = policy.baseDelayMs * 2 ** (attempt - 1);
    } finally {
      stopTimer();
      policy.signal?.removeEventListener("abort", onCancel);
    }

    if (attempt === policy.attempts) break;
    // A wait that leaves no time for the next attempt is not worth starting.
    if (clock.now() + waitMs >= deadline) return { ...last, elapsedMs: clock.now() - started, stop: deadlineStop() };
    policy.onEvent?.({ kind: "wait", attempt: attempt + 1, attempts: policy.attempts, delayMs: waitMs, failure: last.failure, retryAfter: askedByServer });
    try {
      await clock.sleep(waitMs, policy.signal);
    } catch {
      return cancelled(last, attempt);
    }
  }
  return { ...last, elapsedMs: clock.now() - started };
}
