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

/** A failed answer, as much of it as a message needs. */
export interface FailedAnswer {
  /** Where the answer came from, after any redirects. */
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export interface RequestOptions extends GetOptions {
  /** Sent with every attempt (an Authorization header, a Range). */
  readonly headers?: Record<string, string>;
  /** The message for an answer not worth retrying (such as a 401 or 404), or undefined for the plain one. */
  readonly explain?: (answer: FailedAnswer) => string | undefined;
  /** "manual" takes a redirect as the answer instead of following it. */
  readonly redirect?: "follow" | "manual";
}

/** Reads a successful answer; `alive` is called whenever bytes arrive, so that a slow but moving download is not cut. */
type Reader<T> = (response: Response, alive: () => void) => Promise<T>;

/**
 * GETs `url` and hands a successful answer to `read`. Retries network errors, timeouts, 429 and 5xx with exponential
 * backoff (or Retry-After, capped at the policy's maxRetryAfterMs), telling `onRetry` each time; never waits past the
 * deadline. A request times out when nothing arrives for the policy's timeout. Fails at once on a URL that cannot be
 * fetched, or another 4xx (explained by `explain` when it knows the status).
 */
async function request<T>(url: string, options: RequestOptions, read: Reader<T>): Promise<T> {
  const policy = options.policy ?? DEFAULT_DOWNLOAD;
  const { deadline } = options;
  let last = "no attempt";
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if ((deadline?.remainingMs() ?? Infinity) <= 0) throw deadlineError(deadline!, last);
    let retryAfterMs: number | undefined;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut: { ms: number; byDeadline: boolean } | undefined;
    const alive = () => {
      clearTimeout(timer);
      const remaining = deadline?.remainingMs() ?? Infinity;
      const ms = Math.min(policy.timeoutMs, remaining);
      timer = setTimeout(() => {
        timedOut = { ms, byDeadline: ms < policy.timeoutMs };
        controller.abort();
      }, ms);
    };
    alive();
    try {
      const response = await fetch(url, { headers: options.headers, redirect: options.redirect ?? "follow", signal: controller.signal });
      const redirected = options.redirect === "manual" && response.status >= 300 && response.status < 400;
      if (response.ok || redirected) return await read(response, alive);
      const body = await response.text();
      last = `HTTP ${response.status} ${response.statusText}`.trim();
      if (!retryable(response.status)) {
        throw new DownloadError(options.explain?.({ url: response.url || url, status: response.status, headers: response.headers, body }) ?? `${url}: ${last}: ${body.slice(0, 300)}`);
      }
      const retryAfter = Number(response.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = Math.min(retryAfter * 1000, policy.maxRetryAfterMs ?? Infinity);
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      if (timedOut) {
        last = `no answer within ${seconds(timedOut.ms)}`;
        if (timedOut.byDeadline) throw deadlineError(deadline!, last);
      } else {
        const failure = networkFailure(err);
        if (!failure) throw new DownloadError(`${url}: cannot be fetched (${(err as Error).message})`);
        last = failure;
      }
    } finally {
      clearTimeout(timer);
    }
    if (attempt === policy.attempts) break;
    const delayMs = retryAfterMs ?? policy.baseDelayMs * 2 ** (attempt - 1);
    if (deadline && delayMs >= deadline.remainingMs()) throw waitPastDeadlineError(deadline, last, delayMs);
    options.onRetry?.(`${last}; retrying in ${seconds(delayMs)} (attempt ${attempt + 1} of ${policy.attempts})`);
    await sleep(delayMs);
  }
  throw new DownloadError(`cannot get ${url} after ${policy.attempts} attempts (last: ${last}). ${OFFLINE_ADVICE}`);
}

/** GETs JSON (see {@link request} for retries and timeouts); an answer that is not JSON fails at once. */
export async function getJson(url: string, options: RequestOptions = {}): Promise<unknown> {
  return request(url, { ...options, headers: { accept: "application/json", ...options.headers } }, async (response) => {
    const body = await response.text();
    try {
      return JSON.parse(body);
    } catch {
      throw new DownloadError(`${url}: the answer is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
    }
  });
}

/** Where a redirect of `url` points, absolute (see {@link request}); an answer that is not a redirect fails. */
export async function getRedirect(url: string, options: RequestOptions = {}): Promise<string> {
  return request(url, { ...options, redirect: "manual" }, async (response) => {
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new DownloadError(`${url}: expected a redirect to the file, got HTTP ${response.status}${location ? "" : " without a Location"}`);
    }
    return new URL(location, url).toString();
  });
}

/** Bytes `start` to `end` (exclusive) of a file, or its last `suffix` bytes. */
export type ByteRange = { readonly start: number; readonly end: number } | { readonly suffix: number };

/** Bytes read from a file, where they start in it, and how long the whole file is. */
export interface RangeRead {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly fileLength: number;
}

/** `bytes a-b/total` of a Content-Range header. */
function contentRange(header: string | null): { first: number; last: number; total: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header?.trim() ?? "");
  return match ? { first: Number(match[1]), last: Number(match[2]), total: Number(match[3]) } : undefined;
}

/** Reads a body of exactly `length` bytes, telling `alive` as bytes arrive. */
async function readExactly(url: string, response: Response, length: number, alive: () => void): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let at = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    alive();
    if (at + value.byteLength > length) {
      await reader.cancel();
      throw new DownloadError(`${url}: the answer holds more than the ${length} bytes asked for`);
    }
    bytes.set(value, at);
    at += value.byteLength;
  }
  if (at !== length) throw new DownloadError(`${url}: the answer ended after ${at} of ${length} bytes`);
  return bytes;
}

/**
 * GETs a byte range of a file with an HTTP Range request (see {@link request} for retries and timeouts). The answer must
 * be the range asked for (206 with a matching Content-Range), or, for a suffix at least as long as the file, the whole
 * file; a server that ignores Range for anything bigger is refused rather than downloaded whole.
 */
export async function getRange(url: string, range: ByteRange, options: RequestOptions = {}): Promise<RangeRead> {
  const header = "suffix" in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end - 1}`;
  return request(url, { ...options, headers: { ...options.headers, range: header } }, async (response, alive) => {
    if (response.status === 206) {
      const got = contentRange(response.headers.get("content-range"));
      const fits =
        got &&
        ("suffix" in range ? got.last === got.total - 1 && got.total - got.first <= range.suffix : got.first === range.start && got.last === range.end - 1);
      if (!got || !fits) {
        await response.body?.cancel();
        throw new DownloadError(`${url}: asked for ${header}, got Content-Range ${JSON.stringify(response.headers.get("content-range"))}`);
      }
      return { bytes: await readExactly(url, response, got.last - got.first + 1, alive), start: got.first, fileLength: got.total };
    }
    const length = Number(response.headers.get("content-length"));
    const whole = Number.isSafeInteger(length) && ("suffix" in range ? length <= range.suffix : range.start === 0 && range.end === length);
    if (!whole) {
      await response.body?.cancel();
      throw new DownloadError(`${url}: the server ignored the Range header (${header}) and sent HTTP ${response.status}; it cannot be read in parts`);
    }
    return { bytes: await readExactly(url, response, length, alive), start: 0, fileLength: length };
  });
}
