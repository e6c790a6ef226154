/**
 * GETs of the dataset download: each request bounded, retries said out loud, and the whole download bounded by a
 * deadline, so that a server that never answers is reported instead of waited for in silence.
 */
import { retryable } from "./retryingFetch";

/** How hard to try one GET. */
export interface DownloadPolicy {
  readonly attempts: number;
  /** First backoff; doubles each attempt, unless the server says how long with Retry-After. */
  readonly baseDelayMs: number;
  /** Per request: no answer within this is a failed attempt. */
  readonly timeoutMs: number;
  /** Longest Retry-After obeyed; a server asking for longer is asked again after this. */
  readonly maxRetryAfterMs?: number;
}

/** Five tries, 30 s each: the dataset viewer answers a page in about a second, more when its cache is cold. */
export const DEFAULT_DOWNLOAD: DownloadPolicy = { attempts: 5, baseDelayMs: 500, timeoutMs: 30_000, maxRetryAfterMs: 60_000 };

/** Ten minutes for the whole download: 1% of ultrachat_200k takes 21 requests. */
export const DEFAULT_DEADLINE_SECONDS = 600;

/** When a download gives up, and the setting that moves it (named in the message). */
export class Deadline {
  private readonly endsAt: number;
  constructor(
    readonly seconds: number,
    readonly setting = "--deadline",
  ) {
    this.endsAt = Date.now() + seconds * 1000;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }
}

/** The dataset server cannot be reached, keeps failing, refuses, or takes too long. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

export interface GetOptions {
  readonly policy?: DownloadPolicy;
  readonly deadline?: Deadline;
  /** Told of each failed attempt that will be tried again, e.g. "HTTP 503 Service Unavailable; retrying in 1 s (attempt 2 of 5)". */
  readonly onRetry?: (note: string) => void;
}

const OFFLINE_ADVICE = "Offline? Use --source <file.jsonl|file.parquet> to prepare data from a local copy.";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** A failure of `fetch` worth another attempt: the network, not the request (an unparsable URL is not). */
function networkFailure(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; message?: string } }).cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  // System errors (ECONNREFUSED, EAI_AGAIN, ...) and undici's socket errors; not Node's ERR_INVALID_URL and the like.
  if (code && ((/^E[A-Z_]+$/.test(code) && !code.startsWith("ERR_")) || code.startsWith("UND_ERR"))) return code;
  return undefined;
}

const LOCAL_COPY = "or use --source <file.jsonl|file.parquet> to prepare data from a local copy.";

function deadlineError(deadline: Deadline, last: string): DownloadError {
  return new DownloadError(
    `gave up at the download's deadline of ${deadline.seconds} s (${deadline.setting}); last: ${last}. Raise ${deadline.setting}, ${LOCAL_COPY}`,
  );
}

function waitPastDeadlineError(deadline: Deadline, last: string, delayMs: number): DownloadError {
  return new DownloadError(
    `gave up: ${last}, and the next try, ${seconds(delayMs)} away, would come after the download's deadline of ` +
      `${deadline.seconds} s (${deadline.setting}). Raise ${deadline.setting}, ${LOCAL_COPY}`,
  );
}

/**
 * GETs JSON. Retries network errors, timeouts, 429 and 5xx with exponential backoff (or Retry-After, capped), telling
 * `onRetry` each time; never waits past the deadline. Fails at once on a URL that cannot be fetched, another 4xx, or an
 * answer that is not JSON.
 */
export async function getJson(url: string, options: GetOptions = {}): Promise<unknown> {
  const policy = options.policy ?? DEFAULT_DOWNLOAD;
  const { deadline } = options;
  let last = "no attempt";
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const remaining = deadline?.remainingMs() ?? Infinity;
    if (remaining <= 0) throw deadlineError(deadline!, last);
    const timeoutMs = Math.min(policy.timeoutMs, remaining);
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
      const body = await response.text();
      last = `HTTP ${response.status} ${response.statusText}`.trim();
      if (response.ok) {
        try {
          return JSON.parse(body);
        } catch {
          throw new DownloadError(`${url}: the answer is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
        }
      }
      if (!retryable(response.status)) throw new DownloadError(`${url}: ${last}: ${body.slice(0, 300)}`);
      const retryAfter = Number(response.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = Math.min(retryAfter * 1000, policy.maxRetryAfterMs ?? Infinity);
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      if ((err as Error).name === "TimeoutError") {
        last = `no answer within ${seconds(timeoutMs)}`;
        if (timeoutMs < policy.timeoutMs) throw deadlineError(deadline!, last);
      } else {
        const failure = networkFailure(err);
        if (!failure) throw new DownloadError(`${url}: cannot be fetched (${(err as Error).message})`);
        last = failure;
      }
    }
    if (attempt === policy.attempts) break;
    const delayMs = retryAfterMs ?? policy.baseDelayMs * 2 ** (attempt - 1);
    if (deadline && delayMs >= deadline.remainingMs()) throw waitPastDeadlineError(deadline, last, delayMs);
    options.onRetry?.(`${last}; retrying in ${seconds(delayMs)} (attempt ${attempt + 1} of ${policy.attempts})`);
    await sleep(delayMs);
  }
  throw new DownloadError(`cannot get ${url} after ${policy.attempts} attempts (last: ${last}). ${OFFLINE_ADVICE}`);
}
